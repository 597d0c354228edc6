"""The client against a hostile server: after each attack, no unhandled exception, the
link is live again, and a turn completes."""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from hostile import (
    Turns,
    audio_delta,
    error,
    frame,
    make_voice,
    random_text,
    response_created,
    response_done,
    session_created,
)
from voiced.core.reconnect import FATAL_CODES
from voiced.link import LinkState
from voiced.voice import OpenAIRealtimeVoice

from conftest import checked_server, wait_until
from fakeserver import FakeRealtimeServer, Faults

Attack = Callable[[FakeRealtimeServer, OpenAIRealtimeVoice], Awaitable[None]]
ERROR_CODES = [
    "server_error",
    "invalid_value",
    "invalid_event",
    "rate_limit_exceeded",
    "conversation_already_has_active_response",
    "response_cancel_not_active",
    "session_expired",
    "totally_unknown_code",
    None,
    *sorted(FATAL_CODES),
]


async def _then_reconnected(server: FakeRealtimeServer, attack: Awaitable[None]) -> None:
    """Run an attack that kills the connection; return once the next one is open.

    Frames written just before a reset are lost in the kernel's buffers, as with any TCP
    client; the turn that follows must go to the new session to prove anything.
    """
    before = len(server.connections)
    await attack
    await wait_until(lambda: len(server.connections) > before)


def _close_frame(code: int, reason: bytes) -> bytes:
    payload = code.to_bytes(2, "big") + reason
    return bytes([0x88, len(payload)]) + payload


async def random_json(server: FakeRealtimeServer, voice: OpenAIRealtimeVoice) -> None:
    rng = random.Random(8)
    frames = []
    for _ in range(500):
        value: Any = rng.choice(
            [
                {"type": random_text(rng, 8), "x": rng.random()},
                [rng.randint(-9, 9) for _ in range(3)],
                random_text(rng, 30),
                None,
                {"event_id": rng.random()},
            ]
        )
        frames.append(json.dumps(value) if rng.random() < 0.8 else random_text(rng, 40))
    await server.push(*frames)


async def wrong_types(server: FakeRealtimeServer, voice: OpenAIRealtimeVoice) -> None:
    await server.push(
        json.dumps({"type": "response.output_audio.delta", "delta": 5, "response_id": []}),
        json.dumps({"type": "response.done", "response": "done"}),
        json.dumps({"type": "response.created", "response": {"id": 7}}),
        json.dumps({"type": "error", "error": ["x"]}),
        json.dumps({"type": "session.created", "session": None}),
        json.dumps({"type": 12, "event_id": {}}),
        json.dumps({"type": "input_audio_buffer.speech_started", "audio_start_ms": "0"}),
    )


async def unknown_types(server: FakeRealtimeServer, voice: OpenAIRealtimeVoice) -> None:
    await server.push(*(frame(f"x.unknown_{i}", payload=i) for i in range(200)))


async def binary_frames(server: FakeRealtimeServer, voice: OpenAIRealtimeVoice) -> None:
    await server.push(b"\x00\xff" * 100, b"", b'{"type": "session.updated"}', bytes(range(256)))


async def huge_frame(server: FakeRealtimeServer, voice: OpenAIRealtimeVoice) -> None:
    await server.push(json.dumps({"type": "x", "pad": " " * (20 * 2**20)}))


async def deep_nesting(server: FakeRealtimeServer, voice: OpenAIRealtimeVoice) -> None:
    depth = 10**5
    await server.push("[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth)
    await server.push('{"type":"error","error":' + "[" * depth + "]" * depth + "}")


async def burst(server: FakeRealtimeServer, voice: OpenAIRealtimeVoice) -> None:
    await server.push(*(frame("rate_limits.updated", rate_limits=[]) for _ in range(10_000)))


async def unknown_ids(server: FakeRealtimeServer, voice: OpenAIRealtimeVoice) -> None:
    await server.push(*(audio_delta(f"resp_u{i}") for i in range(2000)))
    await server.push(response_done("resp_u0"))


async def done_before_created(server: FakeRealtimeServer, voice: OpenAIRealtimeVoice) -> None:
    await server.push(response_done("resp_x"), response_created("resp_x"), audio_delta("resp_x"))


async def every_error_code(server: FakeRealtimeServer, voice: OpenAIRealtimeVoice) -> None:
    for code in ERROR_CODES:
        await server.push(error(code, "hostile"))
        await asyncio.sleep(0.02)
        if code in FATAL_CODES:
            await wait_until(
                lambda: voice.link is not None and voice.link.state is LinkState.FAILED
            )
            assert voice.link is not None
            voice.link.retry_now()  # a person fixed it (reload)
        await wait_until(lambda: voice.connected)


async def session_created_twice(server: FakeRealtimeServer, voice: OpenAIRealtimeVoice) -> None:
    await server.push(session_created(), session_created())


def odd_close(code: int) -> Attack:
    async def attack(server: FakeRealtimeServer, voice: OpenAIRealtimeVoice) -> None:
        await _then_reconnected(server, server.write_raw(_close_frame(code, b"\xff\xfe bad \xc3(")))

    attack.__name__ = f"close_{code}"
    return attack


async def reset_mid_frame(server: FakeRealtimeServer, voice: OpenAIRealtimeVoice) -> None:
    partial = b"\x81\x7e\x10\x00" + b'{"type": "response.' + b"x" * 100
    await _then_reconnected(server, server.write_raw(partial))


async def drop_during_delivery(server: FakeRealtimeServer, voice: OpenAIRealtimeVoice) -> None:
    server.faults = Faults(reject_status=503, reject_first_n=2)
    await server.drop_all(code=1011)
    await wait_until(lambda: not voice.connected)
    for i in range(40):
        await voice.send(bytes([i]) * 24_000)
    before = len(server.connections)
    # session.update, 2 carried-over items, then a few appends: the reset comes mid-delivery.
    server.faults = Faults(reset_after_received=8, stall_before_reset=True)
    await wait_until(lambda: len(server.connections) > before)
    server.faults = Faults()
    await wait_until(lambda: len(server.connections) > before + 1)  # the one after the reset


async def drop_during_setup(server: FakeRealtimeServer, voice: OpenAIRealtimeVoice) -> None:
    server.faults = Faults(reset_after_received=1)
    await server.drop_all(code=1012)
    await wait_until(lambda: server.handshake_attempts >= 3)
    server.faults = Faults()


async def transient_error_on_reconfig(
    server: FakeRealtimeServer, voice: OpenAIRealtimeVoice
) -> None:
    server.faults = Faults(error_on_session_update=("server_error", "server_error"))
    await server.drop_all(code=1011)
    await wait_until(lambda: server.handshake_attempts >= 3)
    server.faults = Faults()


ATTACKS: list[Attack] = [
    random_json,
    wrong_types,
    unknown_types,
    binary_frames,
    huge_frame,
    deep_nesting,
    burst,
    unknown_ids,
    done_before_created,
    every_error_code,
    session_created_twice,
    *(odd_close(code) for code in (1002, 1003, 1007, 1009, 3000, 4000, 4999)),
    reset_mid_frame,
    drop_during_delivery,
    drop_during_setup,
    transient_error_on_reconfig,
]


@pytest.fixture
async def unhandled() -> AsyncIterator[list[dict[str, Any]]]:
    """Exceptions the event loop saw nobody handle (task errors, callbacks)."""
    loop = asyncio.get_running_loop()
    seen: list[dict[str, Any]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: seen.append(context))
    yield seen
    loop.set_exception_handler(previous)


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda a: a.__name__)
async def test_survives(
    attack: Attack, unhandled: list[dict[str, Any]], caplog: pytest.LogCaptureFixture
) -> None:
    """No unhandled exception, the link is live again, and a turn completes."""
    caplog.set_level(logging.DEBUG, logger="voiced")
    async with checked_server(pace="fast", max_message_bytes=64 * 2**20) as server:
        voice = make_voice(server)
        turns = Turns(voice)
        await voice.connect(timeout=5.0, reconnect=True)
        await turns.complete_one()
        await attack(server, voice)
        await wait_until(lambda: voice.connected, 10.0)
        await turns.complete_one(10.0)
        assert voice.link is not None and voice.link._task is not None
        assert not voice.link._task.done()
        assert len(voice._streams) <= 1
        await voice.close()
    assert not unhandled, unhandled
    assert not [r for r in caplog.records if "unexpected" in r.getMessage()]
