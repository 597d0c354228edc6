"""soxr's streaming resampler on s16 mono, with an exact pass-through when rates match."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import soxr

Samples = npt.NDArray[np.int16]


class StreamResampler:
    """One continuous stream from `in_rate_hz` to `out_rate_hz` (s16 mono numpy arrays)."""

    def __init__(self, in_rate_hz: int, out_rate_hz: int, *, quality: str = "HQ") -> None:
        self.in_rate_hz = in_rate_hz
        self.out_rate_hz = out_rate_hz
        self.passthrough = in_rate_hz == out_rate_hz
        self._stream = (
            None
            if self.passthrough
            else soxr.ResampleStream(in_rate_hz, out_rate_hz, 1, dtype="int16", quality=quality)
        )

    def process(self, samples: Samples, *, last: bool = False) -> Samples:
        """Resample the next chunk; `last=True` also flushes what soxr holds back."""
        if self._stream is None:
            return samples
        out: Samples = self._stream.resample_chunk(samples, last=last)
        return out

    def bytes_out(self, pcm: bytes, *, last: bool = False) -> bytes:
        """Bytes in, bytes out (s16le)."""
        if self._stream is None:
            return pcm
        return self.process(np.frombuffer(pcm, dtype="<i2"), last=last).tobytes()
