"""AlsaSpeaker on file-backed ALSA PCMs: what is queued is what is written; device faults."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import alsaaudio
import numpy as np
import pytest

from voiced.audio.capture import AlsaMicrophone
from voiced.audio.errors import AudioDeviceError
from voiced.audio.mixer import Volume
from voiced.audio.playback import AlsaSpeaker
from voiced.config.audio import AudioConfig
from voiced.core.audio_choice import Fault

from audio_rig import sine, tone_analysis


async def play_all(config: AudioConfig, chunks: list[bytes], **kwargs: Any) -> AlsaSpeaker:
    speaker = AlsaSpeaker(config, keep_running=False, **kwargs)
    await speaker.start()
    for chunk in chunks:
        speaker.play("resp_1", chunk)
    speaker.finish("resp_1")
    for _ in range(500):
        if not speaker.is_playing():
            break
        await asyncio.sleep(0.01)
    await speaker.stop()
    return speaker


async def test_24k_playback_writes_exactly_what_was_queued(tmp_path: Path) -> None:
    """At 24 kHz the file receives the queued bytes unchanged, then at most a period of zeros."""
    rng = np.random.default_rng(2)
    pcm = rng.integers(-32768, 32767, size=12_345, dtype=np.int16).tobytes()
    out = tmp_path / "out.raw"
    config = AudioConfig(output_device=f"vspk:OUT={out}", output_rate_hz=24000, prebuffer_ms=2000)
    speaker = await play_all(config, [pcm[i : i + 1000] for i in range(0, len(pcm), 1000)])
    written = out.read_bytes()
    assert written[: len(pcm)] == pcm
    tail = written[len(pcm) :]
    assert tail == bytes(len(tail)) and len(tail) < 480 * 2
    assert speaker.played_ms("resp_1") == 12_345 * 1000 // 24000
    assert speaker.underruns == 0


@pytest.mark.parametrize("rate_hz", [16000, 44100, 48000])
async def test_playback_resamples_to_the_device_rate(tmp_path: Path, rate_hz: int) -> None:
    """A 24 kHz 1 kHz sine lands in a 16/44.1/48 kHz device as 1 kHz, full length, SNR ≥ 60 dB."""
    out = tmp_path / "out.raw"
    config = AudioConfig(output_device=f"vspk:OUT={out}", output_rate_hz=rate_hz, prebuffer_ms=2000)
    tone = sine(1000.0, 24000, 1.0).tobytes()
    await play_all(config, [tone[i : i + 960] for i in range(0, len(tone), 960)])
    written = np.frombuffer(out.read_bytes(), dtype="<i2")
    audible = np.flatnonzero(np.abs(written) > 100)
    assert abs(audible[-1] - audible[0] - rate_hz) < rate_hz * 0.002
    freq, snr_db = tone_analysis(written[audible[0] + 500 : audible[-1] - 500], rate_hz)
    assert abs(freq - 1000.0) < 3.0
    assert snr_db >= 60.0


async def test_software_gain_scales_samples(tmp_path: Path) -> None:
    """With no mixer, the volume is applied to the samples (50 % = -25 dB)."""
    out = tmp_path / "out.raw"
    config = AudioConfig(output_device=f"vspk:OUT={out}", output_rate_hz=24000, prebuffer_ms=2000)
    volume = Volume(mixer=None, state_path=None, default_percent=50)
    tone = sine(1000.0, 24000, 0.2, amplitude=0.5)
    await play_all(config, [tone.tobytes()], volume=volume)
    peak = int(np.abs(np.frombuffer(out.read_bytes(), dtype="<i2")).max())
    assert abs(peak - 0.5 * 32767 * 10 ** (-25 / 20)) < 3


async def test_late_audio_of_a_flushed_response_is_not_played(tmp_path: Path) -> None:
    """After flush(), deltas still arriving for that response are ignored."""
    out = tmp_path / "out.raw"
    config = AudioConfig(output_device=f"vspk:OUT={out}", output_rate_hz=24000, prebuffer_ms=2000)
    speaker = AlsaSpeaker(config, keep_running=False)
    await speaker.start()
    speaker.play("a", b"\x01\x00" * 2400)
    assert speaker.flush() == 0  # nothing reached the device yet (still prebuffering)
    speaker.play("a", b"\x02\x00" * 2400)
    speaker.finish("a")
    assert not speaker.is_playing()
    await speaker.stop()
    assert set(out.read_bytes()) <= {0}


def busy_opener(**kwargs: Any) -> Any:
    """pyalsaaudio's own error, with the exact text it gives for EBUSY on a held hw card."""
    raise alsaaudio.ALSAAudioError(f"Device or resource busy [{kwargs['device']}]")


async def test_busy_device_names_it_and_what_to_check() -> None:
    """EBUSY is reported with the device, `fuser` and dmix/dsnoop as the fix."""
    speaker = AlsaSpeaker(AudioConfig(output_device="hw:1,0"), opener=busy_opener)
    with pytest.raises(AudioDeviceError) as caught:
        await speaker.start()
    assert caught.value.fault is Fault.BUSY
    text = str(caught.value)
    assert "hw:1,0" in text and "fuser -v /dev/snd/*" in text and "dmix" in text
    mic = AlsaMicrophone(AudioConfig(input_device="hw:1,0"), opener=busy_opener)
    with pytest.raises(AudioDeviceError, match="dsnoop"):
        await mic.start()


async def test_missing_speaker_lists_devices() -> None:
    """A wrong output device lists the playback PCMs that exist and audio.output_device."""
    speaker = AlsaSpeaker(AudioConfig(output_device="plughw:CARD=NoSuchCard"))
    with pytest.raises(AudioDeviceError) as caught:
        await speaker.start()
    assert caught.value.fault is Fault.MISSING
    assert "audio.output_device" in str(caught.value) and "vspk" in str(caught.value)
