"""voiced.core.session: the GA session object, deep_merge and beta-key detection."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voiced.core.protocol import session_update
from voiced.core.session import BETA_SESSION_KEYS, beta_keys, build_session, deep_merge

from conformance import validate_client_frame

TOOLS_EXTRA: dict[str, Any] = {
    "tools": [
        {
            "type": "function",
            "name": "get_time",
            "description": "The current time.",
            "parameters": {"type": "object", "properties": {"tz": {"type": "string"}}},
        }
    ],
    "tool_choice": "auto",
    "audio": {"output": {"speed": 1.1}},
    "max_output_tokens": 400,
}


def _strict(session: dict[str, Any]) -> Any:
    return validate_client_frame(session_update("evt_1", session)).session


@pytest.mark.parametrize("talk_mode", ["hold", "toggle", "vad"])
@pytest.mark.parametrize("extra", [None, TOOLS_EXTRA])
def test_every_talk_mode_is_strict_ga(talk_mode: Any, extra: dict[str, Any] | None) -> None:
    """session.update of each talk mode, with and without extras, validates strictly."""
    session = build_session(talk_mode=talk_mode, instructions="Be brief.", extra=extra)
    model = _strict(session)
    assert model.type == "realtime"
    assert model.audio.output.voice == "alloy"


def test_push_to_talk_sends_explicit_null_turn_detection() -> None:
    """hold and toggle send turn_detection null (the key present), so the client commits."""
    for mode in ("hold", "toggle"):
        frame = session_update("e", build_session(talk_mode=mode))
        audio_input = json.loads(frame)["session"]["audio"]["input"]
        assert "turn_detection" in audio_input and audio_input["turn_detection"] is None


def test_default_session_has_the_documented_shape() -> None:
    """Formats are 24 kHz PCM both ways; voice, transcription and noise reduction are set."""
    session = build_session(voice="marin")
    assert session["type"] == "realtime"
    assert session["output_modalities"] == ["audio"]
    assert "instructions" not in session
    audio = session["audio"]
    assert audio["input"]["format"] == {"type": "audio/pcm", "rate": 24000}
    assert audio["output"]["format"] == {"type": "audio/pcm", "rate": 24000}
    assert audio["output"]["voice"] == "marin"
    assert audio["input"]["transcription"] == {"model": "gpt-4o-mini-transcribe"}
    assert audio["input"]["noise_reduction"] == {"type": "far_field"}


def test_vad_mode_sends_server_vad_with_given_settings() -> None:
    """vad mode: server_vad with the threshold and durations given, answering and interruptible."""
    session = build_session(
        talk_mode="vad",
        vad_threshold=0.7,
        vad_silence_duration_ms=1200,
        vad_prefix_padding_ms=200,
    )
    assert session["audio"]["input"]["turn_detection"] == {
        "type": "server_vad",
        "threshold": 0.7,
        "prefix_padding_ms": 200,
        "silence_duration_ms": 1200,
        "create_response": True,
        "interrupt_response": True,
    }


def test_features_switched_off_are_null_and_still_strict() -> None:
    """transcription_model None and noise_reduction None send nulls that GA accepts."""
    session = build_session(transcription_model=None, noise_reduction=None)
    assert session["audio"]["input"]["transcription"] is None
    assert session["audio"]["input"]["noise_reduction"] is None
    model = _strict(session)
    assert model.audio.input.transcription is None


def test_extra_of_another_turn_detection_kind_replaces_it_whole() -> None:
    """semantic_vad over server_vad keeps no server_vad keys and stays strict GA."""
    extra = {"audio": {"input": {"turn_detection": {"type": "semantic_vad", "eagerness": "low"}}}}
    session = build_session(talk_mode="vad", extra=extra)
    assert session["audio"]["input"]["turn_detection"] == {
        "type": "semantic_vad",
        "eagerness": "low",
    }
    _strict(session)


def test_extra_none_sets_null() -> None:
    """A None in extra turns the key into JSON null (GA's way to switch a feature off)."""
    extra = {"audio": {"input": {"turn_detection": None}}}
    session = build_session(talk_mode="vad", extra=extra)
    assert session["audio"]["input"]["turn_detection"] is None
    _strict(session)


def test_extra_edits_merge_into_defaults() -> None:
    """An extra of the same kind edits fields and keeps the rest."""
    extra = {
        "audio": {"input": {"turn_detection": {"type": "server_vad", "idle_timeout_ms": 9000}}}
    }
    turn_detection = build_session(talk_mode="vad", extra=extra)["audio"]["input"]["turn_detection"]
    assert turn_detection["idle_timeout_ms"] == 9000
    assert turn_detection["threshold"] == 0.6


def test_beta_session_via_extra_fails_strict_validation() -> None:
    """Beta keys merged in through extra are caught by the strict validator."""
    session = build_session(extra={"modalities": ["audio", "text"], "voice": "alloy"})
    with pytest.raises(AssertionError, match="modalities"):
        _strict(session)


def test_deep_merge_changes_and_shares_nothing() -> None:
    """deep_merge leaves both inputs untouched and its result aliases neither."""
    base = {"a": {"b": [1, 2], "c": 1}, "d": 1}
    over = {"a": {"b": [3], "e": {"f": 1}}, "g": [4]}
    base_copy, over_copy = copy.deepcopy(base), copy.deepcopy(over)
    merged = deep_merge(base, over)
    assert merged == {"a": {"b": [3], "c": 1, "e": {"f": 1}}, "d": 1, "g": [4]}
    merged["a"]["e"]["f"] = 2
    merged["g"].append(5)
    assert base == base_copy and over == over_copy


def test_deep_merge_replaces_non_mappings() -> None:
    """Scalars and lists replace; a mapping replaces a scalar and vice versa."""
    assert deep_merge({"a": 1, "b": {"x": 1}}, {"a": {"y": 2}, "b": 3}) == {"a": {"y": 2}, "b": 3}


@settings(max_examples=40, deadline=None)
@given(
    voice=st.sampled_from(["alloy", "ash", "ballad", "coral", "echo", "sage", "marin", "cedar"]),
    instructions=st.none() | st.text(max_size=50),
    talk_mode=st.sampled_from(["hold", "toggle", "vad"]),
    threshold=st.floats(0.0, 1.0),
    silence_ms=st.integers(0, 5000),
    padding_ms=st.integers(0, 2000),
    model=st.none() | st.sampled_from(["gpt-4o-mini-transcribe", "whisper-1"]),
    noise=st.sampled_from([None, "near_field", "far_field"]),
)
def test_any_valid_settings_give_strict_ga(
    voice: str,
    instructions: str | None,
    talk_mode: Any,
    threshold: float,
    silence_ms: int,
    padding_ms: int,
    model: str | None,
    noise: Any,
) -> None:
    """Whatever valid settings are chosen, session.update validates strictly."""
    session = build_session(
        voice=voice,
        instructions=instructions,
        talk_mode=talk_mode,
        vad_threshold=threshold,
        vad_silence_duration_ms=silence_ms,
        vad_prefix_padding_ms=padding_ms,
        transcription_model=model,
        noise_reduction=noise,
    )
    assert _strict(session).audio.output.voice == voice


@pytest.mark.parametrize(
    "kwargs",
    [
        {"vad_threshold": 1.5},
        {"vad_threshold": float("nan")},
        {"vad_silence_duration_ms": -1},
        {"talk_mode": "push"},
    ],
)
def test_out_of_range_settings_raise(kwargs: dict[str, Any]) -> None:
    """Settings outside their range raise ValueError instead of reaching the server."""
    with pytest.raises(ValueError):
        build_session(**kwargs)


def test_beta_keys_names_beta_keys_in_order() -> None:
    """beta_keys lists each beta-era top-level key present, and none of a GA session."""
    beta = {"temperature": 0.8, "voice": "alloy", "modalities": ["audio"], "type": "realtime"}
    assert beta_keys(beta) == ["modalities", "voice", "temperature"]
    assert beta_keys(build_session(talk_mode="vad", extra=TOOLS_EXTRA)) == []


def test_every_beta_key_fails_strict_validation() -> None:
    """Each key beta_keys reports is indeed rejected by the GA schema (the list is not stale)."""
    for key in BETA_SESSION_KEYS:
        with pytest.raises(AssertionError, match=key):
            _strict({"type": "realtime", key: None})
