"""Response bookkeeping and truncation arithmetic: pure, fed by server events.

The server needs `conversation.item.truncate` with the audio the user actually *heard*
when they interrupt, clamped to what was received, and never at 0 ms (that is an error).
"""

from __future__ import annotations

from voiced.core.protocol import BYTES_PER_MS
from voiced.core.record import Record


class Truncation(Record):
    item_id: str
    content_index: int
    audio_end_ms: int


class ResponseTracker:
    """Which response is active, and how much audio each assistant item has delivered."""

    def __init__(self) -> None:
        self.active_response_id: str | None = None
        self.audio_item_id: str | None = None
        self.received_bytes: dict[str, int] = {}
        self.input_bytes = 0
        """Audio appended since the last commit or clear (the session is not idle meanwhile);
        whether a turn is long enough is the conversation machine's decision, not this."""

    def on_response_created(self, response_id: str) -> None:
        self.active_response_id = response_id

    def on_audio(self, response_id: str, item_id: str, nbytes: int) -> None:
        if self.active_response_id is None:
            self.active_response_id = response_id
        self.audio_item_id = item_id
        self.received_bytes[item_id] = self.received_bytes.get(item_id, 0) + nbytes
        if len(self.received_bytes) > 32:  # keep the bookkeeping bounded over months
            oldest = next(iter(self.received_bytes))
            del self.received_bytes[oldest]

    def on_response_done(self, response_id: str) -> None:
        if self.active_response_id == response_id or response_id == "":
            self.active_response_id = None

    def received_ms(self, item_id: str) -> int:
        return self.received_bytes.get(item_id, 0) // BYTES_PER_MS

    def truncation(self, played_ms: int) -> Truncation | None:
        """Where to truncate the current assistant item after `played_ms` were heard."""
        item = self.audio_item_id
        if item is None:
            return None
        end_ms = min(max(0, played_ms), self.received_ms(item))
        if end_ms <= 0:
            return None
        return Truncation(item, 0, end_ms)

    def on_appended(self, nbytes: int) -> None:
        self.input_bytes += nbytes

    def on_committed(self) -> None:
        self.input_bytes = 0

    @property
    def idle(self) -> bool:
        return self.active_response_id is None and self.input_bytes == 0
