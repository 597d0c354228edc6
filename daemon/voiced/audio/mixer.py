"""Volume: the card's ALSA mixer control when it has one, software gain otherwise; the level
is kept in the state directory so it survives restarts.

    volume = Volume.open(config.audio, state_dir=Path(config.control.state_dir))
    volume.step(+1)          # a volume-up press; returns the new percent
    speaker = AlsaSpeaker(config.audio, volume=volume)
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import alsaaudio

from voiced.config.audio import AudioConfig
from voiced.core.audio_choice import (
    COMMON_MIXER_CONTROLS,
    clamp_percent,
    mixer_device_for,
    volume_gain,
)

log = logging.getLogger(__name__)

STATE_FILE = "volume.json"


def find_mixer(control: str | None, device: str) -> Any | None:
    """The named control on `device`, or the first common one; None when there is none."""
    names = [control] if control else list(COMMON_MIXER_CONTROLS)
    for name in names:
        try:
            return alsaaudio.Mixer(control=name, device=device)
        except alsaaudio.ALSAAudioError as exc:
            log.debug("no mixer control %r on %s: %s", name, device, exc)
    if control:
        log.warning(
            "mixer control %r not found on %s (audio.mixer_control); using software "
            "gain — `amixer -D %s scontrols` lists the controls",
            control,
            device,
            device,
        )
    return None


class Volume:
    """The output volume in percent, applied by a mixer control or as software gain."""

    def __init__(
        self,
        *,
        mixer: Any | None,
        state_path: Path | None,
        default_percent: int,
        step_percent: int = 10,
    ) -> None:
        self.mixer = mixer
        self.state_path = state_path
        self.step_percent = step_percent
        self._percent = self._load(default_percent)
        self.software_gain = 1.0
        """Gain the speaker applies to samples (1.0 when the mixer does the work)."""
        self._apply()

    @classmethod
    def open(cls, config: AudioConfig, *, state_dir: Path | None) -> Volume:
        device = config.mixer_device or mixer_device_for(config.output_device)
        mixer = find_mixer(config.mixer_control, device)
        state = state_dir / STATE_FILE if state_dir is not None else None
        return cls(
            mixer=mixer,
            state_path=state,
            default_percent=config.volume_percent,
            step_percent=config.volume_step_percent,
        )

    @property
    def percent(self) -> int:
        return self._percent

    @property
    def uses_mixer(self) -> bool:
        return self.mixer is not None

    def set_percent(self, percent: float) -> int:
        self._percent = clamp_percent(percent)
        self._apply()
        self._save()
        return self._percent

    def step(self, direction: int) -> int:
        """+1: one step up, -1: one step down. Returns the new percent."""
        return self.set_percent(self._percent + direction * self.step_percent)

    def close(self) -> None:
        if self.mixer is not None:
            self.mixer.close()
            self.mixer = None

    def _apply(self) -> None:
        if self.mixer is None:
            self.software_gain = volume_gain(self._percent)
            return
        try:
            self.mixer.setvolume(self._percent)
            self.software_gain = 1.0
        except alsaaudio.ALSAAudioError as exc:
            log.warning("mixer failed (%s); using software gain", exc)
            self.mixer = None
            self.software_gain = volume_gain(self._percent)

    def _load(self, default: int) -> int:
        if self.state_path is None:
            return clamp_percent(default)
        try:
            saved = json.loads(self.state_path.read_text())
            return clamp_percent(float(saved["volume_percent"]))
        except FileNotFoundError:
            return clamp_percent(default)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("ignoring saved volume in %s: %s", self.state_path, exc)
            return clamp_percent(default)

    def _save(self) -> None:
        if self.state_path is None:
            return
        try:
            self.state_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.state_path.with_suffix(".tmp")
            tmp.write_text(json.dumps({"volume_percent": self._percent}) + "\n")
            os.replace(tmp, self.state_path)
        except OSError as exc:
            log.warning("could not save the volume to %s: %s", self.state_path, exc)
