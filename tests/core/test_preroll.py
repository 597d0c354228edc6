"""Batcher and PreRoll: exact batches with positions, a bounded ring addressed by position."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from voiced.core.preroll import Batcher, PreRoll, ms_to_samples, samples_to_ms


def ramp(start: int, count: int) -> bytes:
    """Samples whose value is their (wrapped) stream position: any misplaced byte shows."""
    return (np.arange(start, start + count) % 30000).astype("<i2").tobytes()


def test_ms_and_samples_convert_both_ways() -> None:
    """80 ms at 24 kHz is 1920 samples and back."""
    assert ms_to_samples(80, 24000) == 1920
    assert samples_to_ms(1920, 24000) == 80.0


@given(st.lists(st.integers(0, 3000), max_size=40), st.integers(1, 2000))
def test_batches_are_exact_contiguous_and_lose_nothing(sizes: list[int], batch: int) -> None:
    """Any frame sizes: every batch is batch_samples long, positions follow on, data in order."""
    batcher = Batcher(batch)
    stream = b""
    out: list[tuple[int, bytes]] = []
    position = 0
    for size in sizes:
        chunk = ramp(position, size)
        position += size
        stream += chunk
        out += batcher.add(chunk)
    assert all(len(b) == batch * 2 for _, b in out)
    assert [s for s, _ in out] == [i * batch for i in range(len(out))]
    assert b"".join(b for _, b in out) == stream[: len(out) * batch * 2]
    assert batcher.pending_samples == position - len(out) * batch


def test_batcher_reset_drops_the_partial_batch_but_keeps_counting() -> None:
    """After reset the next batch starts at the stream position, not at the dropped one."""
    batcher = Batcher(100)
    batcher.add(ramp(0, 150))
    batcher.reset()
    assert batcher.add(ramp(150, 100)) == [(150, ramp(150, 100))]


def test_batcher_rejects_an_empty_batch() -> None:
    """A zero batch length is a programming error."""
    with pytest.raises(ValueError):
        Batcher(0)


@given(st.lists(st.integers(0, 700), max_size=30), st.integers(0, 2000), st.integers(-50, 5000))
def test_preroll_holds_the_newest_capacity_and_cuts_at_a_position(
    sizes: list[int], capacity: int, cut: int
) -> None:
    """since(n) is the stream from max(n, oldest held) to the end, never more than capacity."""
    ring = PreRoll(capacity)
    position = 0
    for size in sizes:
        ring.append(ramp(position, size))
        position += size
    assert ring.end_sample == position
    assert ring.start_sample == max(0, position - capacity)
    first = min(max(cut, ring.start_sample), position)
    assert ring.since(cut) == ramp(first, position - first)


def test_preroll_clear_forgets_audio_but_keeps_positions() -> None:
    """After clear() nothing is held; the next append continues the stream's positions."""
    ring = PreRoll(1000)
    ring.append(ramp(0, 300))
    ring.clear()
    assert ring.since(0) == b""
    ring.append(ramp(300, 10))
    assert ring.start_sample == 300 and ring.since(0) == ramp(300, 10)
