"""What the realtime server can tell us: one immutable record per event the appliance acts on.

Records are NamedTuples, not frozen dataclasses: 21 dataclasses cost ~55 M instructions at
import (each generates and compiles its methods), NamedTuples ~1/4 of that. Compare events
by class and fields, never with `==` across classes (tuples of equal fields compare equal).

`parse_server_event` in `voiced.core.protocol` turns every text frame into exactly one of
these. Every class carries `event_id` (the server's id of the event, None when absent).
Match on the class (`isinstance` or `match`); there is no `type` field to compare.
"""

from __future__ import annotations

from typing import Any, Literal, NamedTuple, TypeAlias

Role = Literal["assistant", "user"]


class SessionCreated(NamedTuple):
    """`session.created`: a new, empty session; the full session.update must follow."""

    session: dict[str, Any]
    event_id: str | None = None


class SessionUpdated(NamedTuple):
    """`session.updated`: the server accepted a session.update (the whole session echoed)."""

    session: dict[str, Any]
    event_id: str | None = None


class SpeechStarted(NamedTuple):
    """`input_audio_buffer.speech_started` (server VAD): the user began speaking."""

    item_id: str
    audio_start_ms: int
    event_id: str | None = None


class SpeechStopped(NamedTuple):
    """`input_audio_buffer.speech_stopped` (server VAD): the user stopped speaking."""

    item_id: str
    audio_end_ms: int
    event_id: str | None = None


class InputCommitted(NamedTuple):
    """`input_audio_buffer.committed`: the input buffer became user item `item_id`."""

    item_id: str
    event_id: str | None = None


class InputCleared(NamedTuple):
    """`input_audio_buffer.cleared`: reply to input_audio_buffer.clear."""

    event_id: str | None = None


class InputTimeout(NamedTuple):
    """`input_audio_buffer.timeout_triggered`: server VAD's idle_timeout_ms ran out."""

    event_id: str | None = None


class ResponseCreated(NamedTuple):
    """`response.created`: a response (one at a time per conversation) has begun."""

    response_id: str
    event_id: str | None = None


class AudioDelta(NamedTuple):
    """`response.output_audio.delta` (beta: `response.audio.delta`): decoded 24 kHz s16le."""

    response_id: str
    item_id: str
    output_index: int
    content_index: int
    pcm: bytes
    event_id: str | None = None


class AudioDone(NamedTuple):
    """`response.output_audio.done` (beta: `response.audio.done`): no more audio for the item."""

    response_id: str
    item_id: str
    event_id: str | None = None


class TranscriptDelta(NamedTuple):
    """A piece of text: the assistant's transcript or text output, or the user's transcription."""

    role: Role
    item_id: str
    text: str
    response_id: str | None
    """None for the user's transcription (it belongs to no response)."""
    event_id: str | None = None


class TranscriptDone(NamedTuple):
    """The whole text of one item's transcript (assistant) or transcription (user)."""

    role: Role
    item_id: str
    text: str
    event_id: str | None = None


class TranscriptionFailed(NamedTuple):
    """`conversation.item.input_audio_transcription.failed`: the user's words stay unknown."""

    item_id: str
    message: str
    event_id: str | None = None


class OutputItemAdded(NamedTuple):
    """`response.output_item.added`: a response produced a new item (message, function call…)."""

    response_id: str
    item_id: str
    item_type: str
    role: str | None
    event_id: str | None = None


class FunctionCallDone(NamedTuple):
    """`response.function_call_arguments.done`: the model wants tool `name` run."""

    response_id: str
    item_id: str
    call_id: str
    name: str
    arguments: str
    """JSON text, as the model wrote it (may be invalid JSON)."""
    event_id: str | None = None


class ResponseDone(NamedTuple):
    """`response.done`: status is completed, cancelled, failed or incomplete."""

    response_id: str
    status: str
    error_code: str | None
    error_message: str | None
    event_id: str | None = None


class ItemTruncated(NamedTuple):
    """`conversation.item.truncated`: the assistant item now ends at `audio_end_ms`."""

    item_id: str
    content_index: int
    audio_end_ms: int
    event_id: str | None = None


class RateLimits(NamedTuple):
    """`rate_limits.updated`: each limit a dict (name, limit, remaining, reset_seconds)."""

    limits: list[dict[str, Any]]
    event_id: str | None = None


class ServerErrorEvent(NamedTuple):
    """`error`: `client_event_id` echoes the event_id of the client event that caused it."""

    error_type: str
    code: str | None
    message: str
    param: str | None
    client_event_id: str | None
    event_id: str | None = None


class OtherEvent(NamedTuple):
    """Any other well-formed event, known to the protocol or not: the appliance ignores it."""

    event_type: str
    data: dict[str, Any]
    event_id: str | None = None


class ProtocolViolation(NamedTuple):
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
