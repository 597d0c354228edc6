"""Pure bookkeeping for echo cancellation: the far-end (speaker) reference on a sample timeline.

No I/O, no clock. Both streams are placed on one timeline counted in samples of a shared clock
(the adapter turns monotonic seconds into sample positions). The speaker side writes what it
actually played at the position it was played; the mic side asks, for each near-end frame, for
the far-end samples at the same positions — silence wherever nothing was playing. A
`StreamClock` keeps a stream contiguous while its timestamps jitter, and re-anchors it when
they jump (an overrun, a device reopened, playback starting after silence).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Samples = npt.NDArray[np.int16]


class StreamClock:
    """Positions for a stream of chunks whose timestamps are approximate.

    A chunk stamped within `tolerance_samples` of where the previous one ended continues the
    stream exactly there (no gap, no overlap from timestamp jitter); a chunk stamped further
    away starts the stream anew at its own stamp.
    """

    def __init__(self, tolerance_samples: int) -> None:
        self.tolerance_samples = tolerance_samples
        self._next: int | None = None
        self.reanchors = 0
        """How often a stamp was too far from the stream's own position (gaps, jumps)."""

    def place(self, stamped_sample: int, count: int) -> int:
        """The start position of a `count`-sample chunk stamped at `stamped_sample`."""
        if self._next is None or abs(stamped_sample - self._next) > self.tolerance_samples:
            if self._next is not None:
                self.reanchors += 1
            start = stamped_sample
        else:
            start = self._next
        self._next = start + count
        return start

    def reset(self) -> None:
        self._next = None


class FarEndTimeline:
    """The last `capacity_samples` of what the speaker played, by absolute position."""

    def __init__(self, capacity_samples: int) -> None:
        if capacity_samples <= 0:
            raise ValueError("capacity_samples must be > 0")
        self.capacity_samples = capacity_samples
        self._ring = np.zeros(capacity_samples, dtype=np.int16)
        self._end: int | None = None  # one past the newest position written

    def write(self, start_sample: int, samples: Samples) -> None:
        """Record `samples` as played from `start_sample` on (later writes overwrite)."""
        count = len(samples)
        if count == 0:
            return
        end = start_sample + count
        if self._end is None:
            self._end = start_sample
        if end > self._end:
            # Positions newly covered that this write does not fill were silent.
            silent_from = max(self._end, end - self.capacity_samples)
            if silent_from < start_sample:
                self._put(silent_from, np.zeros(start_sample - silent_from, dtype=np.int16))
            self._end = end
        oldest = self._end - self.capacity_samples
        if start_sample < oldest:
            samples = samples[oldest - start_sample :]
            start_sample = oldest
        if len(samples):
            self._put(start_sample, samples)

    def read(self, start_sample: int, count: int) -> Samples:
        """The far end at positions [start, start + count): zeros where nothing is held."""
        out = np.zeros(count, dtype=np.int16)
        if self._end is None or count <= 0:
            return out
        first = max(start_sample, self._end - self.capacity_samples)
        last = min(start_sample + count, self._end)
        if first < last:
            idx = np.arange(first, last) % self.capacity_samples
            out[first - start_sample : last - start_sample] = self._ring[idx]
        return out

    def clear(self) -> None:
        """Forget everything played (e.g. after a flush or a device reopen)."""
        self._ring[:] = 0
        self._end = None

    def _put(self, start_sample: int, samples: Samples) -> None:
        idx = np.arange(start_sample, start_sample + len(samples)) % self.capacity_samples
        self._ring[idx] = samples
