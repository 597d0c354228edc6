"""Press gestures decided from timestamped edges: debounce, talk modes, long press, keys.

Pure: edges and times in, TalkEvents out. Timers are the caller's job: after every call,
ask `next_deadline_s()` and call `tick(now_s)` at (or after) that time. All times are in
seconds on one monotonic clock.

- Debounce is by stability: a level counts once it has held for `debounce_ms`, so a press
  shorter than the debounce, and every bounce train, produce nothing. (gpiozero's mock pins
  ignore `bounce_time`; this is the debounce that counts.) Long presses are timed from the
  edge that began the stable press.
- hold: press → TALK_START, release → TALK_END; held ≥ `long_press_s` → CANCEL (while still
  held) and the release then sends nothing.
- toggle: press → TALK_START, next press → TALK_END; a long press → CANCEL and back to idle.
- vad: a short press → MUTE_TOGGLE (on release); a long press → CANCEL.
"""

from __future__ import annotations

import enum
from typing import Literal

from voiced.core.status import TalkEvent

TalkMode = Literal["hold", "toggle", "vad"]


class Edge(enum.Enum):
    PRESS = "press"
    RELEASE = "release"


class Debouncer:
    """Accept a level only after it has been stable for `debounce_ms`."""

    def __init__(self, *, debounce_ms: float) -> None:
        self.debounce_s = max(debounce_ms, 0.0) / 1000.0
        self.pressed = False
        """The accepted (debounced) level."""
        self._raw = False
        self._raw_since_s = 0.0

    @property
    def raw_released_since_s(self) -> float | None:
        """When the raw level last went to released, if it is released now."""
        return None if self._raw else self._raw_since_s

    def edge(self, edge: Edge, now_s: float) -> list[tuple[bool, float]]:
        """Feed a raw edge; return accepted changes as (pressed, first_edge_time_s)."""
        accepted = self.tick(now_s)
        raw = edge is Edge.PRESS
        if raw != self._raw:
            self._raw = raw
            self._raw_since_s = now_s
        accepted += self.tick(now_s)
        return accepted

    def next_deadline_s(self) -> float | None:
        if self._raw == self.pressed:
            return None
        return self._raw_since_s + self.debounce_s

    def tick(self, now_s: float) -> list[tuple[bool, float]]:
        deadline = self.next_deadline_s()
        if deadline is None or now_s < deadline:
            return []
        self.pressed = self._raw
        return [(self.pressed, self._raw_since_s)]


class TalkGestures:
    """The talk button: debounce plus hold / toggle / vad semantics and the long press."""

    def __init__(self, mode: TalkMode, *, debounce_ms: float, long_press_s: float) -> None:
        self.mode: TalkMode = mode
        self.long_press_s = long_press_s
        self._debounce = Debouncer(debounce_ms=debounce_ms)
        self._pressed_at_s: float | None = None
        self._long_fired = False
        self.talking = False
        """toggle mode: a turn is open (TALK_START sent, TALK_END not yet)."""

    @property
    def pressed(self) -> bool:
        return self._debounce.pressed

    def edge(self, edge: Edge, now_s: float) -> list[TalkEvent]:
        events = self.tick(now_s)
        for pressed, at_s in self._debounce.edge(edge, now_s):
            events += self._accepted(pressed, at_s)
        events += self._tick_long(now_s)
        return events

    def next_deadline_s(self) -> float | None:
        deadlines = [self._debounce.next_deadline_s()]
        if self._pressed_at_s is not None and not self._long_fired:
            deadlines.append(self._pressed_at_s + self.long_press_s)
        present = [d for d in deadlines if d is not None]
        return min(present) if present else None

    def tick(self, now_s: float) -> list[TalkEvent]:
        events = self._tick_long(now_s)
        for pressed, at_s in self._debounce.tick(now_s):
            events += self._accepted(pressed, at_s)
        events += self._tick_long(now_s)
        return events

    def _tick_long(self, now_s: float) -> list[TalkEvent]:
        if self._pressed_at_s is None or self._long_fired:
            return []
        if now_s - self._pressed_at_s < self.long_press_s:
            return []
        # A release not yet accepted (still inside its debounce) ends the press where it
        # happened: the raw level decides whether the button was really held this long.
        released_s = self._debounce.raw_released_since_s
        if released_s is not None and released_s - self._pressed_at_s < self.long_press_s:
            return []
        self._long_fired = True
        self.talking = False
        return [TalkEvent.CANCEL]

    def _accepted(self, pressed: bool, at_s: float) -> list[TalkEvent]:
        if pressed:
            self._pressed_at_s = at_s
            self._long_fired = False
            if self.mode == "hold":
                return [TalkEvent.TALK_START]
            if self.mode == "toggle":
                self.talking = not self.talking
                return [TalkEvent.TALK_START if self.talking else TalkEvent.TALK_END]
            return []
        long_fired = self._long_fired
        self._pressed_at_s = None
        self._long_fired = False
        if long_fired:
            return []
        if self.mode == "hold":
            return [TalkEvent.TALK_END]
        if self.mode == "vad":
            return [TalkEvent.MUTE_TOGGLE]
        return []


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

    def key(self, now_s: float) -> list[Edge]:
        edges = self.tick(now_s)
        if self.held:
            self._repeating = True
        else:
            self.held = True
            self._repeating = False
            edges.append(Edge.PRESS)
        self._last_s = now_s
        return edges

    def next_deadline_s(self) -> float | None:
        if not self.held:
            return None
        return self._last_s + (self.repeat_gap_s if self._repeating else self.release_after_s)

    def tick(self, now_s: float) -> list[Edge]:
        deadline = self.next_deadline_s()
        if deadline is None or now_s < deadline:
            return []
        self.held = False
        return [Edge.RELEASE]
