"""StreamClock and FarEndTimeline: jitter-tolerant placement, the played audio by position."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from voiced.core.echo_ref import FarEndTimeline, StreamClock


def ramp(start: int, count: int) -> np.ndarray:
    return ((np.arange(start, start + count) % 20000) + 1).astype(np.int16)


def test_clock_keeps_a_jittery_stream_contiguous() -> None:
    """Stamps off by less than the tolerance continue the stream exactly."""
    clock = StreamClock(tolerance_samples=120)
    assert [clock.place(s, 480) for s in (1000, 1530, 1900, 2400)] == [1000, 1480, 1960, 2440]
    assert clock.reanchors == 0


def test_clock_reanchors_on_a_jump() -> None:
    """A stamp far from the expected position starts anew there and is counted."""
    clock = StreamClock(tolerance_samples=120)
    clock.place(0, 480)
    assert clock.place(5000, 480) == 5000 and clock.reanchors == 1
    clock.reset()
    assert clock.place(100, 10) == 100 and clock.reanchors == 1


@given(
    st.lists(st.tuples(st.integers(0, 5000), st.integers(0, 900)), max_size=20),
    st.integers(1, 3000),
    st.integers(-1000, 9000),
    st.integers(0, 2000),
)
def test_timeline_reads_back_the_newest_writes_and_silence_elsewhere(
    writes: list[tuple[int, int]], capacity: int, start: int, count: int
) -> None:
    """Against a plain dict model: each position holds its last write if still within the
    capacity behind the newest position, else (or never written) zero."""
    timeline = FarEndTimeline(capacity)
    model: dict[int, int] = {}
    end: int | None = None
    for position, length in writes:
        data = ramp(position, length)
        timeline.write(position, data)
        if length:
            end = position + length if end is None else max(end, position + length)
            for i, value in enumerate(data):
                model[position + i] = int(value)
    got = timeline.read(start, count)
    expected = [
        model.get(p, 0) if end is not None and end - capacity <= p < end else 0
        for p in range(start, start + count)
    ]
    assert got.tolist() == expected


def test_a_gap_between_writes_reads_as_silence() -> None:
    """Playback that stopped and restarted: the pause is zeros, not stale ring content."""
    timeline = FarEndTimeline(1000)
    timeline.write(0, ramp(0, 900))
    timeline.write(1500, ramp(1500, 100))
    assert timeline.read(900, 600).tolist() == [0] * 600
    assert timeline.read(1500, 100).tolist() == ramp(1500, 100).tolist()


def test_clear_forgets_and_capacity_must_be_positive() -> None:
    """After clear() everything reads as silence; a zero capacity is refused."""
    timeline = FarEndTimeline(100)
    timeline.write(0, ramp(0, 50))
    timeline.clear()
    assert not timeline.read(0, 50).any()
    with pytest.raises(ValueError):
        FarEndTimeline(0)
