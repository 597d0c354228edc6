"""LoopbackVoice and CompositeVoice: the same API with no server."""

from __future__ import annotations

import asyncio
import logging

import pytest

from voiced.voice import CompositeVoice, LoopbackVoice, SpeakerStream, Voice

from fakeserver import tone


async def test_loopback_echoes_the_turn() -> None:
    """The committed turn comes back, byte for byte, as one response's speaker stream."""
    voice = LoopbackVoice()
    heard: list[bytes] = []
    done: list[str] = []

    async def consume(stream: SpeakerStream) -> None:
        heard.append(await stream.read_all())

    voice.on("speaker", consume)
    voice.on("response_done", lambda rid, status: done.append(status))
    await voice.connect()
    turn = tone(0.5)
    await voice.send(turn)
    await voice.answer()
    for _ in range(100):
        if heard:
            break
        await asyncio.sleep(0.01)
    assert heard == [turn]
    assert done == ["completed"]
    await voice.close()


async def test_loopback_answers_any_turn_and_nothing_without_one() -> None:
    """answer() with nothing buffered plays nothing; a 50 ms turn comes back whole (how long
    a turn must be is the daemon's conversation machine's decision, not the provider's)."""
    voice = LoopbackVoice()
    started: list[str] = []
    heard: list[bytes] = []
    voice.on("response_started", started.append)
    voice.on("speaking", lambda pcm, rid: heard.append(pcm))
    await voice.connect()
    await voice.answer()
    await asyncio.sleep(0.02)
    assert started == []
    turn = bytes(range(256)) * 9 + b"\x00" * (48 * 50 - 256 * 9)
    await voice.send(turn)
    await voice.answer()
    await asyncio.sleep(0.05)
    assert len(started) == 1 and b"".join(heard) == turn


async def test_loopback_interrupt_cancels() -> None:
    """interrupt() stops a playing echo with status cancelled."""
    voice = LoopbackVoice(pace_s=0.01)
    done: list[str] = []
    voice.on("response_done", lambda rid, status: done.append(status))
    await voice.connect()
    await voice.send(tone(1.0))
    await voice.answer()
    await asyncio.sleep(0.03)
    await voice.interrupt()
    assert done == ["cancelled"]


async def test_composite_delegates_to_realtime() -> None:
    """CompositeVoice forwards connect, send, answer and events to its realtime provider."""
    inner = LoopbackVoice()
    voice = CompositeVoice(realtime=inner)
    got: list[str] = []
    voice.on("response_done", lambda rid, status: got.append(status))
    await voice.connect(timeout=1.0, reconnect=True)
    await voice.send(tone(0.2))
    await voice.answer()
    await asyncio.sleep(0.05)
    assert got == ["completed"]
    assert voice.realtime and inner.live
    await voice.close()
    assert not inner.live


async def test_non_realtime_connect_warns_and_returns(caplog: pytest.LogCaptureFixture) -> None:
    """A provider without realtime support warns in connect() and returns at once."""
    caplog.set_level(logging.WARNING)
    await asyncio.wait_for(Voice().connect(timeout=5.0), 0.1)
    await asyncio.wait_for(CompositeVoice().connect(), 0.1)
    warnings = [r for r in caplog.records if "no realtime" in r.getMessage()]
    assert len(warnings) == 2
