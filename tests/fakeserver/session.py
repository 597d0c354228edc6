"""Protocol state of one fake Realtime connection: pure, no I/O, no sleeping.

``RealtimeSession.handle(event)`` takes one parsed client event and returns
actions for the connection driver: ``Send`` an event, ``StartStream`` (run the
response's ``stream()`` generator, pacing it), ``StopStream`` (cancel the
running stream before the following sends). ``on_sent(event)`` is called by
the driver for every event that actually went out: audio-sent accounting and
end-of-response bookkeeping happen there, so truncation checks use what the
client could really have received.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from fakeserver.actions import Action, ClientError, Send, StartStream, StopStream, decode_b64
from fakeserver.conversation import Conversation
from fakeserver.events import (
    BYTES_PER_MS,
    DELTA_BYTES,
    MIN_COMMIT_BYTES,
    Event,
    IdMaker,
    assistant_audio_item,
    default_session,
    error_event,
    response_object,
    split_text,
    user_audio_item,
)
from fakeserver.sessionconfig import ConfigError, apply_session_update
from fakeserver.vad import EnergyVad

CLIENT_EVENT_TYPES = (
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
)
# Keys ``response.create`` accepts in ``response`` (beta-era ``modalities``/``voice`` are not).
RESPONSE_KEYS = frozenset(
    {
        "conversation",
        "output_modalities",
        "instructions",
        "audio",
        "tools",
        "tool_choice",
        "max_output_tokens",
        "metadata",
        "input",
        "prompt",
    }
)


@dataclass
class ResponseState:
    """The one active response."""

    response_id: str
    item_id: str
    audio: bytes
    text: str
    transcript_sent: list[str] = field(default_factory=list)
    audio_sent_bytes: int = 0


class RealtimeSession:
    """Server-side protocol state for one WebSocket connection."""

    def __init__(
        self,
        *,
        conn_tag: str,
        model: str,
        session_max_s: float,
        response_audio: bytes,
        response_text: str,
    ) -> None:
        self.ids = IdMaker(conn_tag)
        self.config: Event = default_session(self.ids.new("sess"), model, session_max_s)
        self.response_audio = response_audio
        self.response_text = response_text
        self.conversation = Conversation()
        self.input_audio = bytearray()
        self.committed_audio: list[bytes] = []
        self.truncations: list[tuple[str, int]] = []
        self.has_spoken = False
        self.active: ResponseState | None = None
        self._buffer = bytearray()
        self._buffer_start_bytes = 0
        self._speech_item_id: str | None = None
        self._vad: EnergyVad | None = None
        self._configure_vad()

    # -- building events -------------------------------------------------------------

    def event(self, event_type: str, **fields: Any) -> Event:
        """A server event with a fresh ``event_id``."""
        return {"type": event_type, "event_id": self.ids.new("event"), **fields}

    def error(
        self,
        code: str | None,
        message: str,
        *,
        param: str | None = None,
        error_type: str = "invalid_request_error",
        client_event_id: str | None = None,
    ) -> Event:
        """An ``error`` event with a fresh ``event_id``."""
        return error_event(
            self.ids.new("event"),
            code=code,
            message=message,
            error_type=error_type,
            param=param,
            client_event_id=client_event_id,
        )

    def session_created(self) -> Event:
        """The first event of every connection."""
        return self.event("session.created", session=self.config)

    # -- client events ---------------------------------------------------------------

    def handle(self, event: Event) -> list[Action]:
        """Apply one parsed client event (a JSON object); return what to do."""
        client_event_id = event.get("event_id")
        if not isinstance(client_event_id, str):
            client_event_id = None
        event_type = event.get("type")
        try:
            if not isinstance(event_type, str):
                raise ClientError(
                    "missing_required_parameter", "Missing required parameter: 'type'.", "type"
                )
            if event_type not in CLIENT_EVENT_TYPES:
                supported = ", ".join(f"'{t}'" for t in CLIENT_EVENT_TYPES)
                raise ClientError(
                    "invalid_value",
                    f"Invalid value: '{event_type}'. Supported values are: {supported}.",
                    "type",
                )
            handler = getattr(self, "_on_" + event_type.replace(".", "_"))
            actions: list[Action] = handler(event)
            return actions
        except ClientError as exc:
            error = self.error(
                exc.code, exc.message, param=exc.param, client_event_id=client_event_id
            )
            return [Send(error)]

    def _on_session_update(self, event: Event) -> list[Action]:
        try:
            self.config = apply_session_update(
                self.config, event.get("session"), has_spoken=self.has_spoken
            )
        except ConfigError as exc:
            raise ClientError(exc.code, exc.message, exc.param) from None
        self._configure_vad()
        return [Send(self.event("session.updated", session=self.config))]

    def _on_input_audio_buffer_append(self, event: Event) -> list[Action]:
        audio = decode_b64(event.get("audio"), "audio")
        self.input_audio += audio
        self._buffer += audio
        if self._vad is None:
            return []
        actions: list[Action] = []
        turn_detection = self._turn_detection()
        for edge in self._vad.feed(audio):
            if edge.kind == "started":
                prefix_ms = int(turn_detection.get("prefix_padding_ms") or 0)
                self._speech_item_id = self.ids.new("item")
                started = self.event(
                    "input_audio_buffer.speech_started",
                    audio_start_ms=max(0, edge.audio_ms - prefix_ms),
                    item_id=self._speech_item_id,
                )
                actions.append(Send(started))
                if self.active is not None and turn_detection.get("interrupt_response", True):
                    actions += self._cancel_active("turn_detected")
            else:
                item_id = self._speech_item_id or self.ids.new("item")
                stopped = self.event(
                    "input_audio_buffer.speech_stopped",
                    audio_end_ms=edge.audio_ms,
                    item_id=item_id,
                )
                actions.append(Send(stopped))
                actions += self._commit(edge.offset_bytes - self._buffer_start_bytes, item_id)
                if turn_detection.get("create_response", True) and self.active is None:
                    actions += self._start_response()
        return actions

    def _on_input_audio_buffer_commit(self, event: Event) -> list[Action]:
        if len(self._buffer) < MIN_COMMIT_BYTES:
            raise ClientError(
                "input_audio_buffer_commit_empty",
                "Error committing input audio buffer: buffer too small. Expected at least "
                f"100ms of audio, but buffer only has {len(self._buffer) / BYTES_PER_MS:.2f}ms "
                "of audio.",
            )
        actions = self._commit(len(self._buffer), self._speech_item_id or self.ids.new("item"))
        if self._vad is not None:
            self._vad.reset(self._buffer_start_bytes)
        return actions

    def _on_input_audio_buffer_clear(self, event: Event) -> list[Action]:
        self._buffer_start_bytes += len(self._buffer)
        self._buffer.clear()
        self._speech_item_id = None
        if self._vad is not None:
            self._vad.reset(self._buffer_start_bytes)
        return [Send(self.event("input_audio_buffer.cleared"))]

    def _on_response_create(self, event: Event) -> list[Action]:
        params = event.get("response") or {}
        if not isinstance(params, dict):
            raise ClientError("invalid_type", "Invalid type for 'response'.", "response")
        for key in params:
            if key not in RESPONSE_KEYS:
                raise ClientError(
                    "unknown_parameter", f"Unknown parameter: 'response.{key}'.", f"response.{key}"
                )
        if self.active is not None:
            raise ClientError(
                "conversation_already_has_active_response",
                "Conversation already has an active response in progress: "
                f"{self.active.response_id}. Wait until the response is finished before "
                "creating a new one.",
            )
        return self._start_response()

    def _on_response_cancel(self, event: Event) -> list[Action]:
        wanted = event.get("response_id")
        if self.active is None or (wanted is not None and wanted != self.active.response_id):
            raise ClientError(
                "response_cancel_not_active", "Cancellation failed: no active response found."
            )
        return self._cancel_active("client_cancelled")

    def _on_conversation_item_create(self, event: Event) -> list[Action]:
        previous = event.get("previous_item_id")
        body = self.conversation.validate_client_item(
            event.get("item"), previous, self.ids.new("item")
        )
        return self._add_item(body, previous)

    def _on_conversation_item_truncate(self, event: Event) -> list[Action]:
        item = self.conversation.truncate(
            event.get("item_id"), event.get("content_index"), event.get("audio_end_ms")
        )
        item_id, audio_end_ms = item.body["id"], int(event["audio_end_ms"])
        self.truncations.append((item_id, audio_end_ms))
        truncated = self.event(
            "conversation.item.truncated",
            item_id=item_id,
            content_index=0,
            audio_end_ms=audio_end_ms,
        )
        return [Send(truncated)]

    def _on_conversation_item_delete(self, event: Event) -> list[Action]:
        item_id = self.conversation.delete(event.get("item_id"))
        return [Send(self.event("conversation.item.deleted", item_id=item_id))]

    def _on_conversation_item_retrieve(self, event: Event) -> list[Action]:
        item = self.conversation.get(event.get("item_id"))
        return [Send(self.event("conversation.item.retrieved", item=item.body))]

    def _on_output_audio_buffer_clear(self, event: Event) -> list[Action]:
        raise ClientError(
            "invalid_value",
            "output_audio_buffer.clear is only supported for WebRTC and SIP connections.",
            "type",
        )

    # -- helpers ---------------------------------------------------------------------

    def _turn_detection(self) -> Event:
        td = self.config["audio"]["input"].get("turn_detection")
        return td if isinstance(td, dict) else {}

    def _configure_vad(self) -> None:
        td = self._turn_detection()
        if not td:
            self._vad = None
            return
        self._vad = EnergyVad(
            threshold=float(td.get("threshold", 0.5)),
            silence_duration_ms=int(td.get("silence_duration_ms") or 500),
            start_offset_bytes=self._buffer_start_bytes + len(self._buffer),
        )

    def _add_item(self, body: Event, previous_item_id: str | None = None) -> list[Action]:
        previous = self.conversation.add(body, previous_item_id)
        return [
            Send(self.event("conversation.item.added", previous_item_id=previous, item=body)),
            Send(self.event("conversation.item.done", previous_item_id=previous, item=body)),
        ]

    def _commit(self, cut: int, item_id: str) -> list[Action]:
        audio = bytes(self._buffer[:cut])
        del self._buffer[:cut]
        self._buffer_start_bytes += cut
        self._speech_item_id = None
        self.committed_audio.append(audio)
        committed = self.event(
            "input_audio_buffer.committed",
            previous_item_id=self.conversation.last_id,
            item_id=item_id,
        )
        actions: list[Action] = [Send(committed)]
        actions += self._add_item(user_audio_item(item_id))
        if self.config["audio"]["input"].get("transcription"):
            seconds = len(audio) / (BYTES_PER_MS * 1000)
            transcript = f"(user audio {seconds:.2f} s)"
            self.conversation.items[item_id].body["content"][0]["transcript"] = transcript
            completed = self.event(
                "conversation.item.input_audio_transcription.completed",
                item_id=item_id,
                content_index=0,
                transcript=transcript,
                usage={"type": "duration", "seconds": round(seconds, 3)},
            )
            actions.append(Send(completed))
        return actions

    def _voice(self) -> str:
        voice = self.config["audio"]["output"]["voice"]
        return voice if isinstance(voice, str) else str(voice.get("id", "custom"))

    def _start_response(self) -> list[Action]:
        response_id = self.ids.new("resp")
        self.active = ResponseState(
            response_id, self.ids.new("item"), self.response_audio, self.response_text
        )
        created = response_object(response_id, status="in_progress", voice=self._voice(), output=[])
        return [Send(self.event("response.created", response=created)), StartStream(response_id)]

    def _cancel_active(self, reason: str) -> list[Action]:
        resp = self.active
        assert resp is not None
        self.active = None
        actions: list[Action] = [StopStream()]
        item = self.conversation.items.get(resp.item_id)
        output: list[Event] = []
        if item is not None:
            item.body["status"] = "incomplete"
            item.body["content"][0]["transcript"] = "".join(resp.transcript_sent)
            output = [item.body]
            item_done = self.event(
                "response.output_item.done",
                response_id=resp.response_id,
                output_index=0,
                item=item.body,
            )
            actions.append(Send(item_done))
        done = response_object(
            resp.response_id,
            status="cancelled",
            voice=self._voice(),
            output=output,
            status_details={"type": "cancelled", "reason": reason},
            audio_ms=resp.audio_sent_bytes // BYTES_PER_MS,
        )
        actions.append(Send(self.event("response.done", response=done)))
        return actions

    # -- streaming -------------------------------------------------------------------

    def stream(self, response_id: str) -> Iterator[tuple[float, Event]]:
        """Yield ``(audio_offset_s, event)`` for the active response, built lazily.

        ``audio_offset_s`` is where the event falls on the audio timeline: a
        realtime-paced driver sends each delta when its audio would start playing.
        """
        resp = self.active
        if resp is None or resp.response_id != response_id:
            return
        ids = {
            "response_id": response_id,
            "item_id": resp.item_id,
            "output_index": 0,
            "content_index": 0,
        }
        body = assistant_audio_item(resp.item_id, "in_progress", "")
        previous = self.conversation.add(body)
        yield (
            0.0,
            self.event(
                "response.output_item.added", response_id=response_id, output_index=0, item=body
            ),
        )
        yield 0.0, self.event("conversation.item.added", previous_item_id=previous, item=body)
        part = {"type": "audio", "transcript": ""}
        yield 0.0, self.event("response.content_part.added", **ids, part=part)
        audio = resp.audio
        chunks = [audio[i : i + DELTA_BYTES] for i in range(0, len(audio), DELTA_BYTES)]
        pieces = split_text(resp.text, len(chunks))
        offset_s = 0.0
        for chunk, piece in zip(chunks, pieces, strict=True):
            if piece:
                yield (
                    offset_s,
                    self.event("response.output_audio_transcript.delta", **ids, delta=piece),
                )
            delta = base64.b64encode(chunk).decode("ascii")
            yield offset_s, self.event("response.output_audio.delta", **ids, delta=delta)
            offset_s += len(chunk) / (BYTES_PER_MS * 1000)
        transcript = resp.text if chunks else ""
        part = {"type": "audio", "transcript": transcript}
        yield offset_s, self.event("response.output_audio.done", **ids)
        yield (
            offset_s,
            self.event("response.output_audio_transcript.done", **ids, transcript=transcript),
        )
        yield offset_s, self.event("response.content_part.done", **ids, part=part)
        body["status"] = "completed"
        body["content"][0]["transcript"] = transcript
        yield (
            offset_s,
            self.event(
                "response.output_item.done", response_id=response_id, output_index=0, item=body
            ),
        )
        yield offset_s, self.event("conversation.item.done", previous_item_id=previous, item=body)
        done = response_object(
            response_id,
            status="completed",
            voice=self._voice(),
            output=[body],
            status_details=None,
            audio_ms=resp.audio_sent_bytes // BYTES_PER_MS,
        )
        yield offset_s, self.event("response.done", response=done)

    def on_sent(self, event: Event) -> None:
        """Bookkeeping for an event that went out to the client."""
        event_type = event.get("type")
        resp = self.active
        if resp is None:
            return
        if event_type == "response.output_audio.delta" and event.get("item_id") == resp.item_id:
            size = len(base64.b64decode(event["delta"]))
            resp.audio_sent_bytes += size
            item = self.conversation.items.get(resp.item_id)
            if item is not None:
                item.audio_sent_bytes += size
            self.has_spoken = True
        elif event_type == "response.output_audio_transcript.delta":
            resp.transcript_sent.append(event["delta"])
        elif event_type == "response.done" and event["response"]["id"] == resp.response_id:
            self.active = None
