"""What the realtime server can tell us: one immutable record per event the appliance acts on.

Records are `voiced.core.record.Record`s, not frozen dataclasses or NamedTuples: those
compile generated methods at import (22 dataclasses ~55 M instructions, 22 NamedTuples
~17 M); records compile none. Events of different classes never compare equal.

`parse_server_event` in `voiced.core.protocol` turns every text frame into exactly one of
these. Every class carries `event_id` (the server's id of the event, None when absent).
Match on the class (`isinstance` or `match`); there is no `type` field to compare.
"""

from __future__ import annotations

from typing import Any, Literal, TypeAlias

from voiced.core.record import Record

Role = Literal["assistant", "user"]


class SessionCreated(Record):
    """`session.created`: a new, empty session; the full session.update must follow."""

    session: dict[str, Any]
    event_id: str | None = None


class SessionUpdated(Record):
    """`session.updated`: the server accepted a session.update (the whole session echoed)."""

    session: dict[str, Any]
    event_id: str | None = None


class SpeechStarted(Record):
    """`input_audio_buffer.speech_started` (server VAD): the user began speaking."""

    item_id: str
    audio_start_ms: int
    event_id: str | None = None


class SpeechStopped(Record):
    """`input_audio_buffer.speech_stopped` (server VAD): the user stopped speaking."""

    item_id: str
    audio_end_ms: int
    event_id: str | None = None


class InputCommitted(Record):
    """`input_audio_buffer.committed`: the input buffer became user item `item_id`."""

    item_id: str
    event_id: str | None = None


class InputCleared(Record):
    """`input_audio_buffer.cleared`: reply to input_audio_buffer.clear."""

    event_id: str | None = None


class InputTimeout(Record):
    """`input_audio_buffer.timeout_triggered`: server VAD's idle_timeout_ms ran out."""

    event_id: str | None = None


class ResponseCreated(Record):
    """`response.created`: a response (one at a time per conversation) has begun."""

    response_id: str
    event_id: str | None = None


class AudioDelta(Record):
    """`response.output_audio.delta` (beta: `response.audio.delta`): decoded 24 kHz s16le."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int
    pcm: bytes
    event_id: str | None = None


class AudioDone(Record):
    """`response.output_audio.done` (beta: `response.audio.done`): no more audio for the item."""

    response_id: str
    item_id: str
    event_id: str | None = None


class TranscriptDelta(Record):
    """A piece of text: the assistant's transcript or text output, or the user's transcription."""

    role: Role
    item_id: str
    text: str
    response_id: str | None
    """None for the user's transcription (it belongs to no response)."""
    event_id: str | None = None


class TranscriptDone(Record):
    """The whole text of one item's transcript (assistant) or transcription (user)."""

    role: Role
    item_id: str
    text: str
    event_id: str | None = None


class TranscriptionFailed(Record):
    """`conversation.item.input_audio_transcription.failed`: the user's words stay unknown."""

    item_id: str
    message: str
    event_id: str | None = None


class OutputItemAdded(Record):
    """`response.output_item.added`: a response produced a new item (message, function call…)."""

    response_id: str
    item_id: str
    item_type: str
    role: str | None
    event_id: str | None = None


class FunctionCallDone(Record):
    """`response.function_call_arguments.done`: the model wants tool `name` run."""

    response_id: str
    item_id: str
    call_id: str
    name: str
    arguments: str
    """JSON text, as the model wrote it (may be invalid JSON)."""
    event_id: str | None = None


class ResponseDone(Record):
    """`response.done`: status is completed, cancelled, failed or incomplete."""

    response_id: str
    status: str
    error_code: str | None
    error_message: str | None
    event_id: str | None = None


class ItemTruncated(Record):
    """`conversation.item.truncated`: the assistant item now ends at `audio_end_ms`."""

    item_id: str
    content_index: int
    audio_end_ms: int
    event_id: str | None = None


class RateLimits(Record):
    """`rate_limits.updated`: each limit a dict (name, limit, remaining, reset_seconds)."""

    limits: list[dict[str, Any]]
    event_id: str | None = None


class ServerErrorEvent(Record):
    """`error`: `client_event_id` echoes the event_id of the client event that caused it."""

    error_type: str
    code: str | None
    message: str
    param: str | None
    client_event_id: str | None
    event_id: str | None = None


class OtherEvent(Record):
    """Any other well-formed event, known to the protocol or not: the appliance ignores it."""

    event_type: str
    data: dict[str, Any]
    event_id: str | None = None


class ProtocolViolation(Record):
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
