"""The keyboard as the button, through a real pseudo-terminal."""

from __future__ import annotations

import asyncio
import io
import os
import pty
import termios
from collections.abc import Callable, Iterator

import pytest

from voiced.config.talk import TalkConfig
from voiced.core.status import ButtonGesture, Gesture, PanelInput, Status, TalkEvent
from voiced.panel.keyboard import KeyboardGestures, KeyboardPanel

PRESS, RELEASE, LONG = Gesture.PRESS, Gesture.RELEASE, Gesture.LONG_PRESS
TOGGLE, CANCEL = TalkEvent.TOGGLE_TURN, TalkEvent.CANCEL


def kind(event: PanelInput) -> Gesture | TalkEvent:
    return event.gesture if isinstance(event, ButtonGesture) else event


@pytest.fixture
def tty() -> Iterator[tuple[int, io.TextIOWrapper]]:
    """A pty pair: the master fd the test types into, and the slave as the panel's stdin."""
    master, slave = pty.openpty()
    stdin = os.fdopen(slave, "r")
    yield master, stdin
    stdin.close()
    os.close(master)


async def wait_for(pred: Callable[[], bool], timeout_s: float = 3.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not pred():
            await asyncio.sleep(0.005)


async def test_space_hold_and_enter_toggle(tty: tuple[int, io.TextIOWrapper]) -> None:
    """Held space (auto-repeat) is the talk button until the repeats stop; Enter toggles
    the turn; the other keys send their requests."""
    master, stdin = tty
    out = io.StringIO()
    panel = KeyboardPanel(
        TalkConfig(), stdin=stdin, out=out, release_after_s=0.15, repeat_gap_s=0.05
    )
    got: list[PanelInput] = []
    await panel.start(got.append)
    events: list[Gesture | TalkEvent] = []

    def seen() -> list[Gesture | TalkEvent]:
        events[:] = [kind(e) for e in got]
        return events

    assert not termios.tcgetattr(stdin.fileno())[3] & termios.ICANON  # cbreak mode
    for _ in range(5):  # a held key: repeats every 30 ms
        os.write(master, b" ")
        await asyncio.sleep(0.03)
    assert seen() == [PRESS]
    await wait_for(lambda: seen() == [PRESS, RELEASE])
    release = got[1]
    assert isinstance(release, ButtonGesture) and release.held_s >= 0.1
    os.write(master, b"\n")
    await wait_for(lambda: seen() == [PRESS, RELEASE, TOGGLE])
    os.write(master, b"m+-c")
    await wait_for(lambda: len(seen()) == 7)
    assert events[3:] == [TalkEvent.MUTE_TOGGLE, TalkEvent.VOLUME_UP, TalkEvent.VOLUME_DOWN, CANCEL]
    panel.show(Status.LISTENING)
    await wait_for(lambda: "listening" in out.getvalue())
    await panel.stop()
    assert termios.tcgetattr(stdin.fileno())[3] & termios.ICANON  # terminal restored
    assert "hold space to talk" in out.getvalue()


def test_keyboard_gestures_space_held_long() -> None:
    """Space held past long_press_s: LONG_PRESS while held, then a long RELEASE (in hold mode
    that still sends the turn: the conversation machine decides)."""
    g = KeyboardGestures(TalkConfig(long_press_s=2.0), release_after_s=0.7, repeat_gap_s=0.2)
    out = g.key(" ", 0.0)
    t = 0.5
    while t < 2.5:
        out += g.key(" ", t)
        out += g.tick(t)
        t += 0.05
    out += g.tick(3.0)
    assert [kind(e) for e in out] == [PRESS, LONG, RELEASE]
    release = out[-1]
    assert isinstance(release, ButtonGesture) and release.long and release.held_s > 2.0


def test_keyboard_gestures_single_space_is_a_tap() -> None:
    """One space with no auto-repeat: a press held 0 s (a tap), released after the delay."""
    g = KeyboardGestures(TalkConfig(), release_after_s=0.7)
    assert [kind(e) for e in g.key(" ", 1.0)] == [PRESS]
    out = g.tick(1.7)
    assert [kind(e) for e in out] == [RELEASE]
    assert isinstance(out[0], ButtonGesture) and out[0].held_s == 0.0
