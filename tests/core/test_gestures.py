"""Talk-mode gestures, debounce and key-repeat decoding from timestamped edges."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from voiced.core.gestures import (
    ClickGestures,
    Debouncer,
    Edge,
    KeyRepeatDecoder,
    TalkGestures,
    TalkMode,
)
from voiced.core.status import TalkEvent

P, R = Edge.PRESS, Edge.RELEASE
START, END, CANCEL, MUTE = (
    TalkEvent.TALK_START,
    TalkEvent.TALK_END,
    TalkEvent.CANCEL,
    TalkEvent.MUTE_TOGGLE,
)


def drive(
    g: TalkGestures | ClickGestures, edges: list[tuple[Edge, float]], until_s: float
) -> list[tuple[TalkEvent, float]]:
    """Play edges in order, ticking at every deadline the gesture machine asks for."""
    out: list[tuple[TalkEvent, float]] = []
    for edge, t in [*edges, (None, until_s)]:
        while (d := g.next_deadline_s()) is not None and d <= t:
            out += [(e, d) for e in g.tick(d)]
        if edge is not None:
            out += [(e, t) for e in g.edge(edge, t)]
    return out


def events(out: list[tuple[TalkEvent, float]]) -> list[TalkEvent]:
    return [e for e, _ in out]


def talk(mode: TalkMode = "hold") -> TalkGestures:
    return TalkGestures(mode, debounce_ms=30, long_press_s=2.0)


def bounce(edge: Edge, t: float, n: int = 4, gap_s: float = 0.002) -> list[tuple[Edge, float]]:
    """A bounce train that settles on `edge`: alternating edges `gap_s` apart."""
    other = R if edge is P else P
    return [(edge if i % 2 == 0 else other, t + i * gap_s) for i in range(2 * n + 1)]


def test_hold_press_release() -> None:
    """hold: a clean press and release give TALK_START then TALK_END, each after the debounce."""
    out = drive(talk(), [(P, 1.0), (R, 1.5)], 5.0)
    assert out == [(START, 1.03), (END, 1.53)]


def test_hold_press_shorter_than_debounce_is_ignored() -> None:
    """A 20 ms blip is below the 30 ms debounce: nothing at all."""
    assert drive(talk(), [(P, 1.0), (R, 1.02)], 5.0) == []


def test_hold_bounce_trains_give_one_start_and_one_end() -> None:
    """Bounce trains on press and on release collapse to one event each."""
    out = drive(talk(), [*bounce(P, 1.0), *bounce(R, 1.8)], 5.0)
    assert events(out) == [START, END]
    assert abs(out[0][1] - (1.016 + 0.03)) < 1e-9


def test_hold_long_press_cancels_while_held() -> None:
    """Held past long_press_s: CANCEL fires at 2 s while still held, release sends nothing."""
    out = drive(talk(), [(P, 1.0), (R, 4.0)], 6.0)
    assert out == [(START, 1.03), (CANCEL, 3.0)]


def test_hold_just_short_of_long_press_ends_turn() -> None:
    """Released at 1.99 s: TALK_END, not CANCEL, even when the timer is checked late."""
    g = talk()
    assert g.edge(P, 0.0) == []
    assert g.tick(0.03) == [START]
    assert g.edge(R, 1.99) == []
    assert g.tick(2.5) == [END]  # a late tick: the release happened before 2 s


def test_toggle_press_press() -> None:
    """toggle: first press starts, second press ends; releases send nothing."""
    out = drive(talk("toggle"), [(P, 1), (R, 1.2), (P, 3), (R, 3.1)], 5.0)
    assert events(out) == [START, END]


def test_toggle_long_press_cancels_and_resets() -> None:
    """toggle: a long press cancels; the next short press starts a new turn."""
    g = talk("toggle")
    out = drive(g, [(P, 1), (R, 3.5), (P, 5), (R, 5.1)], 6.0)
    assert events(out) == [START, CANCEL, START]
    assert g.talking


def test_vad_short_press_mutes_long_press_cancels() -> None:
    """vad: short press → MUTE_TOGGLE on release; long press → CANCEL only."""
    out = drive(talk("vad"), [(P, 1), (R, 1.3), (P, 2), (R, 4.5)], 6.0)
    assert out == [(MUTE, 1.33), (CANCEL, 4.0)]


def test_click_button_with_bounces() -> None:
    """An extra button sends its event once per accepted press."""
    g = ClickGestures(TalkEvent.VOLUME_UP, debounce_ms=30)
    out = drive(g, [*bounce(P, 1.0), *bounce(R, 1.2), (P, 2.0), (R, 2.01)], 3.0)
    assert events(out) == [TalkEvent.VOLUME_UP]


def test_zero_debounce_is_immediate() -> None:
    """debounce_ms = 0 (keyboard): edges are accepted at once."""
    g = TalkGestures("hold", debounce_ms=0, long_press_s=2.0)
    assert g.edge(P, 1.0) == [START]
    assert g.edge(R, 1.1) == [END]


def test_debouncer_reports_first_stable_edge_time() -> None:
    """Accepted changes carry the time of the edge that began the stable level."""
    d = Debouncer(debounce_ms=10)
    d.edge(P, 0.0)
    d.edge(R, 0.004)
    d.edge(P, 0.006)
    assert d.next_deadline_s() == 0.016
    assert d.tick(0.016) == [(True, 0.006)]


@given(
    gaps=st.lists(st.floats(min_value=0.0005, max_value=0.029), min_size=0, max_size=12),
    held_s=st.floats(min_value=0.05, max_value=1.9),
)
def test_any_bounce_train_gives_exactly_start_end(gaps: list[float], held_s: float) -> None:
    """Property: bounces shorter than the debounce never add or drop a hold turn."""
    edges = [(P, 0.0)]
    t = 0.0
    for i, gap in enumerate(gaps):
        t += gap
        edges.append((R if i % 2 == 0 else P, t))
    if edges[-1][0] is R:
        t += 0.001
        edges.append((P, t))
    edges.append((R, t + held_s))
    assert events(drive(talk(), edges, t + held_s + 1.0)) == [START, END]


def test_key_repeat_decoder_hold_and_release() -> None:
    """Auto-repeat: first key presses, repeats keep it held, silence releases it."""
    k = KeyRepeatDecoder(release_after_s=0.7, repeat_gap_s=0.2)
    assert k.key(0.0) == [P]
    assert k.tick(0.5) == []  # inside the initial repeat delay
    assert k.key(0.5) == []
    assert k.key(0.53) == []
    assert k.next_deadline_s() == 0.53 + 0.2
    assert k.tick(0.74) == [R]
    assert not k.held


def test_key_tap_releases_after_initial_delay() -> None:
    """A single tap (no repeats) releases after release_after_s."""
    k = KeyRepeatDecoder(release_after_s=0.7)
    assert k.key(1.0) == [P]
    assert k.tick(1.69) == []
    assert k.tick(1.7) == [R]
