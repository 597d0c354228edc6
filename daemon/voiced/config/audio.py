"""[audio]: the ALSA mic and speaker."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AudioConfig:
    input_device: str = "default"
    output_device: str = "default"
    input_rate_hz: int | None = None
    """None: the device's own rate (what ALSA grants)."""
    output_rate_hz: int | None = None
    input_channel: int = 0
    """Which channel of a stereo or multi-channel mic to use (0 = first)."""
    frame_ms: int = 20
    prebuffer_ms: int = 60
    mixer_control: str | None = None
    volume_percent: int = 80
