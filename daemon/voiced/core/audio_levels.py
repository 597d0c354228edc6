"""Level analysis for `voiced check audio`: peak and RMS in dBFS, and what looks wrong."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

FULL_SCALE = 32768.0
SILENCE_DBFS = -60.0
"""Peak below this: nothing reaches the mic (muted, wrong channel, wrong device)."""
QUIET_DBFS = -35.0
"""Peak below this: audible but too quiet for speech detection."""
CLIP_FRACTION = 0.001
"""More than this fraction of samples at full scale: clipping."""


@dataclass(frozen=True)
class Levels:
    peak_dbfs: float
    rms_dbfs: float
    clipped_fraction: float


def to_dbfs(amplitude: float) -> float:
    return -math.inf if amplitude <= 0 else 20.0 * math.log10(amplitude / FULL_SCALE)


def measure(samples: Sequence[int]) -> Levels:
    """Peak, RMS and clipped fraction of s16 samples."""
    if not samples:
        return Levels(-math.inf, -math.inf, 0.0)
    peak = max(abs(s) for s in samples)
    rms = math.sqrt(sum(float(s) * s for s in samples) / len(samples))
    clipped = sum(1 for s in samples if s >= 32767 or s <= -32768) / len(samples)
    return Levels(to_dbfs(peak), to_dbfs(rms), clipped)


def diagnose(
    levels: Levels, *, requested_rate_hz: int | None, granted_rate_hz: int, device: str
) -> list[str]:
    """Plain-language problems with a recording; empty when it looks fine."""
    problems: list[str] = []
    if levels.peak_dbfs < SILENCE_DBFS:
        problems.append(
            f"silence from {device}: check the mic is plugged in and unmuted (alsamixer -c N, "
            "capture switch), audio.input_channel, and that audio.input_device is the mic"
        )
    elif levels.peak_dbfs < QUIET_DBFS:
        problems.append(
            f"very quiet (peak {levels.peak_dbfs:.1f} dBFS): raise the capture gain in alsamixer "
            "or set audio.mic_gain_db"
        )
    if levels.clipped_fraction > CLIP_FRACTION:
        problems.append(
            f"clipping ({levels.clipped_fraction:.2%} of samples at full scale): lower the "
            "capture gain in alsamixer or audio.mic_gain_db, or speak further from the mic"
        )
    if requested_rate_hz is not None and requested_rate_hz != granted_rate_hz:
        problems.append(
            f"ALSA adjusted the rate of {device}: asked {requested_rate_hz} Hz, got "
            f"{granted_rate_hz} Hz (resampled correctly; set audio.input_rate_hz = "
            f"{granted_rate_hz} to silence this)"
        )
    return problems
