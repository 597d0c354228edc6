"""Run a pure gesture machine's deadlines on the event loop (a timer, never a sleep)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class DeadlineTimer:
    """Keeps one loop timer armed for the earliest of `deadline()`; calls `fire(now_s)`."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        clock: Callable[[], float],
        deadline: Callable[[], float | None],
        fire: Callable[[float], None],
    ) -> None:
        self._loop = loop
        self._clock = clock
        self._deadline = deadline
        self._fire = fire
        self._handle: asyncio.TimerHandle | None = None

    def rearm(self) -> None:
        """Call on the loop after feeding the machine anything."""
        self.cancel()
        deadline = self._deadline()
        if deadline is not None:
            delay = max(deadline - self._clock(), 0.0)
            self._handle = self._loop.call_later(delay, self._on_timer)

    def _on_timer(self) -> None:
        self._handle = None
        self._fire(self._clock())
        self.rearm()

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
