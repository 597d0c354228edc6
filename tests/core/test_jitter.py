"""JitterBuffer: prebuffer, silence fill, underruns, flush, conservation of audio."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from voiced.core.jitter import JitterBuffer


def audio(frames: int, value: int = 1) -> bytes:
    return value.to_bytes(2, "little", signed=True) * frames


def test_waits_for_the_prebuffer_then_plays() -> None:
    """Below the prebuffer pull() gives silence; once reached, the audio in order."""
    jb = JitterBuffer(prebuffer_frames=100)
    jb.push("a", audio(60))
    assert [s.response_id for s in jb.pull(10)] == [None]
    jb.push("a", audio(60, 2))
    segs = jb.pull(80)
    assert [s.response_id for s in segs] == ["a"] and segs[0].pcm == audio(60) + audio(20, 2)


def test_underrun_counts_and_rebuffers() -> None:
    """Running dry mid-response counts one underrun, fills silence, and waits for the prebuffer."""
    jb = JitterBuffer(prebuffer_frames=10)
    jb.push("a", audio(15))
    segs = jb.pull(20)
    assert [(s.response_id, s.frames) for s in segs] == [("a", 15), (None, 5)]
    assert jb.underruns == 1
    jb.push("a", audio(5))
    assert [s.response_id for s in jb.pull(5)] == [None]  # rebuffering: 5 < 10
    jb.push("a", audio(5))
    assert [s.response_id for s in jb.pull(10)] == ["a"]


def test_finished_response_plays_out_below_prebuffer_without_underrun() -> None:
    """A short finished response plays at once; its end is not an underrun."""
    jb = JitterBuffer(prebuffer_frames=1000)
    jb.push("a", audio(30))
    jb.finish("a")
    segs = jb.pull(50)
    assert [(s.response_id, s.frames) for s in segs] == [("a", 30), (None, 20)]
    assert jb.underruns == 0 and not jb.has_audio
    assert not jb.push("a", audio(5))  # a finished response takes no more audio


def test_responses_play_back_to_back() -> None:
    """The next response follows the finished one in the same pull."""
    jb = JitterBuffer(prebuffer_frames=0)
    jb.push("a", audio(10))
    jb.finish("a")
    jb.push("b", audio(10, 3))
    segs = jb.pull(15)
    assert [(s.response_id, s.frames) for s in segs] == [("a", 10), ("b", 5)]


def test_flush_drops_and_refuses_late_audio() -> None:
    """flush() drops the queue, returns the ids, and later pushes for them are ignored."""
    jb = JitterBuffer(prebuffer_frames=0)
    jb.push("a", audio(10))
    jb.push("b", audio(10))
    assert jb.flush() == ["a", "b"]
    assert not jb.push("a", audio(10)) and jb.queued_frames == 0
    assert jb.push("c", audio(4))


@given(
    st.lists(st.tuples(st.integers(0, 500), st.integers(1, 300)), max_size=40), st.integers(0, 400)
)
def test_every_pushed_frame_comes_out_once_in_order(
    steps: list[tuple[int, int]], prebuffer: int
) -> None:
    """Property: pulls return exactly the frames asked for, and the audio in push order."""
    jb = JitterBuffer(prebuffer_frames=prebuffer)
    pushed = bytearray()
    played = bytearray()
    for i, (push_frames, pull_frames) in enumerate(steps):
        chunk = bytes([(i * 7 + k) % 251 + 1 for k in range(push_frames * 2)])
        jb.push("r", chunk)
        pushed += chunk
        segs = jb.pull(pull_frames)
        assert sum(s.frames for s in segs) == pull_frames
        played += b"".join(s.pcm for s in segs if s.response_id == "r")
    jb.finish("r")
    while jb.has_audio:
        played += b"".join(s.pcm for s in jb.pull(256) if s.response_id == "r")
    assert played == pushed
