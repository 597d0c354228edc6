"""Build one of each part from the configuration and hand them to the Daemon."""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Callable
from pathlib import Path

from voiced.app.control import socket_path
from voiced.app.credentials import find_api_key
from voiced.app.daemon import Daemon
from voiced.app.handsfree import hands_free
from voiced.app.sounds import Sounds
from voiced.app.voices import make_voice
from voiced.audio.capture import AlsaMicrophone
from voiced.audio.mixer import Volume
from voiced.audio.playback import AlsaSpeaker
from voiced.config import Config
from voiced.panel.factory import make_panel
from voiced.panel.profiles import BoardProfile

log = logging.getLogger(__name__)


def state_dir(config: Config) -> Path | None:
    """systemd's StateDirectory=, else control.state_dir, else ~/.local/state/voiced."""
    candidates = [
        os.environ.get("STATE_DIRECTORY", "").split(":")[0],
        config.control.state_dir,
        str(Path.home() / ".local" / "state" / "voiced"),
    ]
    for candidate in candidates:
        if not candidate:
            continue
        path = Path(candidate)
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(path, os.W_OK):
            return path
    log.warning("no writable state directory: volume will not survive a restart")
    return None


def with_profile_audio(config: Config, profile: BoardProfile | None) -> Config:
    """Take the board's ALSA devices and capture channel where [audio] left the defaults."""
    if profile is None:
        return config
    audio = config.audio
    changes: dict[str, object] = {}
    if audio.input_device == "default" and profile.input_device:
        changes["input_device"] = profile.input_device
    if audio.output_device == "default" and profile.output_device:
        changes["output_device"] = profile.output_device
    if audio.input_channel == 0 and profile.input_channel:
        changes["input_channel"] = profile.input_channel
    if not changes:
        return config
    log.info(
        "audio devices from board %s: %s",
        profile.name,
        ", ".join(f"{k}={v}" for k, v in changes.items()),
    )
    return dataclasses.replace(config, audio=dataclasses.replace(audio, **changes))  # type: ignore[arg-type]


def build_daemon(config: Config, *, reload: Callable[[], Config] | None = None) -> Daemon:
    """The appliance for `config` (called inside the running event loop)."""
    key = find_api_key(config)
    if key.value is not None:
        log.info("API key from %s", key.source)
    voice = make_voice(config, key)
    panel, profile = make_panel(config)
    config = with_profile_audio(config, profile)
    state = state_dir(config)
    volume = Volume.open(config.audio, state_dir=state)
    daemon_ref: list[Daemon] = []

    def on_fault(err: object) -> None:
        if daemon_ref:
            daemon_ref[0].on_audio_fault(err)

    speaker = AlsaSpeaker(config.audio, volume=volume, on_fault=on_fault)
    mic = AlsaMicrophone(config.audio, on_fault=on_fault)
    daemon = Daemon(
        config,
        make_voice=lambda new: make_voice(new, find_api_key(new)),
        voice=voice,
        mic=mic,
        speaker=speaker,
        panel=panel,
        reload=(lambda: with_profile_audio(reload(), profile)) if reload is not None else None,
        control_path=socket_path(config.control.socket),
        sounds=Sounds(config, state_dir=state),
        hands_free=hands_free,
    )
    daemon_ref.append(daemon)
    return daemon
