"""Response bookkeeping and truncation arithmetic."""

from __future__ import annotations

from voiced.core.conversation import ResponseTracker, Truncation


def test_truncation_clamps_to_received_audio() -> None:
    """Truncating after more than was received clamps to the received length."""
    t = ResponseTracker()
    t.on_response_created("r1")
    t.on_audio("r1", "i1", 48 * 300)
    assert t.truncation(250) == Truncation("i1", 0, 250)
    assert t.truncation(10_000) == Truncation("i1", 0, 300)


def test_no_truncation_at_zero() -> None:
    """At 0 ms played the server would error: no truncation is produced."""
    t = ResponseTracker()
    t.on_audio("r1", "i1", 4800)
    assert t.truncation(0) is None
    assert ResponseTracker().truncation(100) is None


def test_idle_follows_responses_and_input() -> None:
    """Idle only with no active response and no uncommitted input."""
    t = ResponseTracker()
    assert t.idle
    t.on_response_created("r1")
    assert not t.idle
    t.on_response_done("r1")
    assert t.idle
    t.on_appended(10)
    assert not t.idle


def test_bookkeeping_stays_bounded() -> None:
    """Months of responses keep at most 32 items of bookkeeping."""
    t = ResponseTracker()
    for i in range(1000):
        t.on_audio(f"r{i}", f"i{i}", 10)
    assert len(t.received_bytes) <= 32
