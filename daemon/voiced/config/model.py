"""The whole configuration: one frozen dataclass per [section], and loading it from TOML."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from voiced.config.audio import AudioConfig
from voiced.config.control import ControlConfig, LogConfig
from voiced.config.link import LinkConfig
from voiced.config.loader import build, read_toml
from voiced.config.panel import PanelConfig
from voiced.config.realtime import RealtimeConfig
from voiced.config.sounds import SoundsConfig
from voiced.config.talk import TalkConfig
from voiced.config.wake import WakeConfig
from voiced.errors import ConfigError

log = logging.getLogger(__name__)

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
    if "source" in table:
        raise ConfigError("source", str(path), "unknown key", "remove it")
    config = build(Config, table, str(path))
    config = Config(**{**config.__dict__, "source": str(path)})
    check_voice(config)
    return config


#: The voices OpenAI's realtime models offer (Azure's deployments take the same names).
KNOWN_VOICES = (
    "alloy",
    "ash",
    "ballad",
    "coral",
    "echo",
    "sage",
    "shimmer",
    "verse",
    "marin",
    "cedar",
)


def check_voice(config: Config) -> None:
    """An unknown voice is an error for OpenAI and Azure, a warning for other servers."""
    voice = config.realtime.voice
    if voice in KNOWN_VOICES:
        return
    if config.realtime.provider in ("compatible", "loopback"):
        log.warning(
            "realtime.voice %r is not one of OpenAI's voices (%s); passing it to the %s server",
            voice,
            " ".join(KNOWN_VOICES),
            config.realtime.provider,
        )
        return
    raise ConfigError(
        "realtime.voice",
        config.source,
        f"{voice!r} is not a voice the OpenAI realtime models offer",
        "use one of " + ", ".join(KNOWN_VOICES) + ' (or realtime.provider = "compatible")',
    )
