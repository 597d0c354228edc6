"""[panel]: buttons and status lights."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PanelConfig:
    board: str = "auto"
    """A profile name from hardware/boards, "auto" (detect) or "none"."""
