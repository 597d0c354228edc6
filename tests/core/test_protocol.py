"""voiced.core.protocol: client event builders (strictly GA) and the never-raising parser."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voiced.core import protocol as p
from voiced.core.protocol import (
    AudioDelta,
    AudioDone,
    EventIds,
    FunctionCallDone,
    InputCleared,
    InputCommitted,
    InputTimeout,
    ItemTruncated,
    OtherEvent,
    OutputItemAdded,
    ProtocolViolation,
    RateLimits,
    ResponseCreated,
    ResponseDone,
    ServerErrorEvent,
    ServerEvent,
    SessionCreated,
    SessionUpdated,
    SpeechStarted,
    SpeechStopped,
    TranscriptDelta,
    TranscriptDone,
    TranscriptionFailed,
    parse_server_event,
)

from conformance import CLIENT_EVENT_TYPES, validate_client_frame, validate_server_frame

PCM = bytes(range(256)) * 10  # 2,560 bytes, every byte value
PCM_B64 = base64.b64encode(PCM).decode()

# --- builders -------------------------------------------------------------------------------

BUILDERS: list[Callable[[str], str | bytes]] = [
    lambda eid: p.session_update(eid, {"type": "realtime", "instructions": "Be brief."}),
    lambda eid: p.input_audio_append(eid, PCM),
    lambda eid: p.input_audio_commit(eid),
    lambda eid: p.input_audio_clear(eid),
    lambda eid: p.response_create(eid),
    lambda eid: p.response_create(eid, {"output_modalities": ["audio"], "instructions": "Hi."}),
    lambda eid: p.response_cancel(eid),
    lambda eid: p.response_cancel(eid, "resp_1"),
    lambda eid: p.item_create(eid, p.user_text_item("hello")),
    lambda eid: p.item_create(eid, p.function_call_output_item("call_1", '{"ok":true}'), "i_0"),
    lambda eid: p.item_truncate(eid, "item_1", 0, 1500),
    lambda eid: p.item_delete(eid, "item_1"),
    lambda eid: p.item_retrieve(eid, "item_1"),
    lambda eid: p.output_audio_buffer_clear(eid),
]


def _built_frames() -> list[str]:
    """Every builder's frame as text (the append is ASCII bytes, sent as a text frame)."""
    ids = EventIds("t")
    frames = [build(ids.next()) for build in BUILDERS]
    return [f.decode("ascii") if isinstance(f, bytes) else f for f in frames]


@pytest.mark.parametrize("index", range(len(BUILDERS)))
def test_builder_output_is_strict_ga(index: int) -> None:
    """Each builder's frame validates against the SDK models with no unknown keys."""
    frame = BUILDERS[index]("evt_x1")
    model = validate_client_frame(frame)
    assert model.event_id == "evt_x1"


def test_builders_cover_the_whole_ga_client_union() -> None:
    """Every one of the GA client event types has a builder."""
    types = {json.loads(frame)["type"] for frame in _built_frames()}
    assert types == CLIENT_EVENT_TYPES


def test_builders_make_compact_ascii_frames_with_unique_event_ids() -> None:
    """Frames carry distinct event ids and no whitespace between tokens."""
    frames = _built_frames()
    ids = [json.loads(frame)["event_id"] for frame in frames]
    assert len(set(ids)) == len(ids)
    assert all(", " not in f and ": " not in f and f.isascii() for f in frames if "Be " not in f)


def test_non_ascii_text_is_escaped_and_round_trips() -> None:
    """User text with emoji and lone surrogates still gives an ASCII frame that decodes back."""
    text = "Grüße 🎤 \ud800"
    frame = p.item_create("evt_1", p.user_text_item(text))
    assert frame.isascii()
    assert json.loads(frame)["item"]["content"][0]["text"] == text


def test_nan_is_refused() -> None:
    """A NaN cannot travel as JSON, so the builder raises instead of sending invalid JSON."""
    with pytest.raises(ValueError):
        p.session_update("evt_1", {"type": "realtime", "x": float("nan")})


def test_mapping_that_is_not_a_dict_is_encoded() -> None:
    """Read-only mappings (MappingProxyType) serialise like dicts."""
    from types import MappingProxyType

    frame = p.response_create("evt_1", MappingProxyType({"instructions": "Hi."}))
    assert json.loads(frame)["response"] == {"instructions": "Hi."}


def test_optional_fields_are_left_out_when_none() -> None:
    """response.create/cancel and item.create omit their optional fields when not given."""
    assert "response" not in json.loads(p.response_create("e"))
    assert "response_id" not in json.loads(p.response_cancel("e"))
    assert "previous_item_id" not in json.loads(p.item_create("e", p.user_text_item("x")))


def test_item_helpers_have_the_ga_shape() -> None:
    """user_text_item and function_call_output_item build the documented item objects."""
    assert p.user_text_item("hi") == {
        "type": "message",
        "role": "user",
        "content": [{"type": "input_text", "text": "hi"}],
    }
    assert p.function_call_output_item("c1", "42") == {
        "type": "function_call_output",
        "call_id": "c1",
        "output": "42",
    }


def test_truncate_refuses_negative_offsets() -> None:
    """A negative audio_end_ms is a caller bug and raises."""
    with pytest.raises(ValueError):
        p.item_truncate("evt_1", "item_1", 0, -1)


@settings(max_examples=200)
@given(st.binary(max_size=9600))
def test_append_round_trips_pcm(pcm: bytes) -> None:
    """append -> JSON -> base64 decode gives back exactly the PCM."""
    event = json.loads(p.input_audio_append("evt_1", pcm))
    assert event["type"] == "input_audio_buffer.append"
    assert event["event_id"] == "evt_1"
    assert base64.b64decode(event["audio"], validate=True) == pcm


@given(st.text(max_size=20))
def test_append_escapes_any_event_id(event_id: str) -> None:
    """Event ids needing JSON escapes (quotes, backslashes, controls) still give valid JSON."""
    event = json.loads(p.input_audio_append(event_id, b"\x00\x01"))
    assert event["event_id"] == event_id


def test_event_ids_count_up_with_prefix() -> None:
    """EventIds yields evt_<prefix><n> from 1, never repeating."""
    ids = EventIds("c2_")
    first = [ids.next() for _ in range(3)]
    assert first == ["evt_c2_1", "evt_c2_2", "evt_c2_3"]
    assert len({ids.next() for _ in range(10_000)}) == 10_000


@pytest.mark.parametrize("prefix", ['a"b', "x" * 17, "a\\b", "é"])
def test_event_ids_refuse_prefixes_needing_escapes(prefix: str) -> None:
    """A prefix that is long or would need JSON escaping is refused."""
    with pytest.raises(ValueError):
        EventIds(prefix)


def test_audio_constants_agree() -> None:
    """48 bytes per ms at 24 kHz s16le; the minimum commit is 4,800 bytes."""
    assert p.BYTES_PER_MS == p.PCM_RATE_HZ * 2 // 1000
    assert p.pcm_ms(960) == 20.0
    assert p.pcm_ms(p.MIN_COMMIT_MS * p.BYTES_PER_MS) == 100.0


# --- parser: GA events ------------------------------------------------------------------------

SESSION = {
    "type": "realtime",
    "id": "sess_1",
    "object": "realtime.session",
    "model": "gpt-realtime",
    "output_modalities": ["audio"],
    "expires_at": 1756324625,
}
RATE_LIMIT = {"name": "requests", "limit": 1000, "remaining": 999, "reset_seconds": 0.06}
AUDIO_IDS = {"response_id": "resp_1", "item_id": "item_2", "output_index": 0, "content_index": 0}

GA_CASES: list[tuple[dict[str, Any], ServerEvent]] = [
    (
        {"type": "session.created", "event_id": "ev1", "session": SESSION},
        SessionCreated(SESSION, "ev1"),
    ),
    (
        {"type": "session.updated", "event_id": "ev1", "session": SESSION},
        SessionUpdated(SESSION, "ev1"),
    ),
    (
        {
            "type": "input_audio_buffer.speech_started",
            "event_id": "ev1",
            "audio_start_ms": 1000,
            "item_id": "item_1",
        },
        SpeechStarted("item_1", 1000, "ev1"),
    ),
    (
        {
            "type": "input_audio_buffer.speech_stopped",
            "event_id": "ev1",
            "audio_end_ms": 2000,
            "item_id": "item_1",
        },
        SpeechStopped("item_1", 2000, "ev1"),
    ),
    (
        {
            "type": "input_audio_buffer.committed",
            "event_id": "ev1",
            "previous_item_id": None,
            "item_id": "item_1",
        },
        InputCommitted("item_1", "ev1"),
    ),
    ({"type": "input_audio_buffer.cleared", "event_id": "ev1"}, InputCleared("ev1")),
    (
        {
            "type": "input_audio_buffer.timeout_triggered",
            "event_id": "ev1",
            "audio_start_ms": 0,
            "audio_end_ms": 5000,
            "item_id": "item_1",
        },
        InputTimeout("ev1"),
    ),
    (
        {
            "type": "response.created",
            "event_id": "ev1",
            "response": {"id": "resp_1", "object": "realtime.response", "status": "in_progress"},
        },
        ResponseCreated("resp_1", "ev1"),
    ),
    (
        {"type": "response.output_audio.delta", "event_id": "ev1", **AUDIO_IDS, "delta": PCM_B64},
        AudioDelta("resp_1", "item_2", 0, 0, PCM, "ev1"),
    ),
    (
        {"type": "response.output_audio.done", "event_id": "ev1", **AUDIO_IDS},
        AudioDone("resp_1", "item_2", "ev1"),
    ),
    (
        {
            "type": "response.output_audio_transcript.delta",
            "event_id": "ev1",
            **AUDIO_IDS,
            "delta": "Hel",
        },
        TranscriptDelta("assistant", "item_2", "Hel", "resp_1", "ev1"),
    ),
    (
        {
            "type": "response.output_audio_transcript.done",
            "event_id": "ev1",
            **AUDIO_IDS,
            "transcript": "Hello.",
        },
        TranscriptDone("assistant", "item_2", "Hello.", "ev1"),
    ),
    (
        {"type": "response.output_text.delta", "event_id": "ev1", **AUDIO_IDS, "delta": "Hi"},
        TranscriptDelta("assistant", "item_2", "Hi", "resp_1", "ev1"),
    ),
    (
        {"type": "response.output_text.done", "event_id": "ev1", **AUDIO_IDS, "text": "Hi!"},
        TranscriptDone("assistant", "item_2", "Hi!", "ev1"),
    ),
    (
        {
            "type": "conversation.item.input_audio_transcription.delta",
            "event_id": "ev1",
            "item_id": "item_1",
            "content_index": 0,
            "delta": "what",
        },
        TranscriptDelta("user", "item_1", "what", None, "ev1"),
    ),
    (
        {
            "type": "conversation.item.input_audio_transcription.completed",
            "event_id": "ev1",
            "item_id": "item_1",
            "content_index": 0,
            "transcript": "what time is it",
            "usage": {"type": "duration", "seconds": 1.5},
        },
        TranscriptDone("user", "item_1", "what time is it", "ev1"),
    ),
    (
        {
            "type": "conversation.item.input_audio_transcription.failed",
            "event_id": "ev1",
            "item_id": "item_1",
            "content_index": 0,
            "error": {"type": "transcription_error", "code": "x", "message": "no audio"},
        },
        TranscriptionFailed("item_1", "no audio", "ev1"),
    ),
    (
        {
            "type": "response.output_item.added",
            "event_id": "ev1",
            "response_id": "resp_1",
            "output_index": 0,
            "item": {
                "id": "item_2",
                "object": "realtime.item",
                "type": "message",
                "status": "in_progress",
                "role": "assistant",
                "content": [],
            },
        },
        OutputItemAdded("resp_1", "item_2", "message", "assistant", "ev1"),
    ),
    (
        {
            "type": "response.function_call_arguments.done",
            "event_id": "ev1",
            "response_id": "resp_1",
            "item_id": "item_3",
            "output_index": 0,
            "call_id": "call_1",
            "name": "get_time",
            "arguments": '{"tz":"UTC"}',
        },
        FunctionCallDone("resp_1", "item_3", "call_1", "get_time", '{"tz":"UTC"}', "ev1"),
    ),
    (
        {
            "type": "response.done",
            "event_id": "ev1",
            "response": {"id": "resp_1", "object": "realtime.response", "status": "completed"},
        },
        ResponseDone("resp_1", "completed", None, None, "ev1"),
    ),
    (
        {
            "type": "response.done",
            "event_id": "ev1",
            "response": {
                "id": "resp_1",
                "status": "failed",
                "status_details": {
                    "type": "failed",
                    "error": {"type": "server_error", "code": "boom", "message": "Oops."},
                },
            },
        },
        ResponseDone("resp_1", "failed", "boom", "Oops.", "ev1"),
    ),
    (
        {
            "type": "conversation.item.truncated",
            "event_id": "ev1",
            "item_id": "item_2",
            "content_index": 0,
            "audio_end_ms": 1500,
        },
        ItemTruncated("item_2", 0, 1500, "ev1"),
    ),
    (
        {"type": "rate_limits.updated", "event_id": "ev1", "rate_limits": [RATE_LIMIT]},
        RateLimits([RATE_LIMIT], "ev1"),
    ),
    (
        {
            "type": "error",
            "event_id": "ev1",
            "error": {
                "type": "invalid_request_error",
                "code": "input_audio_buffer_commit_empty",
                "message": "Buffer too small.",
                "param": None,
                "event_id": "evt_c7",
            },
        },
        ServerErrorEvent(
            "invalid_request_error",
            "input_audio_buffer_commit_empty",
            "Buffer too small.",
            None,
            "evt_c7",
            "ev1",
        ),
    ),
]


@pytest.mark.parametrize("index", range(len(GA_CASES)))
def test_parses_each_ga_event(index: int) -> None:
    """Each GA server event becomes its dataclass with every field read."""
    data, expected = GA_CASES[index]
    assert parse_server_event(json.dumps(data)) == expected


@pytest.mark.parametrize("index", range(len(GA_CASES)))
def test_sample_server_frames_are_official_ga(index: int) -> None:
    """The sample frames used above validate strictly against the SDK's server models."""
    validate_server_frame(json.dumps(GA_CASES[index][0]))


def test_parses_bytes_frames_too() -> None:
    """A frame given as UTF-8 bytes parses like the same text."""
    data, expected = GA_CASES[2]
    assert parse_server_event(json.dumps(data).encode()) == expected


@pytest.mark.parametrize(
    ("beta_type", "field", "expected"),
    [
        ("response.audio.delta", {"delta": PCM_B64}, AudioDelta("resp_1", "item_2", 0, 0, PCM)),
        ("response.audio.done", {}, AudioDone("resp_1", "item_2")),
        (
            "response.audio_transcript.delta",
            {"delta": "Hel"},
            TranscriptDelta("assistant", "item_2", "Hel", "resp_1"),
        ),
        (
            "response.audio_transcript.done",
            {"transcript": "Hello."},
            TranscriptDone("assistant", "item_2", "Hello."),
        ),
    ],
)
def test_accepts_beta_audio_names(beta_type: str, field: dict[str, Any], expected: Any) -> None:
    """Beta-era audio and transcript event names parse like their GA names."""
    assert parse_server_event(json.dumps({"type": beta_type, **AUDIO_IDS, **field})) == expected


def test_missing_event_id_is_none() -> None:
    """event_id is optional on server events."""
    assert parse_server_event('{"type":"input_audio_buffer.cleared"}') == InputCleared(None)


def test_unknown_and_unread_types_become_other_event() -> None:
    """Unknown types and known-but-unread GA types pass through as OtherEvent."""
    future = parse_server_event('{"type":"x.future","event_id":"e","n":1}')
    assert future == OtherEvent("x.future", {"type": "x.future", "event_id": "e", "n": 1}, "e")
    added = parse_server_event('{"type":"conversation.item.added","item":{}}')
    assert isinstance(added, OtherEvent) and added.event_type == "conversation.item.added"


def test_error_event_is_read_leniently() -> None:
    """An error without type or message still surfaces its code (it may be fatal)."""
    event = parse_server_event('{"type":"error","error":{"code":"invalid_api_key"}}')
    assert event == ServerErrorEvent("error", "invalid_api_key", "", None, None, None)


# --- parser: violations -----------------------------------------------------------------------

DELTA = {"type": "response.output_audio.delta", **AUDIO_IDS}


@pytest.mark.parametrize(
    ("frame", "reason_part"),
    [
        (b"\xff\xfe\x00garbage", "UTF-8"),
        ("{not json", "invalid JSON"),
        ("", "invalid JSON"),
        ("[1,2]", "not a JSON object"),
        ('"session.created"', "not a JSON object"),
        ("null", "not a JSON object"),
        ('{"event_id":"e"}', "type"),
        ('{"type":7}', "type"),
        ('{"type":"x","event_id":5}', "event_id"),
        ("[" * 100_000 + "]" * 100_000, "invalid JSON"),
        (json.dumps({**DELTA, "delta": "AAA"}), "base64"),
        (json.dumps({**DELTA, "delta": "AA=A"}), "base64"),
        (json.dumps({**DELTA, "delta": "AA\nAA"}), "base64"),
        (json.dumps({**DELTA, "delta": "AA*A"}), "base64"),
        (json.dumps({**DELTA, "delta": 12}), "delta"),
        (json.dumps(DELTA), "delta"),
        (json.dumps({**DELTA, "delta": "", "output_index": True}), "output_index"),
        (json.dumps({**DELTA, "delta": "", "content_index": 1.0}), "content_index"),
        (json.dumps({**DELTA, "delta": "", "response_id": None}), "response_id"),
        ('{"type":"session.created","session":[]}', "session"),
        ('{"type":"input_audio_buffer.speech_started","item_id":"i"}', "audio_start_ms"),
        ('{"type":"response.created","response":{}}', "id"),
        ('{"type":"response.done","response":{"id":"r"}}', "status"),
        (
            '{"type":"response.done","response":{"id":"r","status":"failed","status_details":1}}',
            "status_details",
        ),
        ('{"type":"rate_limits.updated","rate_limits":[1]}', "rate_limits"),
        ('{"type":"error","error":"bad"}', "error"),
        ('{"type":"error","error":{"code":5}}', "code"),
        ('{"type":"response.output_item.added","response_id":"r","item":{"type":"m"}}', "id"),
    ],
)
def test_bad_frames_are_violations(frame: str | bytes, reason_part: str) -> None:
    """Unusable frames give ProtocolViolation with a reason naming the problem."""
    event = parse_server_event(frame)
    assert isinstance(event, ProtocolViolation)
    assert reason_part in event.reason


@pytest.mark.parametrize("frame", [None, 5, object()])
def test_not_even_a_frame_is_a_violation(frame: Any) -> None:
    """Objects that are neither str nor bytes (a caller bug) still do not raise."""
    assert isinstance(parse_server_event(frame), ProtocolViolation)


def test_violation_reason_never_echoes_the_frame() -> None:
    """A huge bad frame yields a short reason and a bounded event type."""
    huge_type = "t" * 100_000
    event = parse_server_event(json.dumps({"type": huge_type, "event_id": 1}))
    assert isinstance(event, ProtocolViolation)
    assert event.event_type is not None and len(event.event_type) <= 64
    bad_delta = json.dumps({**DELTA, "delta": "A" * 1_000_001})
    event = parse_server_event(bad_delta)
    assert isinstance(event, ProtocolViolation) and len(event.reason) < 80


# --- parser: fuzzing --------------------------------------------------------------------------

SERVER_EVENT_CLASSES = ServerEvent.__args__
FIELD_NAMES = sorted(
    {key for data, _ in GA_CASES for key in data}
    | {"delta", "transcript", "text", "id", "status", "error", "item", "response"}
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


def _check(event: object) -> None:
    assert isinstance(event, SERVER_EVENT_CLASSES)
    if isinstance(event, ProtocolViolation):
        assert len(event.reason) < 100


@settings(max_examples=300)
@given(st.text() | st.binary())
def test_never_raises_on_arbitrary_input(frame: str | bytes) -> None:
    """Any text or bytes at all yields a ServerEvent, never an exception."""
    _check(parse_server_event(frame))


@settings(max_examples=300)
@given(json_values)
def test_never_raises_on_arbitrary_json(value: Any) -> None:
    """Any JSON value yields a ServerEvent; anything but an object is a violation."""
    event = parse_server_event(json.dumps(value))
    _check(event)
    if not isinstance(value, dict):
        assert isinstance(event, ProtocolViolation)


@settings(max_examples=500)
@given(
    st.sampled_from(sorted(p.KNOWN_SERVER_EVENT_TYPES)),
    st.dictionaries(st.sampled_from(FIELD_NAMES), json_values, max_size=8),
)
def test_known_types_with_random_fields_never_raise(
    event_type: str, fields: dict[str, Any]
) -> None:
    """A known type with random fields parses or is a violation, never OtherEvent or a crash."""
    event = parse_server_event(json.dumps({**fields, "type": event_type}))
    _check(event)
    assert not isinstance(event, OtherEvent)


@settings(max_examples=300)
@given(st.sampled_from(range(len(GA_CASES))), st.data())
def test_corrupting_one_field_of_a_valid_event_never_raises(index: int, data: Any) -> None:
    """Replacing any one field of a valid event gives the same class or a violation."""
    frame, expected = GA_CASES[index]
    key = data.draw(st.sampled_from(sorted(frame)))
    corrupted = {**frame, key: data.draw(json_values)}
    event = parse_server_event(json.dumps(corrupted))
    _check(event)
    if key != "type":  # a new type may name any class; otherwise the class cannot change
        assert isinstance(event, type(expected) | ProtocolViolation)


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
        max_leaves=20,
    ),
    st.sampled_from(["", " ", "\n", "\t "]),
    st.sampled_from(["", " ", "\r\n", "x", "}"]),
)
def test_fast_json_path_agrees_with_json_loads(value: object, before: str, after: str) -> None:
    """_loads gives what json.loads gives, or raises what it raises, whatever surrounds it."""
    text = before + json.dumps(value) + after
    try:
        expected: object = json.loads(text)
    except json.JSONDecodeError as exc:
        with pytest.raises(json.JSONDecodeError) as got:
            p._loads(text)
        assert got.value.msg == exc.msg
        return
    assert p._loads(text) == expected
