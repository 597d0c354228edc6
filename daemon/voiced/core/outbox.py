"""Frames kept while the link is down, bounded by the audio they carry; oldest dropped first."""

from __future__ import annotations

from collections import deque

from voiced.core.record import Record


class _Entry(Record):
    seq: int
    frame: str | bytes
    audio_ms: float


class Outbox:
    """Ordered client frames waiting for a configured session.

    Audio frames count against `max_audio_ms`; control frames (commit, response.create)
    ride along in order and are bounded by `max_control_frames`. When the audio bound is
    passed, the oldest frames go first and are counted in `dropped_audio_ms`.

    Delivery is peek-then-remove: `head()` gives the oldest frame, `sent(seq)` removes it
    once its send succeeded, so a drop in the middle of a delivery loses nothing.
    """

    def __init__(self, *, max_audio_ms: float, max_control_frames: int = 64) -> None:
        self.max_audio_ms = max_audio_ms
        self.max_control_frames = max_control_frames
        self._entries: deque[_Entry] = deque()
        self.audio_ms = 0.0
        self._control = 0
        self._seq = 0
        self.dropped_audio_ms = 0.0
        self.dropped_frames = 0
        self.dropped_since_drain_ms = 0.0
        """Audio lost during the current outage (reset by drain())."""

    def __len__(self) -> int:
        return len(self._entries)

    def put(self, frame: str | bytes, audio_ms: float = 0.0) -> float:
        """Keep `frame`; return the ms of audio dropped to make room (0 when none)."""
        self._seq += 1
        self._entries.append(_Entry(self._seq, frame, audio_ms))
        self.audio_ms += audio_ms
        if audio_ms == 0.0:
            self._control += 1
        dropped = 0.0
        while self._entries and (
            self.audio_ms > self.max_audio_ms or self._control > self.max_control_frames
        ):
            old = self._entries.popleft()
            self.audio_ms -= old.audio_ms
            if old.audio_ms == 0.0:
                self._control -= 1
            dropped += old.audio_ms
            self.dropped_frames += 1
        self.dropped_audio_ms += dropped
        self.dropped_since_drain_ms += dropped
        return dropped

    def head(self) -> tuple[int, str | bytes] | None:
        """(sequence number, frame) of the oldest frame kept, or None when empty."""
        if not self._entries:
            return None
        entry = self._entries[0]
        return entry.seq, entry.frame

    def sent(self, seq: int) -> None:
        """The frame numbered `seq` left: remove it (unless the bound dropped it meanwhile)."""
        if self._entries and self._entries[0].seq == seq:
            entry = self._entries.popleft()
            self.audio_ms = max(0.0, self.audio_ms - entry.audio_ms)
            if entry.audio_ms == 0.0:
                self._control -= 1
        if not self._entries:
            self.audio_ms = 0.0
            self._control = 0

    def end_outage(self) -> None:
        """Everything kept was delivered: the next outage counts its drops afresh."""
        self.dropped_since_drain_ms = 0.0

    def drain(self) -> list[str | bytes]:
        """Everything kept, oldest first; the outbox is empty afterwards."""
        frames = [e.frame for e in self._entries]
        self._entries.clear()
        self.dropped_since_drain_ms = 0.0
        self.audio_ms = 0.0
        self._control = 0
        return frames
