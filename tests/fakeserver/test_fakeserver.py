"""Tests of the fake Realtime server, driven by a plain ``websockets`` client."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Union, get_args

import pytest
from openai.types.realtime import realtime_server_event
from pydantic import BaseModel, Field, TypeAdapter
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from fakeserver import FakeRealtimeServer, Faults, SilentTCPServer, tone

KEY = "sk-test-123"
AUTH = {"Authorization": f"Bearer {KEY}"}
_event_ids = itertools.count(1)

Event = dict[str, Any]


# -- helpers -------------------------------------------------------------------------


@asynccontextmanager
async def client(
    srv: FakeRealtimeServer, *, created: bool = True, **kwargs: Any
) -> AsyncIterator[ClientConnection]:
    """Connect with the right key; by default consume ``session.created`` first."""
    kwargs.setdefault("additional_headers", AUTH)
    kwargs.setdefault("close_timeout", 1)
    async with connect(srv.url, **kwargs) as ws:
        if created:
            assert (await recv(ws))["type"] == "session.created"
        yield ws


async def recv(ws: ClientConnection, within_s: float = 2.0) -> Event:
    """Next frame as a JSON object."""
    frame = await asyncio.wait_for(ws.recv(), within_s)
    event = json.loads(frame)
    assert isinstance(event, dict)
    return event


async def recv_until(ws: ClientConnection, event_type: str, within_s: float = 3.0) -> list[Event]:
    """Frames up to and including the first of ``event_type``."""
    events: list[Event] = []
    async with asyncio.timeout(within_s):
        while not events or events[-1]["type"] != event_type:
            events.append(json.loads(await ws.recv()))
    return events


async def send(ws: ClientConnection, event_type: str, **fields: Any) -> str:
    """Send a client event with a fresh ``event_id``; return that id."""
    event_id = f"evt_test_{next(_event_ids)}"
    await ws.send(json.dumps({"type": event_type, "event_id": event_id, **fields}))
    return event_id


async def append(ws: ClientConnection, audio: bytes, chunk_bytes: int = 960) -> None:
    """Append audio in 20 ms chunks."""
    for start in range(0, len(audio), chunk_bytes):
        chunk = audio[start : start + chunk_bytes]
        await send(ws, "input_audio_buffer.append", audio=base64.b64encode(chunk).decode())


async def push_to_talk(ws: ClientConnection) -> None:
    """Turn server VAD off and wait for the ack."""
    session = {"type": "realtime", "audio": {"input": {"turn_detection": None}}}
    await send(ws, "session.update", session=session)
    assert (await recv(ws))["type"] == "session.updated"


def silence(ms: int) -> bytes:
    """``ms`` of 24 kHz s16le silence."""
    return bytes(ms * 48)


def _collect_models(annotation: Any) -> list[type[BaseModel]]:
    union = get_args(annotation)[0]
    return list(get_args(union))


_SERVER_EVENT_UNION: Any = Annotated[
    Union[tuple(_collect_models(realtime_server_event.RealtimeServerEvent))],  # noqa: UP007
    Field(discriminator="type"),
]
SERVER_EVENT: TypeAdapter[BaseModel] = TypeAdapter(_SERVER_EVENT_UNION)
# The SDK types session.created/updated's session as the *request* model, which lacks
# the response-only fields a real server sends.
SESSION_RESPONSE_ONLY = {"id", "object", "expires_at"}


def unknown_keys(model: Any, path: str = "") -> list[str]:
    """Keys the SDK models do not know, recursively (beta-era or misspelled fields)."""
    found: list[str] = []
    if isinstance(model, BaseModel):
        extra = set(model.model_extra or {})
        if path.endswith("session"):
            extra -= SESSION_RESPONSE_ONLY
        found += [f"{path}.{key}" for key in sorted(extra)]
        for name in type(model).model_fields:
            found += unknown_keys(getattr(model, name), f"{path}.{name}")
    elif isinstance(model, list):
        for index, value in enumerate(model):
            found += unknown_keys(value, f"{path}[{index}]")
    return found


# -- handshake and auth --------------------------------------------------------------


async def test_bearer_key_accepted_and_session_created_is_full_ga_default() -> None:
    """A good Bearer key gets session.created with the GA defaults and event ids."""
    async with FakeRealtimeServer(api_key=KEY) as srv, client(srv, created=False) as ws:
        created = await recv(ws)
        session = created["session"]
        assert created["type"] == "session.created"
        assert created["event_id"].startswith("event_")
        assert session["type"] == "realtime" and session["id"].startswith("sess_")
        assert session["model"] == "gpt-realtime"
        assert session["audio"]["input"]["format"] == {"type": "audio/pcm", "rate": 24000}
        vad = session["audio"]["input"]["turn_detection"]
        assert (vad["type"], vad["threshold"], vad["prefix_padding_ms"]) == ("server_vad", 0.5, 300)
        assert vad["silence_duration_ms"] == 500
        assert session["audio"]["output"]["voice"] == "alloy"
        assert srv.handshake_attempts == 1 and len(srv.connections) == 1
        assert srv.connections[0].headers["Authorization"] == f"Bearer {KEY}"
        assert srv.connections[0].path == "/v1/realtime?model=gpt-realtime"


async def test_api_key_header_accepted() -> None:
    """The Azure-style ``api-key`` header authenticates too."""
    async with FakeRealtimeServer(api_key=KEY) as srv:
        async with client(srv, additional_headers={"api-key": KEY}):
            pass
        assert len(srv.connections) == 1


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer sk-wrong"}])
async def test_missing_or_wrong_key_gets_http_401(headers: dict[str, str]) -> None:
    """No key or a wrong key: HTTP 401 with an OpenAI-style JSON body, no connection."""
    async with FakeRealtimeServer(api_key=KEY) as srv:
        with pytest.raises(InvalidStatus) as info:
            async with connect(srv.url, additional_headers=headers):
                pass
        response = info.value.response
        assert response.status_code == 401
        assert response.headers["Content-Type"] == "application/json"
        assert json.loads(response.body)["error"]["code"] == "invalid_api_key"
        assert srv.handshake_attempts == 1 and len(srv.attempt_times) == 1
        assert srv.connections == []


async def test_openai_beta_header_rejected_with_400() -> None:
    """A client sending the beta-protocol header is refused."""
    async with FakeRealtimeServer(api_key=KEY) as srv:
        with pytest.raises(InvalidStatus) as info:
            async with connect(srv.url, additional_headers={**AUTH, "OpenAI-Beta": "realtime=v1"}):
                pass
        assert info.value.response.status_code == 400


async def test_auth_disabled_with_api_key_none() -> None:
    """``api_key=None`` accepts a client that sends no key."""
    async with FakeRealtimeServer(api_key=None) as srv, client(srv, additional_headers={}):
        assert srv.connections[0].headers.get("Authorization") is None


# -- session.update ------------------------------------------------------------------


async def test_session_update_deep_merges_and_replies_full_session() -> None:
    """A partial update merges into the defaults and session.updated carries it all."""
    async with FakeRealtimeServer() as srv, client(srv) as ws:
        update = {
            "type": "realtime",
            "instructions": "Be brief.",
            "audio": {
                "input": {"turn_detection": {"type": "server_vad", "silence_duration_ms": 1200}},
                "output": {"voice": "coral"},
            },
        }
        await send(ws, "session.update", session=update)
        updated = await recv(ws)
        session = updated["session"]
        assert updated["type"] == "session.updated"
        assert session["instructions"] == "Be brief."
        assert session["audio"]["input"]["turn_detection"]["silence_duration_ms"] == 1200
        assert session["audio"]["input"]["turn_detection"]["threshold"] == 0.5
        assert session["audio"]["output"] == {
            "format": {"type": "audio/pcm", "rate": 24000},
            "voice": "coral",
            "speed": 1.0,
        }
        assert srv.connections[0].session == session


@pytest.mark.parametrize(
    ("session", "param"),
    [
        ({"instructions": "x"}, "session.type"),
        ({"type": "transcription"}, "session.type"),
        ({"type": "realtime", "modalities": ["audio"]}, "session.modalities"),
        ({"type": "realtime", "voice": "alloy"}, "session.voice"),
        ({"type": "realtime", "input_audio_format": "pcm16"}, "session.input_audio_format"),
        ({"type": "realtime", "turn_detection": None}, "session.turn_detection"),
        ({"type": "realtime", "temperature": 0.8}, "session.temperature"),
        (
            {
                "type": "realtime",
                "audio": {"input": {"format": {"type": "audio/pcm", "rate": 16000}}},
            },
            "session.audio.input.format.rate",
        ),
        (
            {"type": "realtime", "audio": {"output": {"voice": "nova"}}},
            "session.audio.output.voice",
        ),
    ],
)
async def test_session_update_errors_name_the_param(session: Event, param: str) -> None:
    """Bad or beta-era updates get an error naming the param; the session is unchanged."""
    async with FakeRealtimeServer() as srv, client(srv) as ws:
        before = json.dumps(srv.connections[0].session, sort_keys=True)
        event_id = await send(ws, "session.update", session=session)
        error = await recv(ws)
        assert error["type"] == "error"
        assert error["error"]["type"] == "invalid_request_error"
        assert error["error"]["param"] == param
        assert error["error"]["event_id"] == event_id
        assert json.dumps(srv.connections[0].session, sort_keys=True) == before


async def test_voice_cannot_change_after_model_spoke() -> None:
    """Once assistant audio went out, a different voice is refused."""
    async with FakeRealtimeServer() as srv, client(srv) as ws:
        await send(ws, "response.create")
        await recv_until(ws, "response.done")
        await send(
            ws,
            "session.update",
            session={"type": "realtime", "audio": {"output": {"voice": "echo"}}},
        )
        error = await recv(ws)
        assert error["error"]["code"] == "cannot_update_voice"


# -- input audio buffer --------------------------------------------------------------


async def test_commit_of_40_ms_is_refused_like_openai() -> None:
    """Committing 40 ms gets input_audio_buffer_commit_empty with OpenAI's message."""
    async with FakeRealtimeServer() as srv, client(srv) as ws:
        await push_to_talk(ws)
        await append(ws, silence(40))
        event_id = await send(ws, "input_audio_buffer.commit")
        error = (await recv(ws))["error"]
        assert error["code"] == "input_audio_buffer_commit_empty"
        assert "buffer only has 40.00ms of audio" in error["message"]
        assert error["event_id"] == event_id
        assert srv.connections[0].committed_audio == []


async def test_commit_of_100_ms_creates_user_item_and_transcript() -> None:
    """100 ms commits: committed, item added/done, transcription; buffer resets."""
    async with FakeRealtimeServer() as srv, client(srv) as ws:
        session = {
            "type": "realtime",
            "audio": {
                "input": {
                    "turn_detection": None,
                    "transcription": {"model": "gpt-4o-mini-transcribe"},
                }
            },
        }
        await send(ws, "session.update", session=session)
        await recv(ws)
        audio = tone(0.1)
        await append(ws, audio)
        await send(ws, "input_audio_buffer.commit")
        events = await recv_until(ws, "conversation.item.input_audio_transcription.completed")
        assert [e["type"] for e in events] == [
            "input_audio_buffer.committed",
            "conversation.item.added",
            "conversation.item.done",
            "conversation.item.input_audio_transcription.completed",
        ]
        item_id = events[0]["item_id"]
        assert events[1]["item"]["id"] == item_id
        assert events[1]["item"]["content"][0]["type"] == "input_audio"
        assert events[3]["transcript"] == "(user audio 0.10 s)"
        assert srv.connections[0].committed_audio == [audio]
        await send(ws, "input_audio_buffer.commit")
        assert (await recv(ws))["error"]["code"] == "input_audio_buffer_commit_empty"


async def test_clear_empties_the_buffer() -> None:
    """input_audio_buffer.clear answers cleared and a following commit finds nothing."""
    async with FakeRealtimeServer() as srv, client(srv) as ws:
        await push_to_talk(ws)
        await append(ws, silence(200))
        await send(ws, "input_audio_buffer.clear")
        assert (await recv(ws))["type"] == "input_audio_buffer.cleared"
        await send(ws, "input_audio_buffer.commit")
        assert "has 0.00ms" in (await recv(ws))["error"]["message"]
        assert len(srv.connections[0].input_audio) == 200 * 48


async def test_append_with_bad_base64_is_an_error() -> None:
    """Audio that is not base64 gets an error echoing the event id."""
    async with FakeRealtimeServer() as srv, client(srv) as ws:
        event_id = await send(ws, "input_audio_buffer.append", audio="@@not base64@@")
        error = (await recv(ws))["error"]
        assert (error["param"], error["event_id"]) == ("audio", event_id)
        assert len(srv.connections[0].input_audio) == 0


async def test_server_vad_detects_tone_then_silence_and_responds() -> None:
    """Default server VAD: speech_started/stopped around a tone, auto-commit, response."""
    async with FakeRealtimeServer() as srv, client(srv) as ws:
        audio = silence(400) + tone(0.5) + silence(700)
        await append(ws, audio)
        events = await recv_until(ws, "response.created")
        types = [e["type"] for e in events]
        assert types[:2] == [
            "input_audio_buffer.speech_started",
            "input_audio_buffer.speech_stopped",
        ]
        started, stopped, committed = events[0], events[1], events[2]
        assert started["audio_start_ms"] == 400 - 300  # minus prefix_padding_ms
        assert 880 <= stopped["audio_end_ms"] <= 920
        assert committed["type"] == "input_audio_buffer.committed"
        assert started["item_id"] == stopped["item_id"] == committed["item_id"]
        assert len(srv.connections[0].committed_audio[0]) == (400 + 500 + 500) * 48


async def test_push_to_talk_does_nothing_automatically() -> None:
    """With turn_detection null, speech then silence produces no events."""
    async with FakeRealtimeServer() as srv, client(srv) as ws:
        await push_to_talk(ws)
        await append(ws, tone(0.5) + silence(700))
        with pytest.raises(TimeoutError):
            await recv(ws, within_s=0.2)
        assert srv.connections[0].committed_audio == []


# -- responses -----------------------------------------------------------------------


async def test_response_streams_exactly_response_audio_in_50_ms_deltas() -> None:
    """Deltas concatenate to response_audio, 2,400 bytes each but the last, in GA order."""
    async with FakeRealtimeServer() as srv, client(srv) as ws:
        srv.response_audio = os.urandom(2 * 8_900)  # 370.8 ms
        srv.response_text = "Exactly this transcript."
        await send(ws, "response.create")
        events = await recv_until(ws, "response.done")
        deltas = [e for e in events if e["type"] == "response.output_audio.delta"]
        chunks = [base64.b64decode(e["delta"]) for e in deltas]
        assert b"".join(chunks) == srv.response_audio
        assert [len(c) for c in chunks[:-1]] == [2400] * (len(chunks) - 1)
        assert 0 < len(chunks[-1]) <= 2400
        item_id = events[1]["item"]["id"]
        assert all(
            (e["item_id"], e["output_index"], e["content_index"]) == (item_id, 0, 0) for e in deltas
        )
        pieces = [
            e["delta"] for e in events if e["type"] == "response.output_audio_transcript.delta"
        ]
        assert "".join(pieces) == srv.response_text
        tail = [e["type"] for e in events if "delta" not in e["type"]]
        assert tail == [
            "response.created",
            "response.output_item.added",
            "conversation.item.added",
            "response.content_part.added",
            "response.output_audio.done",
            "response.output_audio_transcript.done",
            "response.content_part.done",
            "response.output_item.done",
            "conversation.item.done",
            "response.done",
        ]
        assert events[-1]["response"]["status"] == "completed"
        assert events[-1]["response"]["output"][0]["content"][0]["transcript"] == srv.response_text


async def test_realtime_pace_takes_as_long_as_the_audio() -> None:
    """pace="realtime": one second of audio arrives over at least 0.9 s."""
    async with FakeRealtimeServer(pace="realtime") as srv, client(srv) as ws:
        await send(ws, "response.create")
        await recv_until(ws, "response.created")
        started = time.monotonic()
        await recv_until(ws, "response.done")
        elapsed = time.monotonic() - started
        assert 0.9 <= elapsed < 1.5


async def test_second_response_create_while_active_is_an_error() -> None:
    """Only one active response: the second create gets the OpenAI error code."""
    async with FakeRealtimeServer(pace=2.0) as srv, client(srv) as ws:
        await send(ws, "response.create")
        await recv_until(ws, "response.created")
        event_id = await send(ws, "response.create")
        events = await recv_until(ws, "error")
        assert events[-1]["error"]["code"] == "conversation_already_has_active_response"
        assert events[-1]["error"]["event_id"] == event_id


async def test_response_create_rejects_beta_keys() -> None:
    """response.create with the beta-era ``modalities`` key is an error naming it."""
    async with FakeRealtimeServer() as srv, client(srv) as ws:
        event_id = await send(ws, "response.create", response={"modalities": ["audio"]})
        error = (await recv(ws))["error"]
        assert (error["param"], error["event_id"]) == ("response.modalities", event_id)
        assert "response.created" not in srv.connections[0].sent_types


async def test_cancel_without_active_response_is_an_error() -> None:
    """response.cancel with nothing active gets response_cancel_not_active."""
    async with FakeRealtimeServer() as srv, client(srv) as ws:
        await send(ws, "response.cancel")
        assert (await recv(ws))["error"]["code"] == "response_cancel_not_active"


async def test_cancel_stops_the_stream_with_a_cancelled_done() -> None:
    """Cancelling mid-response ends it with status cancelled and no more audio."""
    async with FakeRealtimeServer(pace="realtime") as srv, client(srv) as ws:
        await send(ws, "response.create")
        await recv_until(ws, "response.output_audio.delta")
        await send(ws, "response.cancel")
        events = await recv_until(ws, "response.done")
        done = events[-1]["response"]
        assert (done["status"], done["status_details"]["reason"]) == (
            "cancelled",
            "client_cancelled",
        )
        with pytest.raises(TimeoutError):
            await recv(ws, within_s=0.2)
        deltas = sum(t == "response.output_audio.delta" for t in srv.connections[0].sent_types)
        assert deltas < 20


async def test_truncate_checks_item_and_length() -> None:
    """Truncation: unknown item, non-assistant item and too-long audio_end_ms fail; valid works."""
    async with FakeRealtimeServer() as srv, client(srv) as ws:
        await push_to_talk(ws)
        await append(ws, silence(100))
        await send(ws, "input_audio_buffer.commit")
        user_item = (await recv_until(ws, "conversation.item.done"))[0]["item_id"]
        await send(ws, "response.create")
        events = await recv_until(ws, "response.done")
        item_id = events[1]["item"]["id"]

        async def truncate(target: str, audio_end_ms: int) -> Event:
            await send(
                ws,
                "conversation.item.truncate",
                item_id=target,
                content_index=0,
                audio_end_ms=audio_end_ms,
            )
            return await recv(ws)

        assert (await truncate("item_nope", 100))["type"] == "error"
        assert (await truncate(user_item, 100))["type"] == "error"
        too_long = (await truncate(item_id, 1200))["error"]
        assert too_long["code"] == "invalid_value"
        assert "1000ms" in too_long["message"] and "1200ms" in too_long["message"]
        assert (await truncate(item_id, 0))["type"] == "error"
        ok = await truncate(item_id, 640)
        assert ok == {
            **ok,
            "type": "conversation.item.truncated",
            "item_id": item_id,
            "audio_end_ms": 640,
        }
        assert (await truncate(item_id, 700))["type"] == "error"  # now only 640 ms long
        assert srv.connections[0].truncations == [(item_id, 640)]


async def test_items_create_retrieve_delete() -> None:
    """User text items are added, retrievable, deletable; unknown ids error."""
    async with FakeRealtimeServer() as srv, client(srv) as ws:
        item = {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": "hi"}],
        }
        await send(ws, "conversation.item.create", item=item)
        added, done = await recv(ws), await recv(ws)
        assert (added["type"], done["type"]) == (
            "conversation.item.added",
            "conversation.item.done",
        )
        item_id = added["item"]["id"]
        await send(ws, "conversation.item.retrieve", item_id=item_id)
        assert (await recv(ws))["item"]["content"][0]["text"] == "hi"
        await send(ws, "conversation.item.delete", item_id=item_id)
        deleted = await recv(ws)
        assert (deleted["type"], deleted["item_id"]) == ("conversation.item.deleted", item_id)
        event_id = await send(ws, "conversation.item.retrieve", item_id=item_id)
        error = (await recv(ws))["error"]
        assert (error["code"], error["event_id"]) == ("invalid_value", event_id)
        assert srv.connections[0].received_types.count("conversation.item.retrieve") == 2


async def test_bad_client_frames_get_errors_echoing_event_id() -> None:
    """Unknown type, non-JSON, non-object and output_audio_buffer.clear are errors."""
    async with FakeRealtimeServer() as srv, client(srv) as ws:
        event_id = await send(ws, "response.make_it_so")
        error = (await recv(ws))["error"]
        assert (error["type"], error["param"], error["event_id"]) == (
            "invalid_request_error",
            "type",
            event_id,
        )
        await ws.send("{not json")
        assert (await recv(ws))["error"]["code"] == "invalid_json"
        await ws.send("[1, 2]")
        assert (await recv(ws))["error"]["code"] == "invalid_event"
        event_id = await send(ws, "output_audio_buffer.clear")
        assert (await recv(ws))["error"]["event_id"] == event_id
        assert srv.connections[0].received[1] == "{not json"


async def test_server_events_validate_against_the_official_schema() -> None:
    """Every event of a full VAD turn and a truncation passes the SDK models, no extra keys."""
    async with FakeRealtimeServer() as srv, client(srv, created=False) as ws:
        frames = [await ws.recv()]
        session = {
            "type": "realtime",
            "audio": {"input": {"transcription": {"model": "whisper-1"}}},
        }
        await send(ws, "session.update", session=session)
        frames.append(await ws.recv())
        await append(ws, tone(0.3) + silence(600))
        events = await recv_until(ws, "response.done")
        frames += [json.dumps(e) for e in events]
        item_id = next(e["item"]["id"] for e in events if e["type"] == "response.output_item.added")
        await send(
            ws, "conversation.item.truncate", item_id=item_id, content_index=0, audio_end_ms=100
        )
        frames.append(await ws.recv())
        await send(ws, "response.cancel")
        frames.append(await ws.recv())
        for frame in frames:
            model = SERVER_EVENT.validate_json(frame)
            assert unknown_keys(model) == [], frame[:200]
        assert len(frames) > 30


# -- faults --------------------------------------------------------------------------


async def test_reject_first_n_then_accept_with_retry_after() -> None:
    """The first two attempts get 503 with Retry-After, the third connects."""
    async with FakeRealtimeServer(
        faults=Faults(reject_status=503, reject_first_n=2, retry_after_s=1.5)
    ) as srv:
        for _ in range(2):
            with pytest.raises(InvalidStatus) as info:
                async with client(srv):
                    pass
            assert info.value.response.status_code == 503
            assert info.value.response.headers["Retry-After"] == "2"
        async with client(srv):
            pass
        assert srv.handshake_attempts == 3 and len(srv.connections) == 1
        assert srv.attempt_times == sorted(srv.attempt_times)


async def test_reject_body_is_sent_verbatim() -> None:
    """A custom reject_body (here a 429 quota error) reaches the client."""
    body = json.dumps({"error": {"code": "insufficient_quota", "type": "insufficient_quota"}})
    async with FakeRealtimeServer(faults=Faults(reject_status=429, reject_body=body)) as srv:
        with pytest.raises(InvalidStatus) as info:
            async with client(srv):
                pass
        assert info.value.response.status_code == 429
        assert info.value.response.body == body.encode()


async def test_new_faults_apply_to_new_connections_only() -> None:
    """Replacing faults leaves a live connection alone and affects the next attempt."""
    async with FakeRealtimeServer() as srv, client(srv) as ws:
        srv.faults = Faults(reject_status=500)
        with pytest.raises(InvalidStatus):
            async with client(srv):
                pass
        await send(ws, "input_audio_buffer.clear")
        assert (await recv(ws))["type"] == "input_audio_buffer.cleared"


async def test_error_then_close() -> None:
    """error_then_close sends the error (no session.created) and closes with the code."""
    faults = Faults(error_then_close=("insufficient_quota", "insufficient_quota", 1008))
    async with FakeRealtimeServer(faults=faults) as srv, client(srv, created=False) as ws:
        error = await recv(ws)
        assert (error["type"], error["error"]["code"]) == ("error", "insufficient_quota")
        with pytest.raises(ConnectionClosed) as info:
            await recv(ws)
        assert info.value.rcvd is not None and info.value.rcvd.code == 1008
        await asyncio.wait_for(srv.connections[0].closed.wait(), 1)
        assert srv.connections[0].close_code == 1008


async def test_close_after_events() -> None:
    """close_after_events=3: exactly three events, then close 1011."""
    async with FakeRealtimeServer(faults=Faults(close_after_events=3)) as srv, client(srv) as ws:
        await send(ws, "response.create")
        received = [await recv(ws), await recv(ws)]
        with pytest.raises(ConnectionClosed) as info:
            await recv(ws)
        assert info.value.rcvd is not None and info.value.rcvd.code == 1011
        assert [e["type"] for e in received] == ["response.created", "response.output_item.added"]
        await asyncio.wait_for(srv.connections[0].closed.wait(), 1)
        assert len(srv.connections[0].sent_types) == 3


async def test_close_after_seconds() -> None:
    """close_after_s closes with close_code no sooner than asked."""
    faults = Faults(close_after_s=0.2, close_code=1012)
    async with FakeRealtimeServer(faults=faults) as srv, client(srv) as ws:
        started = time.monotonic()
        with pytest.raises(ConnectionClosed) as info:
            await recv(ws)
        assert info.value.rcvd is not None and info.value.rcvd.code == 1012
        assert time.monotonic() - started >= 0.15


async def test_stop_pongs_emulates_a_dead_link() -> None:
    """After stop_pongs_after_s a ping gets no pong, events stop, TCP stays up."""
    async with FakeRealtimeServer(faults=Faults(stop_pongs_after_s=0.1)) as srv:
        async with client(srv, close_timeout=0.1) as ws:
            await asyncio.wait_for(await ws.ping(), 1)  # alive before the fault
            await asyncio.sleep(0.2)
            await send(ws, "input_audio_buffer.clear")
            pong = await ws.ping()
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(pong, 1)
            with pytest.raises(TimeoutError):
                await recv(ws, within_s=0.05)
            assert not srv.connections[0].closed.is_set()
        await asyncio.wait_for(srv.connections[0].closed.wait(), 1)
        assert srv.connections[0].sent_types == ["session.created"]


async def test_session_expired_fault_and_session_max_s() -> None:
    """At the cap: error session_expired, then close 1001 (fault and server setting)."""
    for srv_kwargs in ({"faults": Faults(session_expired_after_s=0.1)}, {"session_max_s": 0.1}):
        async with FakeRealtimeServer(**srv_kwargs) as srv, client(srv) as ws:
            error = await recv(ws)
            assert (error["error"]["type"], error["error"]["code"]) == (
                "invalid_request_error",
                "session_expired",
            )
            with pytest.raises(ConnectionClosed) as info:
                await recv(ws)
            assert info.value.rcvd is not None and info.value.rcvd.code == 1001


async def test_silent_after_handshake() -> None:
    """The WebSocket opens but nothing is ever sent; client frames are still recorded."""
    faults = Faults(silent_after_handshake=True)
    async with FakeRealtimeServer(faults=faults) as srv, client(srv, created=False) as ws:
        await send(ws, "session.update", session={"type": "realtime"})
        with pytest.raises(TimeoutError):
            await recv(ws, within_s=0.3)
        assert srv.connections[0].received_types == ["session.update"]
        assert srv.connections[0].sent_types == []


async def test_no_session_updated() -> None:
    """session.update applies but is never acknowledged."""
    async with FakeRealtimeServer(faults=Faults(no_session_updated=True)) as srv, client(srv) as ws:
        await send(ws, "session.update", session={"type": "realtime", "instructions": "quiet"})
        with pytest.raises(TimeoutError):
            await recv(ws, within_s=0.3)
        assert srv.connections[0].session["instructions"] == "quiet"


async def test_garbage_frames_arrive_among_real_events() -> None:
    """garbage: seven malformed frames after session.created and after response.created."""
    async with FakeRealtimeServer(faults=Faults(garbage=True)) as srv, client(srv) as ws:
        await send(ws, "response.create")
        frames: list[str | bytes] = []
        async with asyncio.timeout(3):
            while not frames or not (isinstance(frames[-1], str) and "response.done" in frames[-1]):
                frames.append(await ws.recv())
        binary = [f for f in frames if isinstance(f, bytes)]
        texts = [f for f in frames if isinstance(f, str)]
        parsed: list[Any] = []
        not_json = 0
        for text in texts:
            try:
                parsed.append(json.loads(text))
            except ValueError:
                not_json += 1
        objects = [p for p in parsed if isinstance(p, dict)]
        assert len(binary) == 2 and not_json == 2
        assert sum(not isinstance(p, dict) for p in parsed) == 2
        assert sum("type" not in o for o in objects) == 2
        assert sum(o.get("type") == "fake.unknown_event" for o in objects) == 2
        audio_deltas = [o for o in objects if o.get("type") == "response.output_audio.delta"]
        good = [o for o in audio_deltas if o["event_id"].count("_garbage") == 0]
        assert b"".join(base64.b64decode(o["delta"]) for o in good) == srv.response_audio
        assert len(audio_deltas) - len(good) == 4  # bad base64 + missing fields, twice
        assert srv.connections[0].garbage_sent == 14


async def test_oversized_frame_has_the_exact_size() -> None:
    """oversized_frame_bytes sends one valid JSON frame of that size after session.created."""
    size = 2**20 + 123
    faults = Faults(oversized_frame_bytes=size)
    async with FakeRealtimeServer(faults=faults) as srv:
        async with client(srv, max_size=None) as ws:
            frame = await asyncio.wait_for(ws.recv(), 2)
            assert isinstance(frame, str) and len(frame.encode()) == size
            assert json.loads(frame)["type"] == "rate_limits.updated"
        async with client(srv) as ws:  # websockets' default max_size is 1 MiB
            with pytest.raises(ConnectionClosed) as info:
                await recv(ws)
            assert info.value.sent is not None and info.value.sent.code == 1009


async def test_drop_all_closes_live_connections_with_the_code() -> None:
    """drop_all closes every live connection with the given code."""
    async with FakeRealtimeServer() as srv, client(srv) as ws1, client(srv) as ws2:
        await srv.wait_for_connections(2)
        await srv.drop_all(code=4001)
        for ws in (ws1, ws2):
            with pytest.raises(ConnectionClosed) as info:
                await recv(ws)
            assert info.value.rcvd is not None and info.value.rcvd.code == 4001
        assert [c.close_code for c in srv.connections] == [4001, 4001]
        assert all(c.closed_at is not None and c.closed_at >= c.opened_at for c in srv.connections)


async def test_wait_for_connections_times_out() -> None:
    """wait_for_connections raises TimeoutError when too few clients came."""
    async with FakeRealtimeServer() as srv:
        with pytest.raises(TimeoutError):
            await srv.wait_for_connections(1, timeout=0.05)


async def test_silent_tcp_server_accepts_but_never_answers() -> None:
    """A WebSocket handshake against SilentTCPServer times out; the TCP accept is counted."""
    async with SilentTCPServer() as silent:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            async with connect(silent.url, open_timeout=0.3):
                pass
        assert time.monotonic() - started >= 0.25
        assert silent.accepted == 1
        assert silent.url.startswith("ws://127.0.0.1:")


def test_pace_is_validated() -> None:
    """An unknown pace is refused at construction."""
    with pytest.raises(ValueError, match="pace"):
        FakeRealtimeServer(pace="slow")  # type: ignore[arg-type]
    assert FakeRealtimeServer(pace=2.0).speed == 2.0


async def test_server_vad_speech_interrupts_active_response() -> None:
    """Speech during a response cancels it with reason turn_detected."""
    async with FakeRealtimeServer(pace="realtime") as srv, client(srv) as ws:
        await send(ws, "response.create")
        await recv_until(ws, "response.output_audio.delta")
        await append(ws, tone(0.1))
        events = await recv_until(ws, "response.done")
        types = [e["type"] for e in events]
        assert "input_audio_buffer.speech_started" in types
        done = events[-1]["response"]
        assert (done["status"], done["status_details"]["reason"]) == ("cancelled", "turn_detected")
        assert srv.connections[0].state.active is None
