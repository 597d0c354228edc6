"""`voiced devices` and `voiced check audio`: what ALSA has, and does the mic/speaker work."""

from __future__ import annotations

import logging
from typing import Any, TextIO

import alsaaudio
import numpy as np

from voiced.audio.devices import hardware_devices, list_cards, list_pcms, probe
from voiced.audio.errors import AudioDeviceError
from voiced.audio.pcm import PcmOpener, close_quietly, describe_choices, open_mic, open_speaker
from voiced.audio.resample import StreamResampler
from voiced.config.audio import AudioConfig
from voiced.core.audio_choice import MODEL_RATE_HZ, Fault
from voiced.core.audio_levels import diagnose, measure
from voiced.errors import EXIT_FAILURE, EXIT_OK

log = logging.getLogger(__name__)


def list_devices(out: TextIO, *, probe_devices: list[str] | None = None) -> int:
    """Print cards, PCMs and, per hardware device (or each of `probe_devices`), the rates and
    channel counts it accepts. Returns an exit status."""
    cards = list_cards()
    out.write("Sound cards:\n")
    if not cards:
        out.write(
            "  (none: no sound card driver is loaded — is the HAT's dtoverlay set in "
            "/boot/firmware/config.txt, or the USB device plugged in?)\n"
        )
    for card in cards:
        out.write(f"  {card.index}: {card.id} — {card.name}\n")
    try:
        playback, capture = list_pcms(capture=False), list_pcms(capture=True)
    except alsaaudio.ALSAAudioError as exc:
        out.write(f"ALSA could not list PCMs: {exc}\n")
        return EXIT_FAILURE
    out.write("Playback PCMs (audio.output_device): " + ", ".join(playback) + "\n")
    out.write("Capture PCMs (audio.input_device): " + ", ".join(capture) + "\n")
    devices = probe_devices if probe_devices is not None else hardware_devices(cards)
    if devices:
        out.write("Devices (rates in Hz; channels):\n")
    for device in devices:
        for is_capture in (True, False):
            caps = probe(device, capture=is_capture)
            kind = "capture " if is_capture else "playback"
            if caps.error:
                out.write(f"  {device} {kind}: cannot open ({caps.error})\n")
            else:
                out.write(
                    f"  {device} {kind}: rates {describe_choices(caps.rates)}; "
                    f"channels {describe_choices(caps.channels)}\n"
                )
    return EXIT_OK


def check_audio(
    config: AudioConfig, out: TextIO, seconds: float = 3.0, *, opener: PcmOpener | None = None
) -> int:
    """Record `seconds`, print peak and RMS in dBFS, play it back, say what looks wrong.
    The mic and the speaker are both checked (a silent second when the mic fails); each
    problem is one line `FAIL <what>: <why>. Fix: <how>`. Returns an exit status."""
    ok = True
    try:
        recording, problems = _record(config, out, seconds, opener)
    except AudioDeviceError as exc:
        out.write(f"FAIL mic: {exc.why}. Fix: {exc.fix}\n")
        recording, problems, ok = bytes(2 * MODEL_RATE_HZ), [], False
    try:
        _play(config, out, recording, opener)
    except AudioDeviceError as exc:
        out.write(f"FAIL speaker: {exc.why}. Fix: {exc.fix}\n")
        ok = False
    for problem in problems:
        why, _, fix = problem.partition(": ")
        out.write(f"FAIL mic level: {why}. Fix: {fix or 'see the README troubleshooting'}\n")
    if ok and not problems:
        out.write("ok   audio: mic and speaker work\n")
        return EXIT_OK
    return EXIT_FAILURE


def _record(
    config: AudioConfig, out: TextIO, seconds: float, opener: PcmOpener | None
) -> tuple[bytes, list[str]]:
    pcm, granted = open_mic(config, opener)
    out.write(
        f"mic {granted.device}: {granted.rate_hz} Hz, {granted.channels} channel(s), "
        f"using channel {config.input_channel}; recording {seconds:g} s — speak now\n"
    )
    want = int(seconds * granted.rate_hz)
    chunks: list[bytes] = []
    got = xruns = 0
    try:
        while got < want:
            n, data = pcm.read()
            if n < 0:
                xruns += 1
                continue
            n = min(n, want - got)
            chunks.append(data[: n * granted.channels * 2])
            got += n
    except alsaaudio.ALSAAudioError as exc:
        raise AudioDeviceError.describe(
            device=granted.device,
            fault=Fault.GONE,
            alsa_text=str(exc),
            config_key="audio.input_device",
        ) from exc
    finally:
        close_quietly(pcm)
    samples = np.frombuffer(b"".join(chunks), dtype="<i2")[config.input_channel :: granted.channels]
    levels = measure(samples.tolist())
    out.write(f"peak {levels.peak_dbfs:.1f} dBFS, RMS {levels.rms_dbfs:.1f} dBFS\n")
    problems = diagnose(
        levels,
        requested_rate_hz=granted.requested_rate_hz if config.input_rate_hz is not None else None,
        granted_rate_hz=granted.rate_hz,
        device=granted.device,
    )
    if xruns:
        problems.append(
            f"{xruns} overrun(s) while recording: the system is too busy or "
            "audio.period_ms too small"
        )
    resampler = StreamResampler(granted.rate_hz, MODEL_RATE_HZ, quality=config.resample_quality)
    return resampler.process(np.ascontiguousarray(samples), last=True).tobytes(), problems


def _play(config: AudioConfig, out: TextIO, pcm_24k: bytes, opener: PcmOpener | None) -> None:
    pcm, granted = open_speaker(config, opener)
    out.write(
        f"speaker {granted.device}: {granted.rate_hz} Hz, {granted.channels} channel(s);"
        " playing it back\n"
    )
    resampler = StreamResampler(MODEL_RATE_HZ, granted.rate_hz, quality=config.resample_quality)
    samples: Any = resampler.process(np.frombuffer(pcm_24k, dtype="<i2"), last=True)
    if granted.channels > 1:
        samples = np.repeat(samples, granted.channels)
    data = samples.tobytes()
    step = granted.period_frames * granted.channels * 2
    data += bytes(-len(data) % step)
    try:
        for offset in range(0, len(data), step):
            pcm.write(data[offset : offset + step])
        pcm.drain()
    except alsaaudio.ALSAAudioError as exc:
        raise AudioDeviceError.describe(
            device=granted.device,
            fault=Fault.GONE,
            alsa_text=str(exc),
            config_key="audio.output_device",
        ) from exc
    finally:
        close_quietly(pcm)
