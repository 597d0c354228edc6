"""What the realtime server can tell us: one frozen dataclass per event the appliance acts on.

`parse_server_event` in `voiced.core.protocol` turns every text frame into exactly one of
these. Every class carries `event_id` (the server's id of the event, None when absent).
Match on the class (`isinstance` or `match`); there is no `type` field to compare.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

Role = Literal["assistant", "user"]


@dataclass(frozen=True, slots=True)
class SessionCreated:
    """`session.created`: a new, empty session; the full session.update must follow."""

    session: dict[str, Any]
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class SessionUpdated:
    """`session.updated`: the server accepted a session.update (the whole session echoed)."""

    session: dict[str, Any]
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class SpeechStarted:
    """`input_audio_buffer.speech_started` (server VAD): the user began speaking."""

    item_id: str
    audio_start_ms: int
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class SpeechStopped:
    """`input_audio_buffer.speech_stopped` (server VAD): the user stopped speaking."""

    item_id: str
    audio_end_ms: int
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class InputCommitted:
    """`input_audio_buffer.committed`: the input buffer became user item `item_id`."""

    item_id: str
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class InputCleared:
    """`input_audio_buffer.cleared`: reply to input_audio_buffer.clear."""

    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class InputTimeout:
    """`input_audio_buffer.timeout_triggered`: server VAD's idle_timeout_ms ran out."""

    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class ResponseCreated:
    """`response.created`: a response (one at a time per conversation) has begun."""

    response_id: str
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class AudioDelta:
    """`response.output_audio.delta` (beta: `response.audio.delta`): decoded 24 kHz s16le."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int
    pcm: bytes
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class AudioDone:
    """`response.output_audio.done` (beta: `response.audio.done`): no more audio for the item."""

    response_id: str
    item_id: str
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class TranscriptDelta:
    """A piece of text: the assistant's transcript or text output, or the user's transcription."""

    role: Role
    item_id: str
    text: str
    response_id: str | None
    """None for the user's transcription (it belongs to no response)."""
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class TranscriptDone:
    """The whole text of one item's transcript (assistant) or transcription (user)."""

    role: Role
    item_id: str
    text: str
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class TranscriptionFailed:
    """`conversation.item.input_audio_transcription.failed`: the user's words stay unknown."""

    item_id: str
    message: str
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class OutputItemAdded:
    """`response.output_item.added`: a response produced a new item (message, function call…)."""

    response_id: str
    item_id: str
    item_type: str
    role: str | None
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class FunctionCallDone:
    """`response.function_call_arguments.done`: the model wants tool `name` run."""

    response_id: str
    item_id: str
    call_id: str
    name: str
    arguments: str
    """JSON text, as the model wrote it (may be invalid JSON)."""
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class ResponseDone:
    """`response.done`: status is completed, cancelled, failed or incomplete."""

    response_id: str
    status: str
    error_code: str | None
    error_message: str | None
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class ItemTruncated:
    """`conversation.item.truncated`: the assistant item now ends at `audio_end_ms`."""

    item_id: str
    content_index: int
    audio_end_ms: int
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class RateLimits:
    """`rate_limits.updated`: each limit a dict (name, limit, remaining, reset_seconds)."""

    limits: list[dict[str, Any]]
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class ServerErrorEvent:
    """`error`: `client_event_id` echoes the event_id of the client event that caused it."""

    error_type: str
    code: str | None
    message: str
    param: str | None
    client_event_id: str | None
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class OtherEvent:
    """Any other well-formed event, known to the protocol or not: the appliance ignores it."""

    event_type: str
    data: dict[str, Any]
    event_id: str | None = None


@dataclass(frozen=True, slots=True)
class ProtocolViolation:
    """A frame we cannot use. `reason` is short and never quotes the frame."""

    reason: str
    event_type: str | None
    event_id: str | None = None


ServerEvent: TypeAlias = (
    SessionCreated
    | SessionUpdated
    | SpeechStarted
    | SpeechStopped
    | InputCommitted
    | InputCleared
    | InputTimeout
    | ResponseCreated
    | AudioDelta
    | AudioDone
    | TranscriptDelta
    | TranscriptDone
    | TranscriptionFailed
    | OutputItemAdded
    | FunctionCallDone
    | ResponseDone
    | ItemTruncated
    | RateLimits
    | ServerErrorEvent
    | OtherEvent
    | ProtocolViolation
)
