"""tests/conformance.py: the strict validator itself must bite, or the other tests prove nothing."""

from __future__ import annotations

import json

import pytest

from conformance import (
    CLIENT_EVENT_MODELS,
    CLIENT_EVENT_TYPES,
    SERVER_EVENT_TYPES,
    extra_keys,
    validate_client_frame,
    validate_client_frames,
    validate_server_frame,
    validate_server_frames,
)

GA_SESSION_UPDATE = {
    "type": "session.update",
    "event_id": "evt_1",
    "session": {
        "type": "realtime",
        "output_modalities": ["audio"],
        "audio": {
            "input": {
                "format": {"type": "audio/pcm", "rate": 24000},
                "turn_detection": None,
            },
            "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "alloy"},
        },
    },
}
BETA_SESSION_UPDATE = {
    "type": "session.update",
    "event_id": "evt_1",
    "session": {
        "type": "realtime",
        "modalities": ["audio", "text"],
        "voice": "alloy",
        "input_audio_format": "pcm16",
        "turn_detection": None,
    },
}


def test_union_has_the_eleven_ga_client_events() -> None:
    """The SDK's client union unwraps to the 11 GA client events of the reference."""
    assert len(CLIENT_EVENT_MODELS) == 11
    assert {
        "session.update",
        "input_audio_buffer.append",
        "input_audio_buffer.commit",
        "input_audio_buffer.clear",
        "response.create",
        "response.cancel",
        "conversation.item.create",
        "conversation.item.truncate",
        "conversation.item.delete",
        "conversation.item.retrieve",
        "output_audio_buffer.clear",
    } == CLIENT_EVENT_TYPES


def test_server_union_has_the_events_we_parse() -> None:
    """The SDK's server union contains the GA names the parser reads."""
    assert {"response.output_audio.delta", "response.done", "error"} <= SERVER_EVENT_TYPES
    assert "response.audio.delta" not in SERVER_EVENT_TYPES  # the beta name is gone in GA


def test_ga_session_update_passes() -> None:
    """A hand-written GA session.update validates and returns the SDK model."""
    model = validate_client_frame(json.dumps(GA_SESSION_UPDATE))
    assert type(model).__name__ == "SessionUpdateEvent"


def test_beta_session_update_fails_naming_type_and_keys() -> None:
    """A beta-era session fails, and the message names the event and every beta key."""
    with pytest.raises(AssertionError) as info:
        validate_client_frame(json.dumps(BETA_SESSION_UPDATE))
    message = str(info.value)
    assert "session.update" in message
    for key in ("session.modalities", "session.voice", "session.input_audio_format"):
        assert key in message


def test_session_without_type_fails() -> None:
    """GA requires session.type; a session without it is invalid."""
    frame = {"type": "session.update", "session": {"output_modalities": ["audio"]}}
    with pytest.raises(AssertionError, match="invalid"):
        validate_client_frame(json.dumps(frame))


def test_nested_extra_key_is_found_with_its_path() -> None:
    """An unknown key deep inside a list of content parts is reported with its path."""
    frame = {
        "type": "conversation.item.create",
        "item": {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": "hi", "lang": "en"}],
        },
    }
    with pytest.raises(AssertionError, match=r"item\.content\[0\]\.lang"):
        validate_client_frame(json.dumps(frame))


@pytest.mark.parametrize("rate", [16000, "24000", 24000.5])
def test_wrong_or_coerced_rate_fails(rate: object) -> None:
    """Only the integer 24000 is a valid PCM rate; strict mode refuses coercion from a string."""
    frame = json.loads(json.dumps(GA_SESSION_UPDATE))
    frame["session"]["audio"]["input"]["format"]["rate"] = rate
    with pytest.raises(AssertionError):
        validate_client_frame(json.dumps(frame))


@pytest.mark.parametrize(
    "frame",
    ['{"type":"session.create"}', '{"event_id":"e"}', "[]", "not json", '{"type":null}'],
)
def test_malformed_frames_fail(frame: str) -> None:
    """Unknown types, missing types, non-objects and non-JSON all fail."""
    with pytest.raises(AssertionError, match="invalid"):
        validate_client_frame(frame)


def test_type_specific_fields_are_required() -> None:
    """input_audio_buffer.append without audio fails; with it, it passes."""
    with pytest.raises(AssertionError, match="audio"):
        validate_client_frame('{"type":"input_audio_buffer.append"}')
    validate_client_frame('{"type":"input_audio_buffer.append","audio":""}')


def test_frames_helper_names_the_failing_frame() -> None:
    """validate_client_frames reports the index of the first bad frame."""
    good = json.dumps(GA_SESSION_UPDATE)
    with pytest.raises(AssertionError, match="frame 1:"):
        validate_client_frames([good, json.dumps(BETA_SESSION_UPDATE), good])
    validate_client_frames([good, good])


def test_error_message_does_not_quote_huge_input() -> None:
    """A bad 1 MB append reports its problem without echoing the audio."""
    frame = json.dumps({"type": "input_audio_buffer.append", "audio": 5, "pad": "A" * 1_000_000})
    with pytest.raises(AssertionError) as info:
        validate_client_frame(frame)
    assert len(str(info.value)) < 2000


def test_server_frames_are_checked_too() -> None:
    """A GA server frame passes; the beta audio name and an unknown key fail."""
    delta = {
        "type": "response.output_audio.delta",
        "event_id": "ev1",
        "response_id": "r",
        "item_id": "i",
        "output_index": 0,
        "content_index": 0,
        "delta": "AAAA",
    }
    validate_server_frame(json.dumps(delta))
    with pytest.raises(AssertionError):
        validate_server_frame(json.dumps({**delta, "type": "response.audio.delta"}))
    with pytest.raises(AssertionError, match="extra_field"):
        validate_server_frames([json.dumps(delta), json.dumps({**delta, "extra_field": 1})])


def test_session_created_tolerates_only_the_documented_server_extras() -> None:
    """session.id/object/expires_at (sent by the real server, absent from the SDK) are allowed."""
    session = {"type": "realtime", "id": "sess_1", "object": "realtime.session", "expires_at": 1}
    frame = {"type": "session.created", "event_id": "ev1", "session": session}
    validate_server_frame(json.dumps(frame))
    with pytest.raises(AssertionError, match=r"session\.id"):
        validate_server_frame(json.dumps(frame), allowed_extras=frozenset())
    frame["session"] = {**session, "modalities": ["audio"]}
    with pytest.raises(AssertionError, match=r"session\.modalities"):
        validate_server_frame(json.dumps(frame))


def test_extra_keys_ignores_plain_json_inside_free_form_fields() -> None:
    """Free-form fields (a tool's JSON-schema parameters) hold no models, so no extras."""
    tool = {
        "type": "function",
        "name": "f",
        "parameters": {"type": "object", "properties": {"x": {"type": "string"}}},
    }
    frame = {"type": "session.update", "session": {"type": "realtime", "tools": [tool]}}
    model = validate_client_frame(json.dumps(frame))
    assert extra_keys(model) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("audio_end_ms", "1500"), ("content_index", "0"), ("audio_end_ms", 1500.0)],
)
def test_strict_mode_refuses_coerced_numbers(field: str, value: object) -> None:
    """Numbers sent as strings or floats are refused where the schema wants integers."""
    frame = {"type": "conversation.item.truncate", "item_id": "i", "content_index": 0}
    frame["audio_end_ms"] = 1500
    validate_client_frame(json.dumps(frame))
    frame[field] = value
    with pytest.raises(AssertionError, match=field):
        validate_client_frame(json.dumps(frame))
