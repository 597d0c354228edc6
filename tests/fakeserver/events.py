"""Builders for the server events the fake sends (GA Realtime shapes).

Pure helpers: no I/O, no clock except ``expires_at`` in the session object.
Event and item ids are deterministic per connection (``IdMaker``) so test
failures are reproducible.
"""

from __future__ import annotations

import copy
import itertools
import time
from typing import Any

Event = dict[str, Any]

SAMPLE_RATE_HZ = 24_000
BYTES_PER_MS = 48  # 24 kHz, 16-bit mono
MIN_COMMIT_BYTES = 100 * BYTES_PER_MS  # 4,800 bytes = 100 ms
DELTA_BYTES = 50 * BYTES_PER_MS  # 2,400 bytes = 50 ms per response.output_audio.delta

VOICES = frozenset(
    {"alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse", "marin", "cedar"}
)

SERVER_VAD_DEFAULTS: dict[str, Any] = {
    "type": "server_vad",
    "threshold": 0.5,
    "prefix_padding_ms": 300,
    "silence_duration_ms": 500,
    "idle_timeout_ms": None,
    "create_response": True,
    "interrupt_response": True,
}
SEMANTIC_VAD_DEFAULTS: dict[str, Any] = {
    "type": "semantic_vad",
    "eagerness": "auto",
    "create_response": True,
    "interrupt_response": True,
}

DEFAULT_INSTRUCTIONS = (
    "You are a helpful, witty, and friendly AI. Keep your answers short. "
    "(Default instructions of the fake Realtime server.)"
)


class IdMaker:
    """Deterministic ids such as ``event_c01_000017`` (prefix, connection tag, counter)."""

    def __init__(self, conn_tag: str) -> None:
        self._conn_tag = conn_tag
        self._counter = itertools.count(1)

    def new(self, prefix: str) -> str:
        """Return a fresh id with ``prefix`` (``event``, ``item``, ``resp``, ...)."""
        return f"{prefix}_{self._conn_tag}_{next(self._counter):06d}"


def default_session(session_id: str, model: str, session_max_s: float) -> Event:
    """The full session object a GA server reports in ``session.created``."""
    return {
        "type": "realtime",
        "object": "realtime.session",
        "id": session_id,
        "model": model,
        "output_modalities": ["audio"],
        "instructions": DEFAULT_INSTRUCTIONS,
        "tools": [],
        "tool_choice": "auto",
        "max_output_tokens": "inf",
        "tracing": None,
        "truncation": "auto",
        "prompt": None,
        "include": None,
        "expires_at": int(time.time() + session_max_s),
        "audio": {
            "input": {
                "format": {"type": "audio/pcm", "rate": SAMPLE_RATE_HZ},
                "transcription": None,
                "noise_reduction": None,
                "turn_detection": copy.deepcopy(SERVER_VAD_DEFAULTS),
            },
            "output": {
                "format": {"type": "audio/pcm", "rate": SAMPLE_RATE_HZ},
                "voice": "alloy",
                "speed": 1.0,
            },
        },
    }


def error_event(
    event_id: str,
    *,
    code: str | None,
    message: str,
    error_type: str = "invalid_request_error",
    param: str | None = None,
    client_event_id: str | None = None,
) -> Event:
    """An ``error`` server event; ``client_event_id`` echoes the offending client event."""
    return {
        "type": "error",
        "event_id": event_id,
        "error": {
            "type": error_type,
            "code": code,
            "message": message,
            "param": param,
            "event_id": client_event_id,
        },
    }


def user_audio_item(item_id: str) -> Event:
    """The user message item a commit creates."""
    return {
        "id": item_id,
        "object": "realtime.item",
        "type": "message",
        "status": "completed",
        "role": "user",
        "content": [{"type": "input_audio", "transcript": None}],
    }


def assistant_audio_item(item_id: str, status: str, transcript: str) -> Event:
    """The assistant message item a response streams into."""
    return {
        "id": item_id,
        "object": "realtime.item",
        "type": "message",
        "status": status,
        "role": "assistant",
        "content": [{"type": "output_audio", "transcript": transcript}],
    }


def response_object(
    response_id: str,
    *,
    status: str,
    voice: str,
    output: list[Event],
    status_details: Event | None = None,
    audio_ms: int = 0,
) -> Event:
    """The ``response`` object carried by ``response.created`` and ``response.done``."""
    finished = status != "in_progress"
    output_tokens = audio_ms // 50 if finished else 0
    return {
        "object": "realtime.response",
        "id": response_id,
        "status": status,
        "status_details": status_details,
        "output": output,
        "conversation_id": "conv_fake",
        "output_modalities": ["audio"],
        "max_output_tokens": "inf",
        "audio": {
            "output": {"format": {"type": "audio/pcm", "rate": SAMPLE_RATE_HZ}, "voice": voice}
        },
        "usage": (
            {
                "total_tokens": 10 + output_tokens,
                "input_tokens": 10,
                "output_tokens": output_tokens,
            }
            if finished
            else None
        ),
        "metadata": None,
    }


def split_text(text: str, pieces: int) -> list[str]:
    """Split ``text`` into ``pieces`` consecutive parts (some may be empty) that join back."""
    if pieces <= 0:
        return []
    size, extra = divmod(len(text), pieces)
    parts: list[str] = []
    start = 0
    for index in range(pieces):
        end = start + size + (1 if index < extra else 0)
        parts.append(text[start:end])
        start = end
    return parts


def deep_merge(base: Event, update: Event) -> Event:
    """Return ``base`` updated by ``update``: dicts merge recursively, anything else replaces."""
    merged = copy.deepcopy(base)
    for key, value in update.items():
        current = merged.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            merged[key] = deep_merge(current, value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged
