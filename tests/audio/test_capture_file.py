"""AlsaMicrophone on file-backed ALSA PCMs: byte-exact and resampled capture paths."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

from voiced.audio.capture import AlsaMicrophone
from voiced.audio.errors import AudioDeviceError
from voiced.config.audio import AudioConfig
from voiced.core.audio_choice import Fault

from audio_rig import sine, tone_analysis


async def record(config: AudioConfig, device_frames: int) -> tuple[AlsaMicrophone, bytes]:
    mic = AlsaMicrophone(config, read_limit_frames=device_frames, queue_frames=10_000)
    await mic.start()
    frames = [frame async for frame in mic.frames()]
    await mic.stop()
    assert all(len(f) == mic.frame_bytes for f in frames)
    return mic, b"".join(frames)


@pytest.mark.parametrize("period_ms", [20, 40, 60])
async def test_24k_mono_bytes_reach_frames_unchanged(tmp_path: Path, period_ms: int) -> None:
    """At 24 kHz mono the mic's bytes arrive in 20 ms frames byte for byte, also when one
    device period carries several frames."""
    rng = np.random.default_rng(1)
    raw = rng.integers(-32768, 32767, size=24000, dtype=np.int16).tobytes()  # 1 s
    (tmp_path / "in.raw").write_bytes(raw)
    config = AudioConfig(
        input_device=f"vmic:IN={tmp_path / 'in.raw'}", input_rate_hz=24000, period_ms=period_ms
    )
    mic, got = await record(config, 24000)
    assert mic.granted is not None and mic.granted.rate_hz == 24000
    assert got == raw
    assert len(got) // mic.frame_bytes == 50  # 1 s of 20 ms frames


@pytest.mark.parametrize("rate_hz", [16000, 44100, 48000])
async def test_sine_survives_resampling(tmp_path: Path, rate_hz: int) -> None:
    """A 1 kHz sine captured at 16/44.1/48 kHz arrives at 24 kHz with its frequency, SNR ≥ 60 dB."""
    seconds = 1.0
    (tmp_path / "in.raw").write_bytes(sine(1000.0, rate_hz, seconds).tobytes())
    config = AudioConfig(input_device=f"vmic:IN={tmp_path / 'in.raw'}", input_rate_hz=rate_hz)
    mic, got = await record(config, int(rate_hz * seconds))
    assert mic.granted is not None and mic.granted.rate_hz == rate_hz
    out = np.frombuffer(got, dtype="<i2")
    assert abs(len(out) - 24000 * seconds) <= 24000 * config.frame_ms / 1000
    freq, snr_db = tone_analysis(out[480:-480], 24000)  # skip the filter's edges
    assert abs(freq - 1000.0) < 3.0
    assert snr_db >= 60.0


async def test_takes_the_configured_channel_of_a_stereo_mic(tmp_path: Path) -> None:
    """audio.input_channel picks one channel out of an interleaved stereo capture."""
    left, right = sine(440.0, 48000, 0.5), sine(2000.0, 48000, 0.5)
    stereo = np.empty(left.size * 2, dtype=np.int16)
    stereo[0::2], stereo[1::2] = left, right
    (tmp_path / "in.raw").write_bytes(stereo.tobytes())
    config = AudioConfig(
        input_device=f"vmic:IN={tmp_path / 'in.raw'}",
        input_rate_hz=48000,
        input_channels=2,
        input_channel=1,
    )
    mic, got = await record(config, left.size)
    assert mic.granted is not None and mic.granted.channels == 2
    freq, snr_db = tone_analysis(np.frombuffer(got, dtype="<i2")[480:-480], 24000)
    assert abs(freq - 2000.0) < 3.0 and snr_db >= 60.0


async def test_mic_gain_is_applied(tmp_path: Path) -> None:
    """audio.mic_gain_db = +6 doubles the amplitude."""
    (tmp_path / "in.raw").write_bytes(sine(1000.0, 24000, 0.2, amplitude=0.1).tobytes())
    config = AudioConfig(
        input_device=f"vmic:IN={tmp_path / 'in.raw'}", input_rate_hz=24000, mic_gain_db=6.0206
    )
    _, got = await record(config, 4800)
    peak = int(np.abs(np.frombuffer(got, dtype="<i2")).max())
    assert abs(peak - 2 * 3277) <= 2


async def test_device_rate_chosen_when_unset(tmp_path: Path) -> None:
    """With no input_rate_hz the engine opens at 24 kHz when the device takes any rate."""
    (tmp_path / "in.raw").write_bytes(bytes(9600))
    config = AudioConfig(input_device=f"vmic:IN={tmp_path / 'in.raw'}")
    mic, got = await record(config, 4800)
    assert mic.granted is not None and mic.granted.rate_hz == 24000
    assert got == bytes(9600)


async def test_missing_device_lists_the_devices_that_exist() -> None:
    """A wrong device name raises an error naming it, the config key and the real devices."""
    mic = AlsaMicrophone(AudioConfig(input_device="nosuchmic"))
    with pytest.raises(AudioDeviceError) as caught:
        await mic.start()
    err = caught.value
    assert err.fault is Fault.MISSING
    assert "nosuchmic" in str(err) and "audio.input_device" in str(err)
    assert "vmic" in str(err)  # a device that does exist (from the test config)


async def test_at_rest_an_unpaced_device_still_delivers_in_bulk(tmp_path: Path) -> None:
    """Read in bulk at rest (250 ms) from a device that always has data (a file, like
    /dev/zero): batches of at most a pause's worth keep arriving, and a press (pace 0) goes
    back to every period."""
    (tmp_path / "in.raw").write_bytes(bytes(48000 * 10))  # 10 s of silence
    config = AudioConfig(input_device=f"vmic:IN={tmp_path / 'in.raw'}", input_rate_hz=24000)
    mic = AlsaMicrophone(config, queue_frames=10_000)
    await mic.start()
    try:
        async with asyncio.timeout(10):
            mic.pace(250)
            frames = mic.frames()
            got = [await anext(frames) for _ in range(40)]  # 0.8 s: several bulk reads
            assert all(len(f) == mic.frame_bytes for f in got)
            mic.pace(0)
            assert len(await anext(frames)) == mic.frame_bytes
    finally:
        await mic.stop()
