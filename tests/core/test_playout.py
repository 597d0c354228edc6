"""PlayoutLedger: played position = written − queued, advancing with the clock."""

from __future__ import annotations

from voiced.core.jitter import Segment
from voiced.core.playout import PlayoutLedger


def seg(response_id: str | None, frames: int) -> Segment:
    return Segment(response_id, bytes(frames * 2))


def test_played_is_written_minus_queued_and_advances_with_time() -> None:
    """Right after a write the queued frames are unplayed; they drain at the device rate."""
    ledger = PlayoutLedger(rate_hz=1000)
    ledger.record([seg(None, 100), seg("a", 400)], queued_frames=300, now_s=10.0)
    assert ledger.played_frames("a", 10.0) == 100
    assert ledger.played_ms("a", 10.25) == 350
    assert ledger.played_frames("a", 99.0) == 400  # never past what was written


def test_spans_split_by_silence_count_only_audio() -> None:
    """An underrun's silence inside a response does not count as played audio."""
    ledger = PlayoutLedger(rate_hz=1000)
    ledger.record([seg("a", 50), seg(None, 30), seg("a", 20)], queued_frames=0, now_s=0.0)
    assert ledger.played_frames("a", 0.0) == 70
    assert ledger.end_frame("a") == 100


def test_discard_queued_forgets_dropped_frames() -> None:
    """After a drop the response's played count freezes at what had left the device."""
    ledger = PlayoutLedger(rate_hz=1000)
    ledger.record([seg("a", 500)], queued_frames=200, now_s=0.0)
    assert ledger.discard_queued(now_s=0.05) == 150
    assert ledger.played_frames("a", 5.0) == 350
    ledger.record([seg("b", 100)], queued_frames=0, now_s=1.0)
    assert ledger.played_frames("a", 5.0) == 350 and ledger.played_frames("b", 5.0) == 100
