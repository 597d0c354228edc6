"""The status → light pattern table, as data, and the pure sampling every light driver uses.

A pattern is a colour and a loop of segments; each segment ramps the level linearly from
`start` to `end` over `duration_s` (equal ends: a steady level). Drivers sample it with
`level_at(pattern, t_s)` / `rgb_at(pattern, t_s)` where `t_s` is the time since the status
was shown, and ask `next_change_s()` when to sample again (steady segments need no frames).

Every status is distinct on a single PWM LED (level over time) and also on a plain on/off
LED, which shows a level ≥ `ON_THRESHOLD` as on:

| status     | single LED (PWM)                      | on/off LED                  | colour |
|------------|---------------------------------------|-----------------------------|--------|
| starting   | fast blink, 5 Hz                      | fast blink, 5 Hz            | white  |
| connecting | double blink every 1 s                | double blink every 1 s      | blue   |
| ready      | dim glow, bright blip every 3 s       | blip every 3 s              | green  |
| listening  | steady bright                         | steady on                   | cyan   |
| thinking   | quick pulse, 2.5 Hz                   | blink, 2.5 Hz               | purple |
| speaking   | breathing, 1.2 s                      | long on, short off          | green  |
| muted      | steady, medium                        | off                         | amber  |
| offline    | slow full pulse, 2 s (reconnecting)   | slow blink, 0.5 Hz          | red    |
| error      | triple blink every 1.5 s (see a human)| triple blink every 1.5 s    | red    |
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from voiced.core.status import Status

ON_THRESHOLD = 0.5
"""An on/off LED is lit while the pattern's level is at least this."""

RGB = tuple[float, float, float]


@dataclass(frozen=True)
class Segment:
    """Ramp the level from `start` to `end` (0.0-1.0) over `duration_s`."""

    start: float
    end: float
    duration_s: float

    @property
    def is_steady(self) -> bool:
        return self.start == self.end


@dataclass(frozen=True)
class Pattern:
    """A colour (0-255 per channel, at full level) and a loop of segments."""

    name: str
    color: tuple[int, int, int]
    segments: tuple[Segment, ...]

    @property
    def period_s(self) -> float:
        return sum(s.duration_s for s in self.segments)


def steady(level: float) -> tuple[Segment, ...]:
    return (Segment(level, level, 1.0),)


def blink(*on_off_s: float, level: float = 1.0, low: float = 0.0) -> tuple[Segment, ...]:
    """Alternating on/off durations: blink(0.1, 0.1, 0.1, 0.7) is a double blink."""
    return tuple(
        Segment(level, level, d) if i % 2 == 0 else Segment(low, low, d)
        for i, d in enumerate(on_off_s)
    )


def pulse(
    low: float, high: float, up_s: float, down_s: float, rest_s: float = 0.0
) -> tuple[Segment, ...]:
    """Fade up, fade down, optionally rest at `low`."""
    segs = (Segment(low, high, up_s), Segment(high, low, down_s))
    return (*segs, Segment(low, low, rest_s)) if rest_s > 0 else segs


WHITE = (255, 255, 255)
BLUE = (0, 40, 255)
GREEN = (0, 255, 40)
CYAN = (0, 200, 255)
PURPLE = (150, 0, 255)
AMBER = (255, 110, 0)
RED = (255, 0, 0)

PATTERNS: Mapping[Status, Pattern] = {
    Status.STARTING: Pattern("starting", WHITE, blink(0.1, 0.1)),
    Status.CONNECTING: Pattern("connecting", BLUE, blink(0.1, 0.1, 0.1, 0.7)),
    Status.READY: Pattern("ready", GREEN, blink(0.15, 2.85, level=1.0, low=0.1)),
    Status.LISTENING: Pattern("listening", CYAN, steady(1.0)),
    Status.THINKING: Pattern("thinking", PURPLE, pulse(0.05, 1.0, 0.2, 0.2)),
    Status.SPEAKING: Pattern("speaking", GREEN, pulse(0.3, 1.0, 0.6, 0.6)),
    Status.MUTED: Pattern("muted", AMBER, steady(0.3)),
    Status.OFFLINE: Pattern("offline", RED, pulse(0.0, 1.0, 1.0, 1.0)),
    Status.ERROR: Pattern("error", RED, blink(0.1, 0.1, 0.1, 0.1, 0.1, 1.0)),
}
"""Every Status has a pattern (checked by the tests)."""


def pattern_for(status: Status) -> Pattern:
    return PATTERNS[status]


def _locate(pattern: Pattern, t_s: float) -> tuple[int, float]:
    """Index of the segment playing at `t_s` and the time already spent in it."""
    period = pattern.period_s
    phase = math.fmod(max(t_s, 0.0), period) if period > 0 else 0.0
    for index, seg in enumerate(pattern.segments):
        if phase < seg.duration_s:
            return index, phase
        phase -= seg.duration_s
    last = len(pattern.segments) - 1
    return last, pattern.segments[last].duration_s


def level_at(pattern: Pattern, t_s: float) -> float:
    """The level (0.0-1.0) `t_s` seconds after the pattern started."""
    index, into_s = _locate(pattern, t_s)
    seg = pattern.segments[index]
    if seg.is_steady or seg.duration_s <= 0:
        return seg.end if seg.duration_s <= 0 else seg.start
    return seg.start + (seg.end - seg.start) * (into_s / seg.duration_s)


def is_on_at(pattern: Pattern, t_s: float) -> bool:
    """What an on/off LED shows at `t_s`."""
    return level_at(pattern, t_s) >= ON_THRESHOLD


def rgb_at(pattern: Pattern, t_s: float) -> RGB:
    """The colour (0.0-1.0 per channel) at `t_s`: the pattern's colour scaled by its level."""
    level = level_at(pattern, t_s)
    r, g, b = pattern.color
    return (r / 255 * level, g / 255 * level, b / 255 * level)


def next_change_s(pattern: Pattern, t_s: float, frame_s: float) -> float | None:
    """When (in pattern time) the output may next change; None: never (a steady pattern).

    During a ramp that is one frame later; during a steady segment it is the segment's end.
    """
    if len(pattern.segments) == 1 and pattern.segments[0].is_steady:
        return None
    index, into_s = _locate(pattern, t_s)
    seg = pattern.segments[index]
    if seg.is_steady:
        return t_s + max(seg.duration_s - into_s, 1e-6)
    return t_s + min(frame_s, max(seg.duration_s - into_s, 1e-6))
