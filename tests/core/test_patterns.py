"""The status → light pattern table and its sampling."""

from __future__ import annotations

import itertools

import pytest

from voiced.core.patterns import (
    ON_THRESHOLD,
    PATTERNS,
    Pattern,
    Segment,
    is_on_at,
    level_at,
    next_change_s,
    pattern_for,
    rgb_at,
)
from voiced.core.status import Status

FRAME_S = 0.01
WINDOW_S = 6.0


def samples(pattern: Pattern, *, binary: bool) -> tuple[float, ...]:
    ts = [i * FRAME_S for i in range(int(WINDOW_S / FRAME_S))]
    if binary:
        return tuple(float(is_on_at(pattern, t)) for t in ts)
    return tuple(round(level_at(pattern, t), 3) for t in ts)


def test_every_status_has_a_pattern() -> None:
    """No status is left without a light pattern."""
    assert set(PATTERNS) == set(Status)
    for status in Status:
        assert pattern_for(status).segments


@pytest.mark.parametrize("binary", [False, True], ids=["pwm", "on-off"])
def test_statuses_are_distinct_on_a_single_led(binary: bool) -> None:
    """Over 6 s, no two statuses look the same on one PWM LED, nor on one on/off LED."""
    seen = {s: samples(PATTERNS[s], binary=binary) for s in Status}
    for a, b in itertools.combinations(Status, 2):
        assert seen[a] != seen[b], f"{a} and {b} look the same"


def test_on_off_signatures_differ_in_period_or_duty() -> None:
    """On an on/off LED each status has its own (period, duty) signature, not just a phase."""
    sigs = {}
    for status, p in PATTERNS.items():
        lit = samples(p, binary=True)
        duty = round(sum(lit) / len(lit), 2)
        sigs[status] = (round(p.period_s, 2) if 0 < duty < 1 else 0.0, duty)
    assert len(set(sigs.values())) == len(sigs), sigs


def test_listening_is_steady_bright_and_muted_dark_on_off() -> None:
    """Listening is steady full; muted is dark on a plain on/off LED."""
    assert samples(PATTERNS[Status.LISTENING], binary=False) == (1.0,) * 600
    assert not any(samples(PATTERNS[Status.MUTED], binary=True))


def test_ramp_interpolates_and_loops() -> None:
    """A ramp is linear inside its segment and the pattern repeats with its period."""
    p = Pattern("t", (255, 0, 0), (Segment(0.0, 1.0, 1.0), Segment(1.0, 0.0, 1.0)))
    assert level_at(p, 0.25) == pytest.approx(0.25)
    assert level_at(p, 1.5) == pytest.approx(0.5)
    assert level_at(p, 2.25) == pytest.approx(0.25)
    assert rgb_at(p, 0.5) == pytest.approx((0.5, 0.0, 0.0))


def test_next_change() -> None:
    """Steady patterns need no frames; blinks wake at segment ends; ramps every frame."""
    assert next_change_s(PATTERNS[Status.LISTENING], 3.0, 0.02) is None
    blink = PATTERNS[Status.STARTING]
    assert next_change_s(blink, 0.05, 0.02) == pytest.approx(0.1)
    ramp = PATTERNS[Status.OFFLINE]
    assert next_change_s(ramp, 0.5, 0.02) == pytest.approx(0.52)


def test_threshold_is_midscale() -> None:
    """The on/off threshold is what the table's docs assume."""
    assert ON_THRESHOLD == 0.5
    assert is_on_at(PATTERNS[Status.READY], 0.05)
    assert not is_on_at(PATTERNS[Status.READY], 1.0)
