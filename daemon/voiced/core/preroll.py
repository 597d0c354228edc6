"""Pure audio bookkeeping for the wake word: fixed-length batches and a bounded pre-roll ring.

No I/O, no clock: positions are counted in samples of one continuous s16le mono stream, from
its first sample (sample 0). The wake-word adapter feeds mic frames into a `Batcher` (the
detector runs once per batch, 60-100 ms, so its cost per call is amortised) and into a
`PreRoll` ring; on a detection at sample N the ring gives back what was heard since N — the
words said right after the wake word, before the mic was forwarded.
"""

from __future__ import annotations

from collections import deque

BYTES_PER_SAMPLE = 2  # s16le mono


def ms_to_samples(ms: float, sample_rate_hz: int) -> int:
    """Milliseconds to a whole number of samples (rounded to nearest)."""
    return round(ms * sample_rate_hz / 1000.0)


def samples_to_ms(samples: int, sample_rate_hz: int) -> float:
    return samples * 1000.0 / sample_rate_hz


class Batcher:
    """Collects s16le frames of any length into batches of exactly `batch_samples`.

    `add()` returns the complete batches in order, each with the stream position (in samples)
    of its first sample; the remainder waits for the next call. An odd trailing byte waits too.
    """

    def __init__(self, batch_samples: int) -> None:
        if batch_samples <= 0:
            raise ValueError("batch_samples must be > 0")
        self.batch_samples = batch_samples
        self._pending = bytearray()
        self._next_start = 0

    @property
    def pending_samples(self) -> int:
        return len(self._pending) // BYTES_PER_SAMPLE

    def add(self, pcm: bytes) -> list[tuple[int, bytes]]:
        """Append `pcm`; return `(start_sample, batch)` for every batch now complete."""
        self._pending += pcm
        size = self.batch_samples * BYTES_PER_SAMPLE
        out: list[tuple[int, bytes]] = []
        while len(self._pending) >= size:
            out.append((self._next_start, bytes(self._pending[:size])))
            del self._pending[:size]
            self._next_start += self.batch_samples
        return out

    def reset(self) -> None:
        """Drop the partial batch; positions keep counting from where the stream is."""
        self._next_start += self.pending_samples
        self._pending.clear()


class PreRoll:
    """The last `capacity_samples` of a stream, addressable by absolute sample position."""

    def __init__(self, capacity_samples: int) -> None:
        if capacity_samples < 0:
            raise ValueError("capacity_samples must be >= 0")
        self.capacity_samples = capacity_samples
        self._chunks: deque[bytes] = deque()
        self._held_samples = 0
        self.end_sample = 0
        """Position just past the newest sample appended (= samples appended so far)."""

    @property
    def start_sample(self) -> int:
        """Position of the oldest sample still held."""
        return self.end_sample - self._held_samples

    def append(self, pcm: bytes) -> None:
        """Add the next audio; the oldest beyond `capacity_samples` is forgotten."""
        pcm = pcm[: len(pcm) - len(pcm) % BYTES_PER_SAMPLE]
        if not pcm:
            return
        self._chunks.append(pcm)
        added = len(pcm) // BYTES_PER_SAMPLE
        self._held_samples += added
        self.end_sample += added
        self._trim()

    def since(self, start_sample: int) -> bytes:
        """The audio from `start_sample` to now; clipped to what is held (oldest kept first).

        A position in the future gives b""; one older than the ring gives all it holds.
        """
        first = max(start_sample, self.start_sample)
        if first >= self.end_sample:
            return b""
        data = b"".join(self._chunks)
        skip = (first - self.start_sample) * BYTES_PER_SAMPLE
        return data[skip:]

    def clear(self) -> None:
        """Forget the held audio (positions keep counting)."""
        self._chunks.clear()
        self._held_samples = 0

    def _trim(self) -> None:
        excess = self._held_samples - self.capacity_samples
        while excess > 0 and self._chunks:
            head = self._chunks[0]
            head_samples = len(head) // BYTES_PER_SAMPLE
            if head_samples <= excess:
                self._chunks.popleft()
                self._held_samples -= head_samples
                excess -= head_samples
            else:
                self._chunks[0] = head[excess * BYTES_PER_SAMPLE :]
                self._held_samples -= excess
                excess = 0
