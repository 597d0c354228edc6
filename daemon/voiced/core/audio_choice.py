"""Audio device decisions: which rate and channels to ask for, what an ALSA error means,
which mixer belongs to a device, how long to wait before reopening, volume → gain. Pure."""

from __future__ import annotations

import enum
import math
import re

MODEL_RATE_HZ = 24000
"""The speech model listens and speaks at 24 kHz."""

PREFERRED_RATES_HZ = (24000, 48000, 16000, 96000, 32000, 44100, 22050, 8000)
"""In order: no resampling, then exact integer ratios, then the rest."""


def choose_rate(rates: list[int] | tuple[int, int] | None, requested_hz: int | None) -> int:
    """The rate to open a device at. `rates` is pyalsaaudio's `getrates()`: a list of rates,
    a (min, max) tuple for a continuous range, or None when unknown."""
    if requested_hz is not None:
        return requested_hz
    if rates is None:
        return MODEL_RATE_HZ
    if isinstance(rates, tuple):
        low, high = rates
        return next((r for r in PREFERRED_RATES_HZ if low <= r <= high), max(low, min(high, 48000)))
    accepted = set(rates)
    for rate in PREFERRED_RATES_HZ:
        if rate in accepted:
            return rate
    return max(accepted) if accepted else MODEL_RATE_HZ


def channel_candidates(wanted: int | None, min_channels: int) -> list[int]:
    """Channel counts to try, in order, for a device that must have `min_channels`."""
    first = wanted if wanted is not None else min_channels
    return [first] + [n for n in (1, 2, 4, 6, 8) if n >= min_channels and n != first]


class Fault(enum.Enum):
    BUSY = "busy"
    """Another program holds the device."""
    MISSING = "missing"
    """No device by that name (or the card is not there)."""
    GONE = "gone"
    """The device vanished while open (USB unplug, sound server stopped)."""
    PERMISSION = "permission"
    """Not allowed: the user is not in the `audio` group."""
    OTHER = "other"


_PATTERNS: tuple[tuple[Fault, re.Pattern[str]], ...] = (
    (Fault.BUSY, re.compile(r"busy", re.I)),
    (Fault.PERMISSION, re.compile(r"permission denied|not permitted", re.I)),
    (
        Fault.GONE,
        re.compile(
            r"no such device(?! or address)|file descriptor in bad state|"
            r"broken pipe|input/output error|connection refused|host is down|"
            r"disconnected|transport endpoint",
            re.I,
        ),
    ),
    (
        Fault.MISSING,
        re.compile(
            r"no such file|unknown pcm|not found|no such device or address|"
            r"invalid card|cannot find card|cannot get card index",
            re.I,
        ),
    ),
)


def classify_alsa_error(text: str, *, while_open: bool) -> Fault:
    """What an ALSAAudioError's text means. Opening a device that is not there reads
    differently from one that vanishes mid-stream; mid-stream, anything but busy is GONE."""
    for fault, pattern in _PATTERNS:
        if pattern.search(text):
            if fault is Fault.MISSING and while_open:
                return Fault.GONE
            if fault is Fault.GONE and not while_open:
                # A device that cannot be opened never "vanished": it is not there (yet).
                return Fault.MISSING
            return fault
    return Fault.GONE if while_open else Fault.OTHER


def mixer_device_for(pcm_device: str) -> str:
    """The control device of a PCM's card: "plughw:CARD=x,DEV=0" → "hw:CARD=x",
    "hw:1,0" → "hw:1", "dmix:1" → "hw:1"; anything else (default, pipewire) → "default"."""
    if ":" not in pcm_device:
        return "default"
    kind, _, args = pcm_device.partition(":")
    if kind not in ("hw", "plughw", "dmix", "dsnoop", "sysdefault", "front"):
        return "default"
    first = args.split(",")[0]
    if first.startswith("CARD="):
        return f"hw:CARD={first[5:]}"
    return f"hw:{first}" if first else "default"


COMMON_MIXER_CONTROLS = ("Master", "PCM", "Speaker", "Headphone", "Playback", "Digital")
"""Names tried in order when audio.mixer_control is not set."""


def volume_gain(percent: int) -> float:
    """Software gain for a volume in percent: a 50 dB taper, silent at 0."""
    if percent <= 0:
        return 0.0
    return float(10.0 ** ((min(percent, 100) - 100) / 100.0 * 50.0 / 20.0))


def db_to_gain(gain_db: float) -> float:
    return float(10.0 ** (gain_db / 20.0))


def clamp_percent(percent: float) -> int:
    return int(max(0, min(100, math.floor(percent + 0.5))))
