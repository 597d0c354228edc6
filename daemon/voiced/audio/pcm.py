"""Opening ALSA PCMs through pyalsaaudio: one place that asks, reads back what ALSA granted
and turns failures into AudioDeviceError naming the device, the config key and the fix."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import alsaaudio

from voiced.audio.alsalog import clear_recent, recent_alsa_messages, route_alsa_errors_to_log
from voiced.audio.errors import AudioDeviceError
from voiced.config.audio import AudioConfig
from voiced.core.audio_choice import Fault, channel_candidates, choose_rate, classify_alsa_error

log = logging.getLogger(__name__)

PcmOpener = Callable[..., Any]
"""Makes a PCM from pyalsaaudio's keyword arguments; `alsaaudio.PCM` unless a test injects
another (e.g. one raising the library's own 'busy' error)."""

XRUN_STREAK_LOST = 8
"""This many xruns in a row with no audio moved: the device is gone (a stopped sound
server makes every read/write fail at once with EPIPE instead of raising)."""


@dataclass(frozen=True)
class Granted:
    """What ALSA actually gave us (it adjusts rate and period size silently)."""

    device: str
    rate_hz: int
    channels: int
    period_frames: int
    buffer_frames: int
    requested_rate_hz: int


def existing_pcms(capture: bool) -> list[str]:
    """Names of the PCMs ALSA knows, for 'no such device' messages."""
    try:
        names: list[str] = alsaaudio.pcms(
            alsaaudio.PCM_CAPTURE if capture else alsaaudio.PCM_PLAYBACK
        )
    except alsaaudio.ALSAAudioError:
        return []
    return [n for n in names if n != "null"]


def _device_error(
    device: str, exc: Exception, *, capture: bool, config_key: str, while_open: bool
) -> AudioDeviceError:
    text = str(exc.args[0] if exc.args else exc)
    # libasound's own message often says more ("Cannot get card index") than the errno.
    said = " ".join(recent_alsa_messages()) if not while_open else ""
    fault = classify_alsa_error(f"{text} {said}", while_open=while_open)
    existing = existing_pcms(capture) if fault is Fault.MISSING else ()
    return AudioDeviceError.describe(
        device=device, fault=fault, alsa_text=text, config_key=config_key, existing=existing
    )


def device_error(
    device: str, exc: Exception, *, capture: bool, config_key: str, while_open: bool = True
) -> AudioDeviceError:
    """Turn an ALSAAudioError into AudioDeviceError (public for the reader/writer threads)."""
    return _device_error(device, exc, capture=capture, config_key=config_key, while_open=while_open)


def open_pcm(
    *,
    device: str,
    capture: bool,
    rate_hz: int | None,
    channels: int | None,
    min_channels: int,
    period_ms: int,
    periods: int,
    config_key: str,
    opener: PcmOpener | None = None,
) -> tuple[Any, Granted]:
    """Open `device` as S16_LE; returns the PCM and what was granted. Blocking: call it on
    a thread. Raises AudioDeviceError (busy, missing, permission, other)."""
    route_alsa_errors_to_log()
    make = opener or alsaaudio.PCM
    kind = alsaaudio.PCM_CAPTURE if capture else alsaaudio.PCM_PLAYBACK
    last_error: Exception | None = None
    for n_channels in channel_candidates(channels, min_channels):
        clear_recent()
        try:
            rate = (
                rate_hz
                if rate_hz is not None
                else choose_rate(probe_rates(device, capture=capture, opener=make), None)
            )
            period_frames = max(16, rate * period_ms // 1000)
            pcm = make(
                type=kind,
                mode=alsaaudio.PCM_NORMAL,
                device=device,
                rate=rate,
                channels=n_channels,
                format=alsaaudio.PCM_FORMAT_S16_LE,
                periodsize=period_frames,
                periods=periods,
            )
        except alsaaudio.ALSAAudioError as exc:
            error = _device_error(
                device, exc, capture=capture, config_key=config_key, while_open=False
            )
            if error.fault is not Fault.OTHER:
                raise error from exc
            last_error = exc
            continue
        info = pcm.info()
        granted = Granted(
            device=device,
            rate_hz=int(info["rate"]),
            channels=int(info["channels"]),
            period_frames=int(info["period_size"]),
            buffer_frames=int(info["buffer_size"]),
            requested_rate_hz=rate,
        )
        if info.get("format_name") != "S16_LE" or granted.channels < min_channels:
            pcm.close()
            last_error = RuntimeError(
                f"granted {info.get('format_name')} x{granted.channels}, need S16_LE "
                f"x{min_channels}"
            )
            continue
        if granted.rate_hz != rate:
            log.warning(
                "%s: asked %d Hz, ALSA granted %d Hz; resampling from that",
                device,
                rate,
                granted.rate_hz,
            )
        log.info(
            "opened %s %s: %d Hz, %d ch, period %d frames, buffer %d frames",
            "capture" if capture else "playback",
            device,
            granted.rate_hz,
            granted.channels,
            granted.period_frames,
            granted.buffer_frames,
        )
        return pcm, granted
    assert last_error is not None
    raise _device_error(
        device, last_error, capture=capture, config_key=config_key, while_open=False
    ) from last_error


def open_mic(config: AudioConfig, opener: PcmOpener | None = None) -> tuple[Any, Granted]:
    """Open the configured capture device ([audio] input_*), as the mic and `check` do."""
    return open_pcm(
        device=config.input_device,
        capture=True,
        rate_hz=config.input_rate_hz,
        channels=config.input_channels,
        min_channels=config.input_channel + 1,
        period_ms=config.period_ms,
        # Deep enough to hold two bulk reads at rest (see AlsaMicrophone.pace).
        periods=max(config.periods, -(-2 * config.mic_idle_read_ms // config.period_ms)),
        config_key="audio.input_device",
        opener=opener,
    )


def open_speaker(config: AudioConfig, opener: PcmOpener | None = None) -> tuple[Any, Granted]:
    """Open the configured playback device ([audio] output_*), as the speaker and `check` do."""
    return open_pcm(
        device=config.output_device,
        capture=False,
        rate_hz=config.output_rate_hz,
        channels=None,
        min_channels=1,
        period_ms=config.period_ms,
        periods=config.periods,
        config_key="audio.output_device",
        opener=opener,
    )


def probe_rates(
    device: str, *, capture: bool, opener: PcmOpener | None = None
) -> list[int] | tuple[int, int] | None:
    """The device's rates: a list, a (min, max) range, or None when it will not say.
    Raises ALSAAudioError when the device cannot be opened at all."""
    make = opener or alsaaudio.PCM
    kind = alsaaudio.PCM_CAPTURE if capture else alsaaudio.PCM_PLAYBACK
    pcm = make(type=kind, mode=alsaaudio.PCM_NORMAL, device=device)
    try:
        rates: Any = pcm.getrates()
    except alsaaudio.ALSAAudioError:
        rates = None
    finally:
        pcm.close()
    if isinstance(rates, int):
        return [rates]
    if isinstance(rates, tuple) and len(rates) == 2:
        return (int(rates[0]), int(rates[1]))
    if isinstance(rates, list):
        return [int(r) for r in rates]
    return None


def close_quietly(pcm: Any) -> None:
    try:
        pcm.close()
    except alsaaudio.ALSAAudioError as exc:
        log.debug("closing a lost PCM: %s", exc)


def describe_choices(values: Sequence[int] | tuple[int, int] | None) -> str:
    if values is None:
        return "?"
    if isinstance(values, tuple):
        return f"{values[0]}-{values[1]}"
    return ",".join(str(v) for v in values)
