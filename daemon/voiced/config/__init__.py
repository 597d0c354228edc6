"""The daemon's configuration: one TOML file, nested frozen dataclasses, clear errors.

The names below load their module on first use: the library imports only
`voiced.config.link`, and pays for nothing else here (the TOML loader, the daemon's
sections).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from voiced.lazy import lazy_names

if TYPE_CHECKING:
    from voiced.config.audio import AudioConfig
    from voiced.config.control import ControlConfig, LogConfig
    from voiced.config.link import LinkConfig
    from voiced.config.model import DEFAULT_PATH, Config, load
    from voiced.config.panel import PanelConfig
    from voiced.config.realtime import RealtimeConfig
    from voiced.config.sounds import SoundsConfig
    from voiced.config.talk import TalkConfig
    from voiced.config.wake import WakeConfig

_HOME = {
    "DEFAULT_PATH": "model",
    "Config": "model",
    "load": "model",
    "AudioConfig": "audio",
    "ControlConfig": "control",
    "LogConfig": "control",
    "PanelConfig": "panel",
    "LinkConfig": "link",
    "RealtimeConfig": "realtime",
    "SoundsConfig": "sounds",
    "TalkConfig": "talk",
    "WakeConfig": "wake",
}

__all__ = [
    "DEFAULT_PATH",
    "AudioConfig",
    "Config",
    "ControlConfig",
    "LinkConfig",
    "LogConfig",
    "PanelConfig",
    "RealtimeConfig",
    "SoundsConfig",
    "TalkConfig",
    "WakeConfig",
    "load",
]


__getattr__ = lazy_names(__name__, _HOME)
