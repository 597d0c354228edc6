"""The voice API the documentation page describes: connect, send, answer, close, events.

Events (`voice.on(name, handler)`; handlers may be coroutine functions):
- "speaker" (SpeakerStream): one async iterator of 24 kHz s16le chunks per response.
- "speaking" (pcm: bytes, response_id: str): each audio chunk as it arrives.
- "writing" (text: str, role: "user" | "assistant"): assistant transcript deltas, and the
  user's transcript once it is complete.
- "response_started" (response_id), "response_done" (response_id, status).
- "speech_started" (), "speech_stopped" (): the server's VAD heard the user start/stop.
- "state" (state: LinkState, detail: str): the connection state (a str enum: "connecting",
  "live", "offline", "failed", "closed", …) and a human line saying why.
- "error" (RealtimeError): something a person may need to know; fatal ones stop the link.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import AsyncIterable, Awaitable, Callable, Mapping
from typing import Any

from voiced.core.conversation import ResponseTracker
from voiced.voice.events import Emitter
from voiced.voice.stream import SpeakerStream

log = logging.getLogger(__name__)

#: Finished response ids remembered, so late frames of a finished response open nothing.
REMEMBERED_RESPONSE_IDS = 32

VOICES = ("alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse", "marin", "cedar")

Audio = bytes | AsyncIterable[bytes]
Tool = Callable[[dict[str, Any]], Awaitable[Any]]
"""A function tool: called with the model's arguments, returns the result (JSON-able)."""


class Voice(Emitter):
    """A voice provider. This base has no realtime support: connect() warns and returns."""

    realtime = False

    def __init__(self, *, speaker: str = "alloy") -> None:
        super().__init__()
        self.speaker = speaker

    # Every method of the API, declared here once. This base has no realtime support: the
    # calls that would need a session warn (connect() returns at once, as documented).

    async def connect(self, timeout: float = 10.0, reconnect: bool = False) -> None:
        """Open the session; return once it is live and configured (within `timeout` s)."""
        self._unsupported("connect")

    def start(self) -> None:
        """Keep a session up in the background (the daemon's way)."""

    async def send(self, audio: Audio) -> None:
        """Append 24 kHz s16le mono audio: bytes, or an async iterable of chunks."""
        self._unsupported("send")

    async def answer(self) -> None:
        """End the user's turn (push-to-talk: commit it) and ask for a response."""
        self._unsupported("answer")

    async def clear_input(self) -> None:
        """Forget the input buffered since the last commit."""

    async def interrupt(self, played_ms: int | None = None) -> None:
        """Stop the current response (barge-in), truncated to the `played_ms` heard."""

    async def speak(self, text: str) -> None:
        """Have the assistant say `text` aloud."""
        self._unsupported("speak")

    async def send_text(self, text: str, *, respond: bool = True) -> None:
        """Add a user text message (and ask for a response)."""
        self._unsupported("send_text")

    async def update_config(self, session: Mapping[str, Any]) -> None:
        """Merge session fields; kept for every later session."""

    async def add_instructions(self, instructions: str) -> None:
        """Set the system prompt."""

    async def add_tools(self, tools: Mapping[str, tuple[str, dict[str, Any], Tool]]) -> None:
        """Function tools: name → (description, JSON-schema parameters, async callable)."""

    def retry_now(self) -> None:
        """A person acted: forget the reconnect backoff (and a fatal stop) and connect now."""

    @property
    def connected(self) -> bool:
        return False

    async def close(self) -> None:
        """Release everything; safe to call twice."""

    def get_speakers(self) -> list[str]:
        return list(VOICES)

    def _unsupported(self, method: str) -> None:
        log.warning(
            "%s has no realtime (speech-to-speech) support: %s() does nothing",
            type(self).__name__,
            method,
        )


#: The voice API, by name: what CompositeVoice delegates and every provider implements.
API_METHODS = (
    "connect",
    "start",
    "send",
    "answer",
    "clear_input",
    "interrupt",
    "speak",
    "send_text",
    "update_config",
    "add_instructions",
    "add_tools",
    "retry_now",
    "close",
    "get_speakers",
)


class RealtimeVoice(Voice):
    """Shared bookkeeping of realtime providers: responses, streams and the events above."""

    realtime = True

    def __init__(self, *, speaker: str = "alloy") -> None:
        super().__init__(speaker=speaker)
        self.tracker = ResponseTracker()
        self._streams: dict[str, SpeakerStream] = {}
        self._finished_ids: deque[str] = deque(maxlen=REMEMBERED_RESPONSE_IDS)
        self.unknown_deltas = 0
        """Audio deltas dropped because they belong to no active response."""

    @property
    def idle(self) -> bool:
        """Nothing is being said in either direction (rotation waits for this)."""
        return self.tracker.idle

    def _response_started(self, response_id: str) -> None:
        if response_id in self._finished_ids:  # response.done came first: nothing to start
            return
        self.tracker.on_response_created(response_id)
        self._stream_for(response_id)
        self.emit("response_started", response_id)

    def _stream_for(self, response_id: str) -> SpeakerStream | None:
        """The stream of the active response; at most one is open at any time."""
        stream = self._streams.get(response_id)
        if stream is None and self.listens("speaker"):
            if response_id != self.tracker.active_response_id:
                return None
            for other in list(self._streams):  # a response the server replaced
                self._response_done(other, "superseded")
            stream = self._streams[response_id] = SpeakerStream(response_id)
            self.emit("speaker", stream)
        return stream

    def _audio(self, response_id: str, item_id: str, pcm: bytes) -> None:
        active = self.tracker.active_response_id
        if active is None and response_id not in self._finished_ids:
            self._response_started(response_id)
            active = response_id
        if response_id != active:
            self.unknown_deltas += 1
            log.log(
                logging.WARNING if self.unknown_deltas == 1 else logging.DEBUG,
                "dropped audio for a response that is not active (%d so far)",
                self.unknown_deltas,
                extra={"VOICED_EVENT": "protocol_violation"},
            )
            return
        self.tracker.on_audio(response_id, item_id, len(pcm))
        stream = self._stream_for(response_id)
        if stream is not None:
            stream.put(pcm)
        self.emit("speaking", pcm, response_id)

    def _response_done(self, response_id: str, status: str) -> None:
        self.tracker.on_response_done(response_id)
        if response_id and response_id not in self._finished_ids:
            self._finished_ids.append(response_id)
        stream = self._streams.pop(response_id, None)
        if stream is not None:
            stream.end()
        self.emit("response_done", response_id, status)

    def _abort_responses(self, status: str) -> None:
        """The link dropped mid-response: end every open stream."""
        for response_id in list(self._streams):
            self._response_done(response_id, status)
        if self.tracker.active_response_id is not None:
            self._response_done(self.tracker.active_response_id, status)
