"""The offline outbox: bounded by audio time, oldest dropped first, order kept."""

from __future__ import annotations

from voiced.core.outbox import Outbox


def test_keeps_order_and_drains_empty() -> None:
    """Frames come out in the order they went in, and drain empties the outbox."""
    box = Outbox(max_audio_ms=1000)
    box.put("a1", 20)
    box.put("commit")
    box.put("a2", 20)
    assert box.drain() == ["a1", "commit", "a2"]
    assert len(box) == 0 and box.audio_ms == 0


def test_drops_oldest_audio_past_the_bound() -> None:
    """Past the audio bound the oldest frames go, and the loss is counted."""
    box = Outbox(max_audio_ms=100)
    dropped = [box.put(f"a{i}", 20) for i in range(8)]
    assert sum(dropped) == 60
    assert box.dropped_audio_ms == 60
    assert box.drain() == [f"a{i}" for i in range(3, 8)]


def test_control_frames_are_bounded() -> None:
    """A flood of control frames cannot grow the outbox without end."""
    box = Outbox(max_audio_ms=100, max_control_frames=4)
    for i in range(10):
        box.put(f"c{i}")
    assert box.drain() == ["c6", "c7", "c8", "c9"]


def test_loss_is_counted_per_outage() -> None:
    """dropped_since_drain_ms counts the current outage only; the total keeps growing."""
    box = Outbox(max_audio_ms=40)
    for _ in range(4):
        box.put("a", 20)
    assert box.dropped_since_drain_ms == 40
    box.drain()
    assert box.dropped_since_drain_ms == 0
    for _ in range(3):
        box.put("a", 20)
    assert box.dropped_since_drain_ms == 20 and box.dropped_audio_ms == 60


def test_a_frame_leaves_only_once_sent() -> None:
    """head() does not remove; sent(seq) does, so an interrupted delivery loses nothing."""
    box = Outbox(max_audio_ms=1000)
    box.put("a1", 20)
    box.put("commit")
    head = box.head()
    assert head is not None and head[1] == "a1"
    assert len(box) == 2  # a send that fails here leaves "a1" for the next session
    box.sent(head[0])
    assert box.head() is not None and box.head()[1] == "commit"  # type: ignore[index]
    assert box.audio_ms == 0


def test_sent_ignores_a_frame_the_bound_dropped_meanwhile() -> None:
    """A frame dropped while its send was in flight is not confused with the next one."""
    box = Outbox(max_audio_ms=40)
    box.put("a1", 20)
    head = box.head()
    assert head is not None
    box.put("a2", 20)
    box.put("a3", 20)  # drops a1, the one being sent
    box.sent(head[0])
    assert box.drain() == ["a2", "a3"]
