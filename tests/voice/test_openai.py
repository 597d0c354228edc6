"""OpenAIRealtimeVoice, the library API, against the fake realtime server."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from voiced.config.link import LinkConfig
from voiced.core.session import build_session
from voiced.errors import ConnectTimeoutError, CredentialsRejectedError
from voiced.voice import OpenAIRealtimeVoice, SpeakerStream

from conftest import API_KEY, checked_server, wait_until
from fakeserver import FakeRealtimeServer, Faults, tone

FAST = LinkConfig(
    backoff_initial_s=0.05, backoff_max_s=0.2, healthy_uptime_s=0.5, close_timeout_s=1.0
)
PTT = {"audio": {"input": {"turn_detection": None}}}


def make_voice(srv: FakeRealtimeServer, **kw: object) -> OpenAIRealtimeVoice:
    return OpenAIRealtimeVoice(url=srv.url, api_key=API_KEY, link_config=FAST, **kw)  # type: ignore[arg-type]


async def test_push_to_talk_round_trip(server: FakeRealtimeServer) -> None:
    """send() + answer() commit the turn; one speaker stream carries the response audio."""
    server.response_audio = tone(0.6, 330.0)
    voice = make_voice(server, session_config=PTT)
    streams: list[bytes] = []
    writing: list[tuple[str, str]] = []

    async def consume(stream: SpeakerStream) -> None:
        streams.append(await stream.read_all())

    voice.on("speaker", consume)
    voice.on("writing", lambda text, role: writing.append((text, role)))
    await voice.connect(timeout=5.0, reconnect=True)
    user = tone(0.3, 200.0)
    await voice.send(user)
    await voice.answer()
    await wait_until(lambda: len(streams) == 1)
    conn = server.connections[0]
    assert conn.committed_audio == [user]
    assert streams[0] == server.response_audio
    assistant = "".join(t for t, role in writing if role == "assistant")
    assert assistant == server.response_text
    assert ("(user audio 0.30 s)", "user") in writing
    await voice.close()


async def test_short_turn_is_the_callers_decision(server: FakeRealtimeServer) -> None:
    """answer() commits what was sent, however short: the server's refusal of a 60 ms commit
    comes back as a non-fatal "error" event and the session stays live."""
    voice = make_voice(server, session_config=PTT)
    errors: list[object] = []
    voice.on("error", errors.append)
    await voice.connect(timeout=5.0)
    await voice.send(b"\x00\x01" * 24 * 60)  # 60 ms
    await voice.answer()
    await wait_until(lambda: bool(errors))
    assert "input_audio_buffer_commit_empty" in str(errors[0])
    assert "input_audio_buffer.commit" in server.connections[0].received_types
    assert voice.connected
    await voice.close()


async def test_async_iterable_input(server: FakeRealtimeServer) -> None:
    """send() takes an async iterator of chunks as well as bytes."""
    voice = make_voice(server, session_config=PTT)
    await voice.connect(timeout=5.0)
    chunks = [bytes([i]) * 960 for i in range(10)]

    async def mic() -> object:
        for chunk in chunks:
            yield chunk

    await voice.send(mic())  # type: ignore[arg-type]
    await voice.answer()
    await wait_until(lambda: server.connections[0].committed_audio)
    assert server.connections[0].committed_audio == [b"".join(chunks)]
    await voice.close()


async def test_interrupt_cancels_and_truncates_to_what_was_heard() -> None:
    """Barge-in cancels the active response and truncates at the played position."""
    async with checked_server(pace="realtime") as srv:
        srv.response_audio = tone(2.0)
        voice = make_voice(srv, session_config=PTT)
        done: list[str] = []
        voice.on("response_done", lambda rid, status: done.append(status))
        await voice.connect(timeout=5.0)
        await voice.send(tone(0.2))
        await voice.answer()
        await wait_until(
            lambda: voice.tracker.received_ms(voice.tracker.audio_item_id or "") >= 400
        )
        await voice.interrupt(played_ms=250)
        await wait_until(lambda: done == ["cancelled"])
        await wait_until(lambda: srv.connections[0].truncations)
        item, end_ms = srv.connections[0].truncations[0]
        assert end_ms == 250
        assert item == voice.tracker.audio_item_id or voice.tracker.audio_item_id is None
        await voice.close()


async def test_truncation_clamped_to_received(server: FakeRealtimeServer) -> None:
    """A played position past the received audio is clamped (the server would refuse it)."""
    server.response_audio = tone(0.3)
    voice = make_voice(server, session_config=PTT)
    await voice.connect(timeout=5.0)
    await voice.send(tone(0.2))
    await voice.answer()
    await wait_until(lambda: voice.tracker.idle and voice.tracker.audio_item_id is not None)
    await voice.interrupt(played_ms=60_000)
    await wait_until(lambda: server.connections[0].truncations)
    assert server.connections[0].truncations[0][1] == 300
    await voice.close()


async def test_config_changes_survive_reconnect(server: FakeRealtimeServer) -> None:
    """update_config() is applied now and re-applied in full after every reconnect."""
    voice = make_voice(server, session_config=PTT, speaker="sage")
    await voice.connect(timeout=5.0, reconnect=True)
    await voice.add_instructions("Answer in French.")
    await wait_until(
        lambda: server.connections[0].session.get("instructions") == "Answer in French."
    )
    await server.drop_all(code=1012)
    await wait_until(lambda: voice.connected and len(server.connections) == 2)
    session = server.connections[1].session
    assert session["instructions"] == "Answer in French."
    assert session["audio"]["output"]["voice"] == "sage"
    assert session["audio"]["input"]["turn_detection"] is None
    await voice.close()


async def test_add_tools_declares_functions(server: FakeRealtimeServer) -> None:
    """add_tools() puts GA function tools into the session."""
    voice = make_voice(server)
    await voice.connect(timeout=5.0)

    async def weather(args: dict[str, object]) -> str:
        return "sunny"

    await voice.add_tools(
        {"weather": ("The weather", {"type": "object", "properties": {}}, weather)}
    )
    await wait_until(lambda: server.connections[0].session.get("tools"))
    tool = server.connections[0].session["tools"][0]
    assert tool["name"] == "weather" and tool["type"] == "function"
    await voice.close()


async def test_state_events_follow_the_link(server: FakeRealtimeServer) -> None:
    """State events report live, offline (with why) and live again."""
    voice = make_voice(server)
    states: list[str] = []
    voice.on("state", lambda state, detail: states.append(state))
    await voice.connect(timeout=5.0, reconnect=True)
    await server.drop_all(code=1011)
    await wait_until(lambda: states.count("live") == 2)
    assert "offline" in states
    await voice.close()
    assert states[-1] == "closed"


async def test_no_key_is_a_typed_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without any key, connect() fails at once with CredentialsRejectedError."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    voice = OpenAIRealtimeVoice()
    with pytest.raises(CredentialsRejectedError, match="no API key"):
        await voice.connect(timeout=1.0)


async def test_connect_timeout_via_voice(server: FakeRealtimeServer) -> None:
    """The documented timeout bounds the whole connect, session included."""
    server.faults = Faults(no_session_updated=True)
    voice = make_voice(server)
    started = time.monotonic()
    with pytest.raises(ConnectTimeoutError):
        await voice.connect(timeout=0.4)
    assert time.monotonic() - started < 1.5


async def test_server_errors_become_error_events(server: FakeRealtimeServer) -> None:
    """A non-fatal server error is an "error" event; harmless ones are not."""
    voice = make_voice(server, session_config=PTT)
    errors: list[Exception] = []
    voice.on("error", errors.append)
    await voice.connect(timeout=5.0)
    await voice.link.send_frame(  # type: ignore[union-attr]
        '{"type":"response.cancel","event_id":"evt_x1"}'
    )
    await voice.link.send_frame(  # type: ignore[union-attr]
        '{"type":"conversation.item.truncate","event_id":"evt_x2","item_id":"nope",'
        '"content_index":0,"audio_end_ms":10}'
    )
    await wait_until(lambda: errors)
    await asyncio.sleep(0.1)
    assert len(errors) == 1  # response_cancel_not_active is harmless
    await voice.close()


def test_repr_and_logs_hold_no_key(caplog: pytest.LogCaptureFixture) -> None:
    """The key is never in repr() and is registered for redaction."""
    caplog.set_level(logging.DEBUG)
    voice = OpenAIRealtimeVoice(api_key="sk-repr-SECRET-123456")
    logging.getLogger("voiced.test").warning("key is %s", "sk-repr-SECRET-123456")
    assert "sk-repr-SECRET" not in repr(voice)
    assert voice.session_config == build_session(voice="alloy", talk_mode="vad")
