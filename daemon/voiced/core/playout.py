"""Played-position accounting: how much of each response actually reached the speaker.

Pure: the device writer records what it wrote (and how much was still queued in the device
right after); the event loop asks with the time passed in. Frames "played" are frames written
minus what the device still holds. Between two writes the device drains at its rate, so the
estimate advances with the clock, but never past what was written.
"""

from __future__ import annotations

from collections import OrderedDict

from voiced.core.jitter import Segment


def frames_to_ms(frames: int, rate_hz: int) -> int:
    return frames * 1000 // rate_hz


def ms_to_frames(ms: float, rate_hz: int) -> int:
    return int(ms * rate_hz) // 1000


class PlayoutLedger:
    """Where each response sits on the device's frame timeline, and where playback is."""

    def __init__(self, *, rate_hz: int, keep_responses: int = 64) -> None:
        self.rate_hz = rate_hz
        self.written_frames = 0
        """Frames handed to the device since start (audio and silence)."""
        self._spans: OrderedDict[str, list[tuple[int, int]]] = OrderedDict()
        self._keep = keep_responses
        self._queued_at_write = 0
        self._write_time_s: float | None = None

    def record(self, segments: list[Segment], *, queued_frames: int, now_s: float) -> None:
        """The writer wrote `segments`; the device then held `queued_frames` unplayed."""
        for seg in segments:
            start, end = self.written_frames, self.written_frames + seg.frames
            if seg.response_id is not None and seg.frames:
                spans = self._spans.setdefault(seg.response_id, [])
                self._spans.move_to_end(seg.response_id)
                if spans and spans[-1][1] == start:
                    spans[-1] = (spans[-1][0], end)
                else:
                    spans.append((start, end))
            self.written_frames = end
        while len(self._spans) > self._keep:
            self._spans.popitem(last=False)
        self.observe(queued_frames=queued_frames, now_s=now_s)

    def observe(self, *, queued_frames: int, now_s: float) -> None:
        """A fresh reading of the device queue (e.g. after a write or a drop)."""
        self._queued_at_write = max(0, min(queued_frames, self.written_frames))
        self._write_time_s = now_s

    def discard_queued(self, *, now_s: float) -> int:
        """The device dropped what it held: forget those frames; returns how many."""
        played = self.played_total(now_s)
        dropped = self.written_frames - played
        self.written_frames = played
        for response_id, spans in list(self._spans.items()):
            kept = [(s, min(e, played)) for s, e in spans if s < played]
            if kept:
                self._spans[response_id] = kept
            else:
                del self._spans[response_id]
        self.observe(queued_frames=0, now_s=now_s)
        return dropped

    def played_total(self, now_s: float) -> int:
        """Frames that have left the device by `now_s` (estimate between writes)."""
        if self._write_time_s is None:
            return 0
        drained = int(max(0.0, now_s - self._write_time_s) * self.rate_hz)
        queued = max(0, self._queued_at_write - drained)
        return self.written_frames - queued

    def queued_total(self, now_s: float) -> int:
        return self.written_frames - self.played_total(now_s)

    def played_frames(self, response_id: str, now_s: float) -> int:
        spans = self._spans.get(response_id)
        if not spans:
            return 0
        played = self.played_total(now_s)
        return sum(max(0, min(played, end) - start) for start, end in spans)

    def played_ms(self, response_id: str, now_s: float) -> int:
        return frames_to_ms(self.played_frames(response_id, now_s), self.rate_hz)

    def end_frame(self, response_id: str) -> int:
        """Timeline position just after the last written frame of `response_id` (0: none)."""
        spans = self._spans.get(response_id)
        return spans[-1][1] if spans else 0
