"""Validation and merging of ``session.update`` payloads (GA shape only).

``apply_session_update(current, update)`` returns the new full session or a
``ConfigError`` naming the offending parameter the way the API does
(``param`` like ``session.modalities``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from fakeserver.events import (
    SAMPLE_RATE_HZ,
    SEMANTIC_VAD_DEFAULTS,
    SERVER_VAD_DEFAULTS,
    VOICES,
    Event,
    deep_merge,
)

SESSION_KEYS = frozenset(
    {
        "type",
        "model",
        "output_modalities",
        "instructions",
        "audio",
        "include",
        "tracing",
        "tools",
        "tool_choice",
        "max_output_tokens",
        "truncation",
        "prompt",
        "parallel_tool_calls",
        "reasoning",
    }
)
AUDIO_INPUT_KEYS = frozenset({"format", "noise_reduction", "transcription", "turn_detection"})
AUDIO_OUTPUT_KEYS = frozenset({"format", "voice", "speed"})
TURN_DETECTION_KEYS = {
    "server_vad": frozenset(SERVER_VAD_DEFAULTS),
    "semantic_vad": frozenset(SEMANTIC_VAD_DEFAULTS),
}
FORMAT_TYPES = frozenset({"audio/pcm", "audio/pcmu", "audio/pcma"})


@dataclass(frozen=True)
class ConfigError(Exception):
    """A rejected ``session.update``: fields of the ``error`` event."""

    code: str
    message: str
    param: str


def _unknown(param: str) -> ConfigError:
    return ConfigError("unknown_parameter", f"Unknown parameter: '{param}'.", param)


def _invalid(param: str, message: str) -> ConfigError:
    return ConfigError("invalid_value", message, param)


def _check_keys(value: Any, allowed: frozenset[str], param: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError("invalid_type", f"Invalid type for '{param}': expected an object.", param)
    for key in value:
        if key not in allowed:
            raise _unknown(f"{param}.{key}")
    return value


def _check_format(value: Any, param: str) -> None:
    fmt = _check_keys(value, frozenset({"type", "rate"}), param)
    if fmt.get("type") not in FORMAT_TYPES:
        raise _invalid(
            f"{param}.type",
            f"Invalid value: '{fmt.get('type')}'. Supported values are: "
            "'audio/pcm', 'audio/pcmu', and 'audio/pcma'.",
        )
    if fmt.get("type") == "audio/pcm" and fmt.get("rate", SAMPLE_RATE_HZ) != SAMPLE_RATE_HZ:
        raise _invalid(
            f"{param}.rate",
            f"Invalid 'rate': {fmt.get('rate')}. Only 24000 Hz is supported for audio/pcm.",
        )


def _merge_turn_detection(current: Any, update: Any, param: str) -> Any:
    if update is None:
        return None
    td = _check_keys(
        update, TURN_DETECTION_KEYS["server_vad"] | TURN_DETECTION_KEYS["semantic_vad"], param
    )
    kind = td.get("type")
    if kind is None:
        raise ConfigError(
            "missing_required_parameter",
            f"Missing required parameter: '{param}.type'.",
            f"{param}.type",
        )
    if kind not in TURN_DETECTION_KEYS:
        raise _invalid(
            f"{param}.type",
            f"Invalid value: '{kind}'. Supported values are: 'server_vad' and 'semantic_vad'.",
        )
    _check_keys(td, TURN_DETECTION_KEYS[kind], param)
    threshold = td.get("threshold", 0.5)
    if not isinstance(threshold, int | float) or not 0.0 <= threshold <= 1.0:
        raise _invalid(f"{param}.threshold", "Invalid 'threshold': expected 0.0 to 1.0.")
    defaults = SERVER_VAD_DEFAULTS if kind == "server_vad" else SEMANTIC_VAD_DEFAULTS
    base = current if isinstance(current, dict) and current.get("type") == kind else defaults
    return deep_merge(base, td)


def apply_session_update(current: Event, update: Any, *, has_spoken: bool) -> Event:
    """Validate ``update`` (the ``session`` field) and return the merged full session.

    Raises ConfigError for: a missing or wrong ``session.type``; unknown or
    beta-era keys (``modalities``, ``voice``, ``input_audio_format``,
    ``turn_detection``, ``temperature`` ...); bad formats, voices and turn
    detection; a voice change after the model has spoken.
    """
    if not isinstance(update, dict):
        raise ConfigError(
            "missing_required_parameter", "Missing required parameter: 'session'.", "session"
        )
    if "type" not in update:
        raise ConfigError(
            "missing_required_parameter",
            "Missing required parameter: 'session.type'.",
            "session.type",
        )
    if update["type"] != "realtime":
        raise _invalid(
            "session.type",
            f"Invalid value: '{update['type']}'. Supported values are: 'realtime'.",
        )
    _check_keys(update, SESSION_KEYS, "session")
    update = copy.deepcopy(update)
    modalities = update.get("output_modalities")
    if modalities is not None and modalities not in (["audio"], ["text"]):
        raise _invalid(
            "session.output_modalities",
            "Invalid 'output_modalities': expected ['audio'] or ['text'].",
        )
    turn_detection: Any = "unchanged"
    audio = update.get("audio")
    if audio is not None:
        _check_keys(audio, frozenset({"input", "output"}), "session.audio")
        audio_in = audio.get("input")
        if audio_in is not None:
            _check_keys(audio_in, AUDIO_INPUT_KEYS, "session.audio.input")
            if "format" in audio_in:
                _check_format(audio_in["format"], "session.audio.input.format")
            if "turn_detection" in audio_in:
                turn_detection = _merge_turn_detection(
                    current["audio"]["input"].get("turn_detection"),
                    audio_in.pop("turn_detection"),
                    "session.audio.input.turn_detection",
                )
        audio_out = audio.get("output")
        if audio_out is not None:
            _check_keys(audio_out, AUDIO_OUTPUT_KEYS, "session.audio.output")
            if "format" in audio_out:
                _check_format(audio_out["format"], "session.audio.output.format")
            voice = audio_out.get("voice")
            if voice is not None:
                if not isinstance(voice, dict) and voice not in VOICES:
                    raise _invalid(
                        "session.audio.output.voice",
                        f"Invalid value: '{voice}'. Supported values are: "
                        + ", ".join(f"'{v}'" for v in sorted(VOICES))
                        + ".",
                    )
                if has_spoken and voice != current["audio"]["output"]["voice"]:
                    raise ConfigError(
                        "cannot_update_voice",
                        "Cannot update a conversation's voice if assistant audio is present.",
                        "session.audio.output.voice",
                    )
            speed = audio_out.get("speed")
            if speed is not None and (
                not isinstance(speed, int | float) or not 0.25 <= speed <= 1.5
            ):
                raise _invalid(
                    "session.audio.output.speed", "Invalid 'speed': expected 0.25 to 1.5."
                )
    merged = deep_merge(current, update)
    if turn_detection != "unchanged":
        merged["audio"]["input"]["turn_detection"] = turn_detection
    return merged
