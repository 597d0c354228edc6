"""The whole configuration: one frozen dataclass per [section], and loading it from TOML."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from voiced.config.audio import AudioConfig
from voiced.config.control import ControlConfig, LogConfig
from voiced.config.loader import build, read_toml
from voiced.config.panel import PanelConfig
from voiced.config.realtime import LinkConfig, RealtimeConfig
from voiced.config.sounds import SoundsConfig
from voiced.config.talk import TalkConfig
from voiced.config.wake import WakeConfig

DEFAULT_PATH = Path("/etc/voiced/voiced.toml")


@dataclass(frozen=True)
class Config:
    realtime: RealtimeConfig = field(default_factory=RealtimeConfig)
    link: LinkConfig = field(default_factory=LinkConfig)
    audio: AudioConfig = field(default_factory=AudioConfig)
    talk: TalkConfig = field(default_factory=TalkConfig)
    wake: WakeConfig = field(default_factory=WakeConfig)
    sounds: SoundsConfig = field(default_factory=SoundsConfig)
    panel: PanelConfig = field(default_factory=PanelConfig)
    control: ControlConfig = field(default_factory=ControlConfig)
    log: LogConfig = field(default_factory=LogConfig)
    source: str = "(built-in defaults)"


def load(path: Path | None) -> Config:
    """Load `path` (None: built-in defaults). Raises ConfigError naming key, file and fix."""
    if path is None:
        return Config()
    table = read_toml(path)
    table.pop("source", None)
    config = build(Config, table, str(path))
    return Config(**{**config.__dict__, "source": str(path)})
