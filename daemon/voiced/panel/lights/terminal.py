"""The status light as a coloured line in a terminal (no GPIO: a laptop, a bring-up)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import TextIO

from voiced.panel.lights.base import Frame, to_byte

BAR_WIDTH = 12
CLEAR_LINE = "\r\x1b[2K"

# One status line per process: log lines written to the same terminal clear it first and
# redraw it after (`status_line_paused`), so the two never run into each other.
_lock = threading.RLock()
_active: list[TerminalLight] = []


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


@contextlib.contextmanager
def status_line_paused(stream: TextIO) -> Iterator[None]:
    """Around a write of whole lines to `stream`: clear the status line, redraw it after."""
    with _lock:
        light = _active[-1] if _active else None
        shown = light is not None and light.shown and _is_tty(stream) and _is_tty(light.out)
        if shown and light is not None:
            light.out.write(CLEAR_LINE)
            light.out.flush()
        try:
            yield
        finally:
            if shown and light is not None:
                with contextlib.suppress(OSError, ValueError):
                    stream.flush()
                    light.out.write(light.shown)
                    light.out.flush()


def render_line(frame: Frame) -> str:
    """`\\r` + a bar in the pattern's colour (24-bit ANSI) at its level + the status name."""
    r, g, b = (to_byte(c) for c in frame.rgb)
    lit = round(frame.level * BAR_WIDTH)
    bar = f"\x1b[38;2;{r};{g};{b}m" + "█" * lit + "\x1b[0m" + "·" * (BAR_WIDTH - lit)
    return f"\r\x1b[2K {bar} {frame.name}"


class TerminalLight:
    frame_s = 0.1

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.shown = ""
        """The line on screen now ("" before the first frame and after close)."""
        with _lock:
            _active.append(self)

    def render(self, frame: Frame) -> None:
        line = render_line(frame)
        with _lock:
            if line != self.shown:
                self.shown = line
                self.out.write(line)
                self.out.flush()

    def close(self) -> None:
        with _lock:
            self.shown = ""
            if self in _active:
                _active.remove(self)
            self.out.write(CLEAR_LINE)
            self.out.flush()
