"""The conversation survives rotation and reconnects: replayed before any new turn."""

from __future__ import annotations

import dataclasses
import logging

import pytest

from hostile import FAST, Turns, make_voice
from voiced.core.carryover import heard_part

from conftest import wait_until
from fakeserver import FakeRealtimeServer, tone


async def test_reconnect_replays_the_conversation_first(
    server: FakeRealtimeServer, caplog: pytest.LogCaptureFixture
) -> None:
    """After a drop the new session gets the user and assistant text as GA items, in
    order, right after session.update; one journald entry says how many."""
    caplog.set_level(logging.INFO, logger="voiced")
    voice = make_voice(server)
    turns = Turns(voice)
    await voice.connect(timeout=5.0, reconnect=True)
    await turns.complete_one()
    await server.drop_all(code=1011)
    await wait_until(lambda: voice.link is not None and voice.link.connections == 2)
    await turns.complete_one()
    second = server.connections[1]
    assert second.received_types[:3] == ["session.update"] + ["conversation.item.create"] * 2
    replayed = [e["item"] for e in second.received_events()[1:3]]
    assert replayed[0]["role"] == "user"
    assert replayed[0]["content"] == [{"type": "input_text", "text": "hello"}]
    assert replayed[1]["role"] == "assistant"
    assert replayed[1]["content"] == [{"type": "output_text", "text": server.response_text}]
    entries = [r for r in caplog.records if getattr(r, "VOICED_EVENT", "") == "carry_over"]
    assert len(entries) == 1 and entries[0].VOICED_ITEMS == 2  # type: ignore[attr-defined]
    await voice.close()  # every frame is validated strictly at teardown


async def test_rotation_replays_and_bounds_hold(server: FakeRealtimeServer) -> None:
    """A rotation carries the last turns over, bounded by carry_over_turns."""
    config = dataclasses.replace(FAST, rotate_after_s=0.3, carry_over_turns=3)
    voice = make_voice(server, link_config=config)
    turns = Turns(voice)
    await voice.connect(timeout=5.0, reconnect=True)
    for _ in range(3):
        await turns.complete_one()
    await wait_until(lambda: len(server.connections) >= 2, 5.0)
    await wait_until(lambda: voice.connected)
    second = server.connections[1]
    await wait_until(lambda: len(second.received_types) >= 4)
    assert second.received_types[1:4] == ["conversation.item.create"] * 3
    assert "conversation.item.create" not in second.received_types[4:5]
    await voice.close()


async def test_carry_over_off(server: FakeRealtimeServer) -> None:
    """link.carry_over = false: a new session starts empty."""
    voice = make_voice(server, link_config=dataclasses.replace(FAST, carry_over=False))
    turns = Turns(voice)
    await voice.connect(timeout=5.0, reconnect=True)
    await turns.complete_one()
    await server.drop_all(code=1011)
    await wait_until(lambda: voice.link is not None and voice.link.connections == 2)
    await turns.complete_one()
    assert server.connections[1].received_types[:2] == [
        "session.update",
        "conversation.item.create",
    ]
    assert server.connections[1].received_events()[1]["item"]["content"][0]["text"] == "hello"
    await voice.close()


async def test_an_interrupted_answer_is_carried_over_as_far_as_it_was_heard(
    server: FakeRealtimeServer,
) -> None:
    """Barge-in after 250 ms of a 1 s answer: the next session gets about a quarter of the
    answer's text, cut at a word and marked, not words the user never heard."""
    server.response_audio = tone(1.0)
    server.response_text = " ".join(f"word{n}" for n in range(40))
    voice = make_voice(server)
    turns = Turns(voice)
    await voice.connect(timeout=5.0, reconnect=True)
    await turns.complete_one()
    await voice.interrupt(played_ms=250)
    await wait_until(lambda: server.connections[0].truncations)
    await server.drop_all(code=1011)
    await wait_until(lambda: voice.link is not None and voice.link.connections == 2)
    await wait_until(
        lambda: server.connections[1].received_types.count("conversation.item.create") >= 2
    )
    replayed = [e["item"] for e in server.connections[1].received_events()[1:3]]
    assistant = replayed[1]["content"][0]["text"]
    assert assistant == heard_part(server.response_text, 0.25)
    assert assistant.endswith(" …") and "word9 " in assistant and "word20" not in assistant
    await voice.close()  # every frame is validated strictly at teardown
