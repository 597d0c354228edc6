"""The keyboard as the button and a coloured line as the light (no GPIO, in a terminal).

Keys: space is the talk button (held while the terminal's auto-repeat goes on; what a press
means depends on the talk mode, like the GPIO button), Enter starts / sends a turn, m mutes,
c or Esc cancels, + and - change the volume. The terminal is put in cbreak mode (Ctrl-C
still interrupts) and restored on stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import termios
import time
import tty
from collections.abc import Callable
from typing import Any, TextIO

from voiced.config.talk import TalkConfig
from voiced.core.gestures import KeyRepeatDecoder, TalkButton
from voiced.core.status import PanelInput, Status, TalkEvent
from voiced.panel.lights.player import LightPlayer
from voiced.panel.lights.terminal import TerminalLight
from voiced.panel.timer import DeadlineTimer

log = logging.getLogger(__name__)

HELP = "hold space to talk · Enter: start/send · m: mute · c: cancel · +/-: volume"
SINGLE_KEYS = {
    "\r": TalkEvent.TOGGLE_TURN,
    "\n": TalkEvent.TOGGLE_TURN,
    "m": TalkEvent.MUTE_TOGGLE,
    "c": TalkEvent.CANCEL,
    "\x1b": TalkEvent.CANCEL,
    "+": TalkEvent.VOLUME_UP,
    "=": TalkEvent.VOLUME_UP,
    "-": TalkEvent.VOLUME_DOWN,
}


class KeyboardGestures:
    """Pure: keys and times in; the space bar's button gestures and the other keys' requests
    out."""

    def __init__(
        self, talk: TalkConfig, *, release_after_s: float = 0.7, repeat_gap_s: float = 0.2
    ) -> None:
        self.space = KeyRepeatDecoder(release_after_s=release_after_s, repeat_gap_s=repeat_gap_s)
        self.button = TalkButton(debounce_ms=0, long_press_s=talk.long_press_s)

    def key(self, char: str, now_s: float) -> list[PanelInput]:
        events = self.tick(now_s)
        if char == " ":
            for edge, at_s in self.space.key(now_s):
                events += self.button.edge(edge, at_s)
        elif char.lower() in SINGLE_KEYS:
            events.append(SINGLE_KEYS[char.lower()])
        return events

    def next_deadline_s(self) -> float | None:
        present = [
            d
            for d in (self.space.next_deadline_s(), self.button.next_deadline_s())
            if d is not None
        ]
        return min(present) if present else None

    def tick(self, now_s: float) -> list[PanelInput]:
        events: list[PanelInput] = []
        for edge, at_s in self.space.tick(now_s):
            events += self.button.edge(edge, at_s)
        events += self.button.tick(now_s)
        return events


class KeyboardPanel:
    def __init__(
        self,
        talk: TalkConfig,
        *,
        stdin: TextIO | None = None,
        out: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
        release_after_s: float = 0.7,
        repeat_gap_s: float = 0.2,
    ) -> None:
        self._stdin = stdin if stdin is not None else sys.stdin
        self._out = out if out is not None else sys.stdout
        self._fd = self._stdin.fileno()
        self._clock = clock
        self.gestures = KeyboardGestures(
            talk, release_after_s=release_after_s, repeat_gap_s=repeat_gap_s
        )
        self.player = LightPlayer(TerminalLight(self._out), clock=clock)
        self._saved: list[Any] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timer: DeadlineTimer | None = None
        self._on_input: Callable[[PanelInput], None] | None = None

    async def start(self, on_input: Callable[[PanelInput], None]) -> None:
        self._loop = asyncio.get_running_loop()
        self._on_input = on_input
        self._timer = DeadlineTimer(
            self._loop, self._clock, self.gestures.next_deadline_s, self._tick
        )
        with contextlib.suppress(termios.error):
            self._saved = termios.tcgetattr(self._fd)
            tty.setcbreak(self._fd)
        self._loop.add_reader(self._fd, self._on_readable)
        log.info("panel: keyboard (%s)", HELP)
        self._out.write(HELP + "\n")
        self.player.show(Status.STARTING)
        self.player.start()

    def _on_readable(self) -> None:
        try:
            data = self._read()
        except OSError:
            data = ""
        if not data:  # end of input: stop reading, keep the light
            if self._loop is not None:
                self._loop.remove_reader(self._fd)
            return
        now_s = self._clock()
        for char in data:
            self._emit(self.gestures.key(char, now_s))
        if self._timer is not None:
            self._timer.rearm()

    def _read(self) -> str:
        return os.read(self._fd, 64).decode("utf-8", "replace")

    def _tick(self, now_s: float) -> None:
        self._emit(self.gestures.tick(now_s))

    def _emit(self, events: list[PanelInput]) -> None:
        for event in events:
            if self._on_input is not None:
                self._on_input(event)

    def show(self, status: Status) -> None:
        self.player.show(status)

    async def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self._loop is not None:
            self._loop.remove_reader(self._fd)
        if self._saved is not None:
            with contextlib.suppress(termios.error):
                termios.tcsetattr(self._fd, termios.TCSADRAIN, self._saved)
            self._saved = None
        await asyncio.to_thread(self.player.stop)
