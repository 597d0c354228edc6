"""The GA `session` object sent in session.update, built from the appliance's settings.

A new connection is a new, empty session: send the whole object after every session.created.
Pure: no I/O. Checked against openai-python's models by tests/core/test_session.py.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from typing import Any, Literal

from voiced.core.protocol import PCM_RATE_HZ
from voiced.core.status import HANDS_FREE_MODES, TalkMode

NoiseReduction = Literal["near_field", "far_field"]

BETA_SESSION_KEYS: dict[str, str | None] = {
    "modalities": "output_modalities",
    "voice": "audio.output.voice",
    "input_audio_format": "audio.input.format",
    "output_audio_format": "audio.output.format",
    "turn_detection": "audio.input.turn_detection",
    "input_audio_transcription": "audio.input.transcription",
    "input_audio_noise_reduction": "audio.input.noise_reduction",
    "temperature": None,
    "max_response_output_tokens": "max_output_tokens",
}
"""Top-level keys of the retired beta session, each with where GA wants it (None: nowhere)."""


def build_session(
    *,
    voice: str = "alloy",
    instructions: str | None = None,
    talk_mode: TalkMode = "hold",
    vad_threshold: float = 0.6,
    vad_silence_duration_ms: int = 800,
    vad_prefix_padding_ms: int = 300,
    transcription_model: str | None = "gpt-4o-mini-transcribe",
    noise_reduction: NoiseReduction | None = "far_field",
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The GA session for session.update.

    hold/toggle are push-to-talk: `turn_detection` is null and the client commits and asks
    for the response. vad lets the server detect turns, answer and be interrupted.
    `instructions` None leaves the server's default; `transcription_model` None and
    `noise_reduction` None switch those features off (JSON null). `extra` is deep-merged
    last (see deep_merge). Raises ValueError for out-of-range VAD settings.
    """
    if not (0.0 <= vad_threshold <= 1.0) or math.isnan(vad_threshold):
        raise ValueError(f"vad_threshold must be within 0..1, not {vad_threshold}")
    if vad_silence_duration_ms < 0 or vad_prefix_padding_ms < 0:
        raise ValueError("vad_silence_duration_ms and vad_prefix_padding_ms must not be negative")
    pcm_format = {"type": "audio/pcm", "rate": PCM_RATE_HZ}
    turn_detection: dict[str, Any] | None = None
    if talk_mode in HANDS_FREE_MODES:  # the server ends the turn, answers, is interrupted
        turn_detection = {
            "type": "server_vad",
            "threshold": vad_threshold,
            "prefix_padding_ms": vad_prefix_padding_ms,
            "silence_duration_ms": vad_silence_duration_ms,
            "create_response": True,
            "interrupt_response": True,
        }
    elif talk_mode not in ("hold", "toggle"):
        raise ValueError(f"talk_mode must be hold, toggle, vad or wake, not {talk_mode!r}")
    session: dict[str, Any] = {"type": "realtime", "output_modalities": ["audio"]}
    if instructions is not None:
        session["instructions"] = instructions
    session["audio"] = {
        "input": {
            "format": dict(pcm_format),
            "noise_reduction": None if noise_reduction is None else {"type": noise_reduction},
            "transcription": (
                None if transcription_model is None else {"model": transcription_model}
            ),
            "turn_detection": turn_detection,
        },
        "output": {"format": dict(pcm_format), "voice": voice},
    }
    return deep_merge(session, extra) if extra else session


def deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """A new dict: `over` merged into `base`, neither changed, nothing shared with either.

    - Where both sides hold a mapping, they merge key by key, recursively, except when both
      carry a `type` and the types differ: a different kind of object (semantic_vad over
      server_vad) replaces the old one whole, so no stale keys of the old kind survive.
    - Any other value in `over` replaces the one in `base`; lists are replaced, not joined.
    - None in `over` sets the key to None (JSON null), which is how GA switches a feature
      off (`turn_detection`, `transcription`, `noise_reduction`). It never deletes a key:
      session.update is partial, so an absent key would keep the server's current value.
    """
    merged = copy.deepcopy(dict(base))
    for key, value in over.items():
        old = merged.get(key)
        if isinstance(value, Mapping) and isinstance(old, Mapping) and _same_kind(old, value):
            merged[key] = deep_merge(old, value)
        elif isinstance(value, Mapping):
            merged[key] = deep_merge({}, value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _same_kind(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    return "type" not in old or "type" not in new or old["type"] == new["type"]


def beta_keys(session: Mapping[str, Any]) -> list[str]:
    """The beta-era top-level keys present in `session`, in BETA_SESSION_KEYS order.

    GA rejects or ignores them; BETA_SESSION_KEYS[key] says where each belongs in GA.
    """
    return [key for key in BETA_SESSION_KEYS if key in session]


_BETA_FORMATS: dict[str, dict[str, Any]] = {
    "pcm16": {"type": "audio/pcm", "rate": PCM_RATE_HZ},
    "g711_ulaw": {"type": "audio/pcmu"},
    "g711_alaw": {"type": "audio/pcma"},
}


class BetaKeyError(ValueError):
    """A beta-era session key with no exact GA place (or a value that has none)."""

    def __init__(self, key: str, problem: str) -> None:
        self.key = key
        super().__init__(f"{key}: {problem}")


def _ga_value(key: str, value: Any) -> Any:
    """The GA value for beta `key`'s `value`; BetaKeyError when there is no exact one."""
    if key in ("input_audio_format", "output_audio_format"):
        if isinstance(value, Mapping):
            return dict(value)
        if isinstance(value, str) and value in _BETA_FORMATS:
            return dict(_BETA_FORMATS[value])
        raise BetaKeyError(key, f"format {value!r} has no GA equivalent")
    if key == "modalities":
        if isinstance(value, list) and value and set(value) <= {"text", "audio"}:
            return ["audio"] if "audio" in value else ["text"]
        raise BetaKeyError(key, f"{value!r} is not text and/or audio")
    return copy.deepcopy(value)


def to_ga_session(session: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """`session` with each beta-era top-level key moved to its GA place.

    Returns (GA session, [(beta key, GA path)] moved). Raises BetaKeyError naming the key
    when a key has no GA place (temperature), its value has no exact GA equivalent, or the
    GA place is set too, to something else. Pure; `session` is not changed.
    """
    ga = copy.deepcopy(dict(session))
    moved: list[tuple[str, str]] = []
    for key in beta_keys(session):
        where = BETA_SESSION_KEYS[key]
        if where is None:
            raise BetaKeyError(key, "the GA session has no such setting; remove it")
        value = _ga_value(key, ga.pop(key))
        *parents, leaf = where.split(".")
        node = ga
        for part in parents:
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            if not isinstance(child, dict):
                raise BetaKeyError(key, f"{part} is not an object, so {where} cannot be set")
            node = child
        if leaf in node and node[leaf] != value:
            raise BetaKeyError(key, f"{where} is set too, to something else; keep one")
        node[leaf] = value
        moved.append((key, where))
    return ga, moved
