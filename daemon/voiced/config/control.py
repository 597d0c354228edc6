"""[control] and [log]: the control socket and logging."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class ControlConfig:
    socket: str = "/run/voiced/control.sock"
    state_dir: str = "/var/lib/voiced"


@dataclass(frozen=True)
class LogConfig:
    level: Literal["debug", "info", "warning", "error"] = "info"
