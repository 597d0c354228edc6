"""The engine in real time on a private PipeWire session (null sink and source, 48 kHz graph):
pacing, jitter buffer, underruns, flush latency, played position, mixer, a vanishing server."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import alsaaudio
import pytest

from voiced.audio.capture import AlsaMicrophone
from voiced.audio.errors import AudioDeviceError
from voiced.audio.mixer import Volume
from voiced.audio.playback import AlsaSpeaker
from voiced.config.audio import AudioConfig
from voiced.core.audio_choice import Fault

from audio_rig import MonitorRecorder, PipeWireSession, audible_ms, sine

pytestmark = pytest.mark.pipewire

SPEAKER = AudioConfig(
    output_device="pwspk",
    output_rate_hz=48000,
    prebuffer_ms=60,
    period_ms=20,
    periods=4,
    reopen_min_s=0.1,
    reopen_max_s=0.5,
)
TONE = sine(1000.0, 24000, 3.0).tobytes()  # 3 s at 24 kHz


def chunks(pcm: bytes, ms: int) -> list[bytes]:
    step = 24000 * ms // 1000 * 2
    return [pcm[i : i + step] for i in range(0, len(pcm), step)]


async def wait_until(predicate: object, timeout_s: float) -> None:
    assert callable(predicate)
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def test_mic_is_paced_in_real_time(pipewire: PipeWireSession) -> None:
    """1 s of 16 kHz capture from the null source takes about 1 s and yields 50 frames."""
    mic = AlsaMicrophone(AudioConfig(input_device="pwmic", input_rate_hz=16000))
    await mic.start()
    frames = mic.frames()
    await anext(frames)
    started = time.monotonic()
    for _ in range(50):
        frame = await anext(frames)
        assert len(frame) == 960
    elapsed = time.monotonic() - started
    await mic.stop()
    assert mic.granted is not None and mic.granted.rate_hz == 16000
    assert 0.85 <= elapsed <= 1.3


async def test_played_position_matches_the_sink_at_the_end(pipewire: PipeWireSession) -> None:
    """A 1 s response played out: played_ms is 1000 and the sink saw 1 s of tone."""
    speaker = AlsaSpeaker(SPEAKER)
    await speaker.start()
    recorder = MonitorRecorder("pwmic")
    await asyncio.sleep(0.2)
    for chunk in chunks(TONE[: 24000 * 2], 100):
        speaker.play("r1", chunk)
    speaker.finish("r1")
    await wait_until(lambda: not speaker.is_playing(), 3.0)
    assert speaker.played_ms("r1") == 1000
    await asyncio.sleep(0.2)
    heard = audible_ms(recorder.stop(), 48000)
    await speaker.stop()
    assert abs(heard - 1000) <= SPEAKER.period_ms
    assert speaker.underruns == 0


async def test_flush_stops_within_one_period_and_reports_played_ms(
    pipewire: PipeWireSession,
) -> None:
    """Barge-in 1 s into a 3 s response: the device drops its queue within one period and
    the returned played ms matches what reached the sink within one period."""
    speaker = AlsaSpeaker(SPEAKER)
    await speaker.start()
    recorder = MonitorRecorder("pwmic")
    await asyncio.sleep(0.2)
    for chunk in chunks(TONE, 100):
        speaker.play("r2", chunk)
    await wait_until(lambda: speaker.played_ms("r2") >= 1000, 3.0)
    played = speaker.flush()
    assert not speaker.is_playing() or speaker.flush_latencies_s == []
    await asyncio.sleep(0.4)
    heard = audible_ms(recorder.stop(), 48000)
    assert not speaker.is_playing()
    await speaker.stop()
    assert 1000 <= played <= 1100
    assert len(speaker.flush_latencies_s) == 1
    assert speaker.flush_latencies_s[0] <= SPEAKER.period_ms / 1000 + 0.01
    assert abs(heard - played) <= SPEAKER.period_ms + 25  # + PipeWire's one quantum in flight


async def test_jitter_buffer_smooths_bursty_delivery(pipewire: PipeWireSession) -> None:
    """Deltas arriving in 100 ms bursts every 100 ms, late by up to 50 ms, play with no
    underrun behind a 120 ms prebuffer; the same stream with 250 ms gaps underruns."""
    config = AudioConfig(**{**SPEAKER.__dict__, "prebuffer_ms": 120})
    speaker = AlsaSpeaker(config)
    await speaker.start()
    for i, chunk in enumerate(chunks(TONE[: 24000 * 2 * 2], 100)):
        speaker.play("smooth", chunk)
        await asyncio.sleep(0.05 if i % 2 else 0.15)
    speaker.finish("smooth")
    await wait_until(lambda: not speaker.is_playing(), 3.0)
    assert speaker.underruns == 0
    assert speaker.played_ms("smooth") == 2000
    for chunk in chunks(TONE[: 24000 * 2], 100):
        speaker.play("starved", chunk)
        await asyncio.sleep(0.25)
    speaker.finish("starved")
    await wait_until(lambda: not speaker.is_playing(), 3.0)
    await speaker.stop()
    assert speaker.underruns >= 3
    assert speaker.played_ms("starved") == 1000  # every sample still played, with gaps
    assert speaker.xruns == 0  # the device itself was fed silence, never starved


def test_mixer_volume_is_set_and_survives_a_restart(
    pipewire: PipeWireSession, tmp_path: Path
) -> None:
    """With a mixer control the volume goes to ALSA's mixer and is reloaded from state."""
    config = AudioConfig(
        output_device="pwspk", mixer_control="Master", mixer_device="pwctl", volume_percent=80
    )
    volume = Volume.open(config, state_dir=tmp_path)
    assert volume.uses_mixer and volume.software_gain == 1.0
    assert volume.percent == 80
    volume.set_percent(37)
    assert alsaaudio.Mixer("Master", device="pwctl").getvolume()[0] == 37
    volume.step(+1)
    volume.close()
    again = Volume.open(config, state_dir=tmp_path)
    assert again.percent == 47
    assert alsaaudio.Mixer("Master", device="pwctl").getvolume()[0] == 47
    again.close()


async def test_sound_server_vanishes_and_returns(pipewire: PipeWireSession) -> None:
    """Stopping the sound server mid-stream: both devices report GONE, the engine keeps
    retrying, and once the server is back audio flows again without a restart."""
    faults: list[AudioDeviceError | None] = []
    mic = AlsaMicrophone(
        AudioConfig(input_device="pwmic", input_rate_hz=24000, reopen_min_s=0.1, reopen_max_s=0.3),
        on_fault=faults.append,
    )
    speaker = AlsaSpeaker(SPEAKER, on_fault=faults.append)
    await mic.start()
    await speaker.start()
    frames = mic.frames()
    await anext(frames)
    pipewire.stop_server()
    await wait_until(lambda: sum(1 for f in faults if f is not None) >= 2, 5.0)
    assert all(f.fault is Fault.GONE for f in faults if f is not None)
    await asyncio.sleep(0.5)  # a few failed reopens while it is down
    pipewire.start_server()
    await wait_until(lambda: faults.count(None) >= 2, 10.0)
    assert mic.reopens == 1 and speaker.reopens == 1
    while not mic._queue.empty():
        mic._queue.get_nowait()
    frame = await asyncio.wait_for(anext(frames), 2.0)
    assert len(frame) == 960
    speaker.play("after", TONE[:4800])
    speaker.finish("after")
    await wait_until(lambda: speaker.played_ms("after") == 100, 3.0)
    await mic.stop()
    await speaker.stop()
