"""The playback jitter buffer: bursty network deltas in, steady device periods out.

Pure: no I/O, no clock. Audio is mono s16le at the device rate, tagged with the response it
belongs to. `pull()` always returns exactly the frames asked for, filling with silence while
it (re)buffers or runs dry; a dry buffer in the middle of a response counts as an underrun
and the buffer collects `prebuffer_frames` again before it resumes, so a slow network gives
one clean gap instead of crackle.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field

BYTES_PER_FRAME = 2  # s16le mono


@dataclass(frozen=True)
class Segment:
    """A run of frames for the device: audio of `response_id`, or silence when None."""

    response_id: str | None
    pcm: bytes

    @property
    def frames(self) -> int:
        return len(self.pcm) // BYTES_PER_FRAME


@dataclass
class _Response:
    response_id: str
    data: bytearray = field(default_factory=bytearray)
    finished: bool = False


class JitterBuffer:
    """Queue of responses' audio with a prebuffer, silence fill and an underrun counter."""

    def __init__(self, *, prebuffer_frames: int, forget_after: int = 64) -> None:
        self.prebuffer_frames = prebuffer_frames
        self.underruns = 0
        """Times a response ran dry before it was finished (heard as a gap)."""
        self._queue: deque[_Response] = deque()
        self._playing = False
        self._dropped: OrderedDict[str, None] = OrderedDict()
        self._forget_after = forget_after

    # -- input (the event loop) ------------------------------------------------------------
    def push(self, response_id: str, pcm: bytes) -> bool:
        """Queue audio; False (ignored) when `response_id` was flushed or already finished."""
        if response_id in self._dropped:
            return False
        entry = self._entry(response_id)
        if entry is None or entry.finished:
            return False
        entry.data += pcm[: len(pcm) - len(pcm) % BYTES_PER_FRAME]
        return True

    def finish(self, response_id: str) -> None:
        """No more audio comes for `response_id`: it plays out even below the prebuffer."""
        for entry in self._queue:
            if entry.response_id == response_id:
                entry.finished = True

    def flush(self) -> list[str]:
        """Drop everything queued; later pushes for those responses are ignored. Returns the
        ids dropped (the playing one first)."""
        ids = [entry.response_id for entry in self._queue]
        for response_id in ids:
            self.forget(response_id)
        self._queue.clear()
        self._playing = False
        return ids

    def forget(self, response_id: str) -> None:
        """Refuse any further audio for `response_id`."""
        self._dropped[response_id] = None
        while len(self._dropped) > self._forget_after:
            self._dropped.popitem(last=False)

    # -- output (the device writer) --------------------------------------------------------
    def pull(self, n_frames: int) -> list[Segment]:
        """Exactly `n_frames` of audio and silence for the device."""
        out: list[Segment] = []
        need = n_frames
        if not self._playing and self._ready():
            self._playing = True
        while need > 0 and self._playing and self._queue:
            head = self._queue[0]
            take_bytes = min(need * BYTES_PER_FRAME, len(head.data))
            if take_bytes:
                out.append(Segment(head.response_id, bytes(head.data[:take_bytes])))
                del head.data[:take_bytes]
                need -= take_bytes // BYTES_PER_FRAME
            if not head.data:
                if head.finished:
                    self._queue.popleft()
                    self._dropped[head.response_id] = None  # complete: late audio is refused
                elif need > 0:
                    self.underruns += 1
                    self._playing = False
        if not self._queue:
            self._playing = False
        if need > 0:
            out.append(Segment(None, bytes(need * BYTES_PER_FRAME)))
        return out

    # -- state -----------------------------------------------------------------------------
    @property
    def queued_frames(self) -> int:
        return sum(len(e.data) for e in self._queue) // BYTES_PER_FRAME

    @property
    def has_audio(self) -> bool:
        """True while any response is queued (playing, buffering or waiting for data)."""
        return bool(self._queue)

    def would_play(self) -> bool:
        """True when the next pull() would return audio (playing, or the prebuffer is full)."""
        return self._playing or self._ready()

    @property
    def current_response(self) -> str | None:
        return self._queue[0].response_id if self._queue else None

    def _ready(self) -> bool:
        if not self._queue:
            return False
        return self.queued_frames >= self.prebuffer_frames or any(e.finished for e in self._queue)

    def _entry(self, response_id: str) -> _Response | None:
        if self._queue and self._queue[-1].response_id == response_id:
            return self._queue[-1]
        for entry in self._queue:
            if entry.response_id == response_id:
                return entry
        entry = _Response(response_id)
        self._queue.append(entry)
        return entry
