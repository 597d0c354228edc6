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
from voiced.core.status import Status, TalkEvent
from voiced.panel.keyboard import KeyboardGestures, KeyboardPanel

START, END, CANCEL = TalkEvent.TALK_START, TalkEvent.TALK_END, TalkEvent.CANCEL


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
    """Held space (auto-repeat) talks until the repeats stop; Enter starts and sends."""
    master, stdin = tty
    out = io.StringIO()
    panel = KeyboardPanel(
        TalkConfig(), stdin=stdin, out=out, release_after_s=0.15, repeat_gap_s=0.05
    )
    events: list[TalkEvent] = []
    await panel.start(events.append)
    assert not termios.tcgetattr(stdin.fileno())[3] & termios.ICANON  # cbreak mode
    for _ in range(5):  # a held key: repeats every 30 ms
        os.write(master, b" ")
        await asyncio.sleep(0.03)
    assert events == [START]
    await wait_for(lambda: events == [START, END])
    os.write(master, b"\n")
    await wait_for(lambda: events == [START, END, START])
    os.write(master, b"\n")
    await wait_for(lambda: events[-1] is END and len(events) == 4)
    os.write(master, b"m+-c")
    await wait_for(lambda: len(events) == 8)
    assert events[4:] == [TalkEvent.MUTE_TOGGLE, TalkEvent.VOLUME_UP, TalkEvent.VOLUME_DOWN, CANCEL]
    panel.show(Status.LISTENING)
    await wait_for(lambda: "listening" in out.getvalue())
    await panel.stop()
    assert termios.tcgetattr(stdin.fileno())[3] & termios.ICANON  # terminal restored
    assert "hold space to talk" in out.getvalue()


def test_keyboard_gestures_long_space_cancels() -> None:
    """Space held past long_press_s cancels, and its release sends nothing."""
    g = KeyboardGestures(TalkConfig(long_press_s=2.0), release_after_s=0.7, repeat_gap_s=0.2)
    out = g.key(" ", 0.0)
    t = 0.5
    while t < 2.5:
        out += g.key(" ", t)
        t += 0.05
    out += g.tick(3.0)
    assert out == [START, CANCEL]


def test_keyboard_gestures_vad_mode() -> None:
    """In vad mode space and Enter mute and unmute."""
    g = KeyboardGestures(TalkConfig(mode="vad"), release_after_s=0.7)
    assert g.key("\n", 0.0) == [TalkEvent.MUTE_TOGGLE]
    assert g.key(" ", 1.0) == []
    assert g.tick(1.7) == [TalkEvent.MUTE_TOGGLE]
