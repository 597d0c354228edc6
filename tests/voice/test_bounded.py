"""Bounded state under any server: one stream per active response, unknown ids dropped."""

from __future__ import annotations

import asyncio

from hostile import Turns, audio_delta, make_voice, response_created, response_done

from conftest import wait_until
from fakeserver import FakeRealtimeServer


async def test_deltas_for_unknown_ids_open_nothing(server: FakeRealtimeServer) -> None:
    """5,000 deltas with 5,000 ids: at most one stream, the rest counted and dropped."""
    voice = make_voice(server)
    turns = Turns(voice)
    await voice.connect(timeout=5.0, reconnect=True)
    await server.push(*(audio_delta(f"resp_unknown_{i}") for i in range(5000)))
    await wait_until(lambda: voice.unknown_deltas >= 4999)
    assert turns.streams_opened <= 1 and len(voice._streams) <= 1
    await server.push(response_done("resp_unknown_0"))
    await wait_until(lambda: voice.idle)
    assert not voice._streams and len(voice._finished_ids) <= 32
    await turns.complete_one()
    assert turns.streams_opened == 2
    await voice.close()


async def test_done_before_created_leaves_nothing_open(server: FakeRealtimeServer) -> None:
    """response.done before response.created (and late deltas): no stream, still idle."""
    voice = make_voice(server)
    turns = Turns(voice)
    await voice.connect(timeout=5.0, reconnect=True)
    await server.push(
        response_done("resp_late"), response_created("resp_late"), audio_delta("resp_late")
    )
    await wait_until(lambda: voice.unknown_deltas == 1)
    assert voice.idle and not voice._streams and turns.streams_opened == 0
    await turns.complete_one()
    await voice.close()


async def test_a_second_response_supersedes_the_first_stream(server: FakeRealtimeServer) -> None:
    """A new response.created while one is open ends the old stream: never two at once."""
    voice = make_voice(server)
    turns = Turns(voice)
    await voice.connect(timeout=5.0, reconnect=True)
    for i in range(100):
        await server.push(response_created(f"resp_{i}"), audio_delta(f"resp_{i}"))
    await wait_until(lambda: turns.streams_opened == 100)
    await asyncio.sleep(0.05)
    assert len(voice._streams) == 1
    assert sum(1 for _, status in turns.done if status == "superseded") == 99
    await server.push(response_done("resp_99"))
    await wait_until(lambda: voice.idle)
    await voice.close()


async def test_every_session_created_gets_the_full_config(server: FakeRealtimeServer) -> None:
    """A second session.created on a live connection is answered with the whole session."""
    from hostile import session_created

    voice = make_voice(server, speaker="coral")
    await voice.connect(timeout=5.0, reconnect=True)
    await server.push(session_created())
    conn = server.connections[0]
    await wait_until(lambda: conn.received_types.count("session.update") == 2)
    updates = [e for e in conn.received_events() if e["type"] == "session.update"]
    assert updates[1]["session"] == updates[0]["session"]
    assert updates[1]["session"]["audio"]["output"]["voice"] == "coral"
    await voice.close()
