"""Button gestures (leading-edge debounce, long press), their meaning per mode, key repeat."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from voiced.core.gestures import (
    ClickGestures,
    Debouncer,
    Edge,
    KeyRepeatDecoder,
    TalkButton,
    TalkMode,
    meaning,
)
from voiced.core.status import ButtonGesture, Gesture, TalkEvent

P, R = Edge.PRESS, Edge.RELEASE
PRESS, RELEASE, LONG = Gesture.PRESS, Gesture.RELEASE, Gesture.LONG_PRESS


def drive(
    g: TalkButton | ClickGestures, edges: list[tuple[Edge, float]], until_s: float
) -> list[ButtonGesture | TalkEvent]:
    """Play edges in order, ticking at every deadline the gesture machine asks for."""
    out: list[ButtonGesture | TalkEvent] = []
    for edge, t in [*edges, (None, until_s)]:
        while (d := g.next_deadline_s()) is not None and d <= t:
            out += g.tick(d)
        if edge is not None:
            out += g.edge(edge, t)
    return out


def kinds(out: list[ButtonGesture | TalkEvent]) -> list[tuple[Gesture, float]]:
    return [(g.gesture, round(g.at_s, 6)) for g in out if isinstance(g, ButtonGesture)]


def button() -> TalkButton:
    return TalkButton(debounce_ms=30, long_press_s=2.0)


def bounce(edge: Edge, t: float, n: int = 4, gap_s: float = 0.002) -> list[tuple[Edge, float]]:
    """A bounce train that settles on `edge`: alternating edges `gap_s` apart."""
    other = R if edge is P else P
    return [(edge if i % 2 == 0 else other, t + i * gap_s) for i in range(2 * n + 1)]


def test_press_is_taken_on_its_leading_edge() -> None:
    """The press counts at the first edge, with no debounce delay; the release likewise."""
    out = drive(button(), [(P, 1.0), (R, 1.5)], 5.0)
    assert kinds(out) == [(PRESS, 1.0), (RELEASE, 1.5)]
    release = out[-1]
    assert isinstance(release, ButtonGesture) and abs(release.held_s - 0.5) < 1e-9


def test_press_shorter_than_debounce_is_still_a_press() -> None:
    """A 10 ms blip: PRESS at once, RELEASE when the debounce time is up, held 30 ms."""
    out = drive(button(), [(P, 1.0), (R, 1.01)], 5.0)
    assert kinds(out) == [(PRESS, 1.0), (RELEASE, 1.03)]


def test_bounce_trains_give_one_press_and_one_release() -> None:
    """Bounces after each edge are ignored for the debounce time."""
    out = drive(button(), [*bounce(P, 1.0), *bounce(R, 1.5)], 5.0)
    assert kinds(out) == [(PRESS, 1.0), (RELEASE, 1.5)]


def test_long_press_fires_while_held_and_release_follows() -> None:
    """A 10 s hold: LONG_PRESS at 2 s (still held), then RELEASE with held_s = 10 and long."""
    out = drive(button(), [(P, 1.0), (R, 11.0)], 20.0)
    assert kinds(out) == [(PRESS, 1.0), (LONG, 3.0), (RELEASE, 11.0)]
    release = out[-1]
    assert isinstance(release, ButtonGesture) and release.long and release.held_s == 10.0


@given(
    gaps=st.lists(st.floats(0.0005, 0.002), min_size=1, max_size=12),
    held_s=st.floats(0.05, 1.5),
)
def test_any_bounce_train_gives_exactly_press_release(gaps: list[float], held_s: float) -> None:
    """Whatever the bounces (a train shorter than the debounce), one PRESS then one RELEASE."""
    edges: list[tuple[Edge, float]] = []
    t = 1.0
    for i, gap in enumerate(gaps):
        edges.append((P if i % 2 == 0 else R, t))
        t += gap
    edges.append((P, t))
    release_at = t + held_s
    edges.append((R, release_at))
    out = drive(button(), edges, release_at + 5.0)
    assert [g for g, _ in kinds(out)] == [PRESS, RELEASE]


def test_click_button_with_bounces() -> None:
    """An extra button sends its event once per press, at the leading edge."""
    g = ClickGestures(TalkEvent.VOLUME_UP, debounce_ms=30)
    out = drive(g, [*bounce(P, 1.0), *bounce(R, 1.2), (P, 2.0), (R, 2.1)], 5.0)
    assert out == [TalkEvent.VOLUME_UP, TalkEvent.VOLUME_UP]


def test_debouncer_settles_on_the_level_left_after_the_quiet_time() -> None:
    """Pressed, then released inside the quiet time: the release counts when it ends."""
    d = Debouncer(debounce_ms=30)
    assert d.edge(P, 1.0) == [(True, 1.0)]
    assert d.edge(R, 1.01) == []
    assert d.next_deadline_s() == 1.03
    assert d.tick(1.03) == [(False, 1.03)]
    assert d.next_deadline_s() is None


def g(kind: Gesture, held_s: float = 0.0, long: bool = False) -> ButtonGesture:
    return ButtonGesture(kind, 1.0, held_s=held_s, long=long)


def test_meaning_hold() -> None:
    """hold: press talks, release sends, a tap cancels, a long press means nothing."""
    assert meaning("hold", g(PRESS), tap_s=0.3) == [TalkEvent.TALK_START]
    assert meaning("hold", g(RELEASE, 10.0, True), tap_s=0.3) == [TalkEvent.TALK_END]
    assert meaning("hold", g(RELEASE, 0.05), tap_s=0.3) == [TalkEvent.CANCEL]
    assert meaning("hold", g(LONG, 2.0, True), tap_s=0.3) == []


def test_meaning_toggle() -> None:
    """toggle: each press starts or sends; a long press cancels; a release means nothing."""
    assert meaning("toggle", g(PRESS), tap_s=0.3) == [TalkEvent.TOGGLE_TURN]
    assert meaning("toggle", g(RELEASE, 0.05), tap_s=0.3) == []
    assert meaning("toggle", g(LONG, 2.0, True), tap_s=0.3) == [TalkEvent.CANCEL]


def test_meaning_vad() -> None:
    """vad: a short press mutes or unmutes (on release); a long press cancels, once."""
    mode: TalkMode = "vad"
    assert meaning(mode, g(PRESS), tap_s=0.3) == []
    assert meaning(mode, g(RELEASE, 0.05), tap_s=0.3) == [TalkEvent.MUTE_TOGGLE]
    assert meaning(mode, g(LONG, 2.0, True), tap_s=0.3) == [TalkEvent.CANCEL]
    assert meaning(mode, g(RELEASE, 3.0, True), tap_s=0.3) == []


def test_key_repeat_decoder_hold_and_release() -> None:
    """Repeats keep the key held; the release is placed at the last repeat."""
    k = KeyRepeatDecoder(release_after_s=0.7, repeat_gap_s=0.2)
    assert k.key(1.0) == [(P, 1.0)]
    for i in range(1, 30):
        assert k.key(1.5 + i * 0.033) == []
    last = 1.5 + 29 * 0.033
    assert k.next_deadline_s() == last + 0.2
    assert k.tick(last + 0.2) == [(R, last)]


def test_key_tap_releases_after_initial_delay() -> None:
    """A single key press (no repeat) releases after `release_after_s`, held 0 s: a tap."""
    k = KeyRepeatDecoder(release_after_s=0.7, repeat_gap_s=0.2)
    assert k.key(1.0) == [(P, 1.0)]
    assert k.tick(1.69) == []
    assert k.tick(1.7) == [(R, 1.0)]
