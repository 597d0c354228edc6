"""Earcons: short sounds synthesised in code (numpy), or custom WAV files, as 24 kHz s16le.

Every built-in sound is at most 300 ms, starts and ends at zero (raised-cosine fades, no
click), and peaks at `volume` × -3 dBFS. A custom WAV (16-bit, mono or stereo, any rate) is
mixed to mono, resampled with soxr, scaled by `volume` and faded at its ends.

    sounds = Earcons(config.sounds, file=config.source)   # loads custom files once
    speaker.play("earcon", sounds.get(Earcon.LISTENING))  # b"" when sounds are off
"""

from __future__ import annotations

import enum
import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soxr

from voiced.config.sounds import SoundsConfig
from voiced.errors import ConfigError

Floats = npt.NDArray[np.float64]

SAMPLE_RATE_HZ = 24000
PEAK = 10 ** (-3 / 20)  # -3 dBFS at volume 1.0
FADE_MS = 8.0
MAX_WAV_S = 10.0


class Earcon(enum.Enum):
    LISTENING = "listening"
    SENT = "sent"
    CANCELLED = "cancelled"
    ERROR = "error"
    OFFLINE = "offline"


# Each sound is a sequence of notes: (start Hz, end Hz, ms, relative level); 0 Hz is a rest.
_NOTES: dict[Earcon, tuple[tuple[float, float, float, float], ...]] = {
    Earcon.LISTENING: ((587.3, 587.3, 90, 0.8), (880.0, 880.0, 130, 1.0)),  # rising D5-A5
    Earcon.SENT: ((987.8, 987.8, 110, 0.7),),  # one short B5
    Earcon.CANCELLED: ((659.3, 659.3, 90, 1.0), (440.0, 440.0, 140, 0.8)),  # falling E5-A4
    Earcon.ERROR: ((311.1, 311.1, 80, 1.0), (0, 0, 40, 0), (311.1, 311.1, 80, 1.0)),
    Earcon.OFFLINE: ((660.0, 330.0, 260, 1.0),),  # a falling glide
}


def synthesize(
    earcon: Earcon, *, volume: float = 1.0, sample_rate_hz: int = SAMPLE_RATE_HZ
) -> bytes:
    """The built-in `earcon` as s16le mono at `sample_rate_hz`, peaking at volume × -3 dBFS."""
    parts = [_note(f0, f1, ms, level, sample_rate_hz) for f0, f1, ms, level in _NOTES[earcon]]
    return _to_pcm(np.concatenate(parts), volume, normalise=True)


def load_wav(
    path: str | Path,
    *,
    volume: float = 1.0,
    sample_rate_hz: int = SAMPLE_RATE_HZ,
    key: str = "sounds",
    file: str = "(defaults)",
    max_s: float = MAX_WAV_S,
) -> bytes:
    """A custom sound: a 16-bit mono or stereo WAV, resampled; ConfigError naming `key` if not."""

    def bad(problem: str) -> ConfigError:
        return ConfigError(
            key,
            file,
            f"{path}: {problem}",
            "use a 16-bit PCM WAV, mono or stereo "
            "(e.g. sox in.ogg -b 16 out.wav), or remove the key for the built-in sound",
        )

    try:
        with wave.open(str(path), "rb") as reader:
            channels, width = reader.getnchannels(), reader.getsampwidth()
            rate_hz, frames = reader.getframerate(), reader.getnframes()
            if channels not in (1, 2):
                raise bad(f"{channels} channels (mono or stereo only)")
            if width != 2:
                raise bad(f"{8 * width}-bit samples (16-bit only)")
            if frames > max_s * rate_hz:
                raise bad(f"{frames / rate_hz:.1f} s long (at most {max_s:.0f} s)")
            data = reader.readframes(frames)
    except (OSError, EOFError, wave.Error) as exc:
        raise bad(f"not a readable WAV file ({exc})") from exc
    samples = np.frombuffer(data, dtype="<i2").astype(np.float64) / 32768.0
    if channels == 2:
        samples = samples.reshape(-1, 2).mean(axis=1)
    if rate_hz != sample_rate_hz and len(samples):
        samples = np.asarray(soxr.resample(samples, rate_hz, sample_rate_hz), dtype=np.float64)
    fade = min(len(samples) // 2, round(FADE_MS / 2 * sample_rate_hz / 1000))
    return _to_pcm(_fade(samples, fade), volume, normalise=False)


class Earcons:
    """The five sounds for one configuration: custom files loaded once, built-ins synthesised."""

    def __init__(self, config: SoundsConfig, *, file: str = "(defaults)") -> None:
        self.enabled = config.enabled
        self._sounds: dict[Earcon, bytes] = {}
        for earcon in Earcon:
            custom = getattr(config, earcon.value)
            self._sounds[earcon] = (
                load_wav(custom, volume=config.volume, key=f"sounds.{earcon.value}", file=file)
                if custom is not None
                else synthesize(earcon, volume=config.volume)
            )

    def get(self, earcon: Earcon) -> bytes:
        """The sound to play (24 kHz s16le mono); b"" when sounds are off."""
        return self._sounds[earcon] if self.enabled else b""


def _note(f0_hz: float, f1_hz: float, ms: float, level: float, rate_hz: int) -> Floats:
    n = round(ms * rate_hz / 1000)
    if f0_hz == 0:
        return np.zeros(n)
    freq = np.linspace(f0_hz, f1_hz, n)
    phase = 2 * np.pi * np.cumsum(freq) / rate_hz
    tone = np.sin(phase) + 0.25 * np.sin(2 * phase)  # a soft second harmonic
    return _fade(tone * level, round(FADE_MS * rate_hz / 1000))


def _fade(x: Floats, n: int) -> Floats:
    """Raised-cosine fade-in and fade-out of `n` samples each: starts and ends at 0."""
    if n <= 0 or len(x) < 2:
        return x
    n = min(n, len(x) // 2)
    ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(n) / n)  # 0 → just under 1
    out = x.copy()
    out[:n] *= ramp
    out[len(x) - n :] *= ramp[::-1]
    out[-1] = 0.0
    return out


def _to_pcm(x: Floats, volume: float, *, normalise: bool) -> bytes:
    peak = float(np.max(np.abs(x))) if len(x) else 0.0
    gain = max(0.0, min(1.0, volume)) * (PEAK / peak if normalise and peak > 0 else 1.0)
    return np.clip(np.round(x * gain * 32767), -32768, 32767).astype("<i2").tobytes()
