"""Plays the pattern of the current status on a light, on its own thread.

`show()` may be called from any thread; the player thread samples the pattern and sleeps
until the output can next change (nothing at all while a pattern is steady). Tests and the
benchmark drive `step(now_s)` themselves instead of starting the thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from voiced.core.patterns import Pattern, level_at, next_change_s, pattern_for, rgb_at
from voiced.core.status import Status
from voiced.panel.lights.base import Frame, Light

log = logging.getLogger(__name__)


class LightPlayer:
    def __init__(self, light: Light, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.light = light
        self._clock = clock
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._status = Status.STARTING
        self._pattern: Pattern = pattern_for(Status.STARTING)
        self._since_s = clock()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._shown = False

    @property
    def status(self) -> Status:
        return self._status

    def show(self, status: Status, now_s: float | None = None) -> None:
        """Switch to `status`'s pattern from its beginning (the same status again: no change)."""
        with self._lock:
            if status is self._status and self._shown:
                return
            self._shown = True
            self._status = status
            self._pattern = pattern_for(status)
            self._since_s = self._clock() if now_s is None else now_s
        self._wake.set()

    def step(self, now_s: float) -> float | None:
        """Render the frame for `now_s`; return when to step next (None: not until show())."""
        with self._lock:
            pattern, since_s = self._pattern, self._since_s
        t_s = now_s - since_s
        self.light.render(Frame(level_at(pattern, t_s), rgb_at(pattern, t_s), pattern.name))
        nxt = next_change_s(pattern, t_s, self.light.frame_s)
        return None if nxt is None else since_s + nxt

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="voiced-light", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping:
            try:
                nxt = self.step(self._clock())
            except Exception:  # a dead light must not take the daemon down
                log.exception("status light failed; leaving it dark")
                return
            timeout = None if nxt is None else max(nxt - self._clock(), 0.0)
            self._wake.wait(timeout)
            self._wake.clear()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
            self._thread = None
        self.light.close()
