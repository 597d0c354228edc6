"""Button gestures from timestamped edges, and what a gesture means in each talk mode.

Pure: edges and times in, gestures out. Timers are the caller's job: after every call, ask
`next_deadline_s()` and call `tick(now_s)` at (or after) that time. All times are seconds on
one monotonic clock.

- Debounce acts on the leading edge: the first edge that changes the level is taken at
  once, and bounces are ignored for `debounce_ms` after it; a level that differs when that
  time is up is then taken too. So a press shorter than the debounce is still a press, and
  the debounce adds no delay to a turn.
- The talk button gives PRESS, RELEASE (with how long it was held) and LONG_PRESS (while
  still held, `long_press_s` after the press), whatever the mode.
- `meaning()` is the one table of what those gestures ask for in each talk mode; the
  conversation machine asks it with the mode it is in (so a reload changes it at once):
  - hold: press → talk; release → send, or, released within `tap_s`, cancel (a tap sends
    nothing and only stops the assistant); a long press means nothing (hold as long as
    you like; `talk.max_turn_s` bounds the turn).
  - toggle: press → start / send (the machine's turn decides which); long press → cancel.
  - vad: a short press → mute / unmute (on release); a long press → cancel.
  - wake: press → listen now (no wake word needed); a long press → cancel.
"""

from __future__ import annotations

import enum

from voiced.core.status import ButtonGesture, Gesture, TalkEvent, TalkMode

__all__ = [
    "ClickGestures",
    "Debouncer",
    "Edge",
    "KeyRepeatDecoder",
    "SwitchGestures",
    "TalkButton",
    "TalkMode",
]


class Edge(enum.Enum):
    PRESS = "press"
    RELEASE = "release"


def meaning(mode: TalkMode, gesture: ButtonGesture, *, tap_s: float) -> list[TalkEvent]:
    """What the talk button's `gesture` asks for in `mode`."""
    kind = gesture.gesture
    if mode == "hold":
        if kind is Gesture.PRESS:
            return [TalkEvent.TALK_START]
        if kind is Gesture.RELEASE:
            return [TalkEvent.CANCEL if gesture.held_s < tap_s else TalkEvent.TALK_END]
        return []
    if mode == "toggle":
        if kind is Gesture.PRESS:
            return [TalkEvent.TOGGLE_TURN]
        if kind is Gesture.LONG_PRESS:
            return [TalkEvent.CANCEL]
        return []
    if mode == "wake":  # press: listen now, without the wake word; long press: stop
        if kind is Gesture.PRESS:
            return [TalkEvent.TALK_START]
        if kind is Gesture.LONG_PRESS:
            return [TalkEvent.CANCEL]
        return []
    # vad
    if kind is Gesture.LONG_PRESS:
        return [TalkEvent.CANCEL]
    if kind is Gesture.RELEASE and not gesture.long:
        return [TalkEvent.MUTE_TOGGLE]
    return []


class Debouncer:
    """Take a level change on its leading edge, then ignore bounces for `debounce_ms`."""

    def __init__(self, *, debounce_ms: float) -> None:
        self.debounce_s = max(debounce_ms, 0.0) / 1000.0
        self.pressed = False
        """The accepted level."""
        self._raw = False
        self._quiet_until_s: float | None = None
        """Bounces before this time are ignored (set when a level is accepted)."""

    def edge(self, edge: Edge, now_s: float) -> list[tuple[bool, float]]:
        """Feed a raw edge; return accepted changes as (pressed, time_s)."""
        accepted = self.tick(now_s)
        self._raw = edge is Edge.PRESS
        accepted += self._accept(now_s)
        return accepted

    def next_deadline_s(self) -> float | None:
        if self._quiet_until_s is None or self._raw == self.pressed:
            return None
        return self._quiet_until_s

    def tick(self, now_s: float) -> list[tuple[bool, float]]:
        until = self._quiet_until_s
        if until is None or now_s < until:
            return []
        self._quiet_until_s = None
        return self._accept(until)  # the level the button settled on, as of then

    def _accept(self, now_s: float) -> list[tuple[bool, float]]:
        if self._raw == self.pressed:
            return []
        if self._quiet_until_s is not None and now_s < self._quiet_until_s:
            return []  # a bounce: looked at again when the quiet time is up
        self.pressed = self._raw
        self._quiet_until_s = now_s + self.debounce_s if self.debounce_s > 0 else None
        return [(self.pressed, now_s)]


class TalkButton:
    """The talk button: debounce, then PRESS / RELEASE / LONG_PRESS gestures."""

    def __init__(self, *, debounce_ms: float, long_press_s: float) -> None:
        self.long_press_s = long_press_s
        self._debounce = Debouncer(debounce_ms=debounce_ms)
        self._pressed_at_s: float | None = None
        self._long_fired = False

    @property
    def pressed(self) -> bool:
        return self._debounce.pressed

    def edge(self, edge: Edge, now_s: float) -> list[ButtonGesture]:
        gestures = self.tick(now_s)
        for pressed, at_s in self._debounce.edge(edge, now_s):
            gestures += self._accepted(pressed, at_s)
        return gestures

    def next_deadline_s(self) -> float | None:
        deadlines = [self._debounce.next_deadline_s()]
        if self._pressed_at_s is not None and not self._long_fired:
            deadlines.append(self._pressed_at_s + self.long_press_s)
        present = [d for d in deadlines if d is not None]
        return min(present) if present else None

    def tick(self, now_s: float) -> list[ButtonGesture]:
        gestures = self._tick_long(now_s)
        for pressed, at_s in self._debounce.tick(now_s):
            gestures += self._accepted(pressed, at_s)
        return gestures

    def _tick_long(self, now_s: float) -> list[ButtonGesture]:
        if self._pressed_at_s is None or self._long_fired:
            return []
        at_s = self._pressed_at_s + self.long_press_s
        if now_s < at_s:
            return []
        self._long_fired = True
        return [ButtonGesture(Gesture.LONG_PRESS, at_s, held_s=self.long_press_s, long=True)]

    def _accepted(self, pressed: bool, at_s: float) -> list[ButtonGesture]:
        if pressed:
            self._pressed_at_s = at_s
            self._long_fired = False
            return [ButtonGesture(Gesture.PRESS, at_s)]
        pressed_at_s = self._pressed_at_s if self._pressed_at_s is not None else at_s
        gestures = [] if self._long_fired else self._tick_long(at_s)
        held_s = at_s - pressed_at_s
        self._pressed_at_s = None
        long = self._long_fired or held_s >= self.long_press_s
        self._long_fired = False
        return [*gestures, ButtonGesture(Gesture.RELEASE, at_s, held_s=held_s, long=long)]


class ClickGestures:
    """An extra button (volume, mute): each accepted press sends `event` once."""

    def __init__(self, event: TalkEvent, *, debounce_ms: float) -> None:
        self.event = event
        self._debounce = Debouncer(debounce_ms=debounce_ms)

    def edge(self, edge: Edge, now_s: float) -> list[TalkEvent]:
        return [self.event for pressed, _ in self._debounce.edge(edge, now_s) if pressed]

    def next_deadline_s(self) -> float | None:
        return self._debounce.next_deadline_s()

    def tick(self, now_s: float) -> list[TalkEvent]:
        return [self.event for pressed, _ in self._debounce.tick(now_s) if pressed]


class SwitchGestures:
    """A mute switch: its debounced level, as HARD_MUTE_ON / HARD_MUTE_OFF on each change."""

    def __init__(self, *, debounce_ms: float) -> None:
        self._debounce = Debouncer(debounce_ms=debounce_ms)

    @staticmethod
    def _events(changes: list[tuple[bool, float]]) -> list[TalkEvent]:
        return [TalkEvent.HARD_MUTE_ON if on else TalkEvent.HARD_MUTE_OFF for on, _ in changes]

    def edge(self, edge: Edge, now_s: float) -> list[TalkEvent]:
        return self._events(self._debounce.edge(edge, now_s))

    def next_deadline_s(self) -> float | None:
        return self._debounce.next_deadline_s()

    def tick(self, now_s: float) -> list[TalkEvent]:
        return self._events(self._debounce.tick(now_s))


class KeyRepeatDecoder:
    """A held key in a terminal, from its auto-repeat: the first character is a press, and
    the key counts as released once no repeat came for `release_after_s` (longer than the
    terminal's initial repeat delay, typically 250-600 ms) or, once repeats have started,
    for `repeat_gap_s`.
    """

    def __init__(self, *, release_after_s: float = 0.7, repeat_gap_s: float = 0.2) -> None:
        self.release_after_s = release_after_s
        self.repeat_gap_s = repeat_gap_s
        self.held = False
        self._last_s = 0.0
        self._repeating = False

    def key(self, now_s: float) -> list[tuple[Edge, float]]:
        edges = self.tick(now_s)
        if self.held:
            self._repeating = True
        else:
            self.held = True
            self._repeating = False
            edges.append((Edge.PRESS, now_s))
        self._last_s = now_s
        return edges

    def next_deadline_s(self) -> float | None:
        if not self.held:
            return None
        return self._last_s + (self.repeat_gap_s if self._repeating else self.release_after_s)

    def tick(self, now_s: float) -> list[tuple[Edge, float]]:
        deadline = self.next_deadline_s()
        if deadline is None or now_s < deadline:
            return []
        self.held = False
        # The key was let go after its last repeat: that is when the press ended.
        return [(Edge.RELEASE, self._last_s)]
