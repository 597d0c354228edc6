"""The status light as a coloured line in a terminal (no GPIO: a laptop, a bring-up)."""

from __future__ import annotations

from typing import TextIO

from voiced.panel.lights.base import Frame, to_byte

BAR_WIDTH = 12


def render_line(frame: Frame) -> str:
    """`\\r` + a bar in the pattern's colour (24-bit ANSI) at its level + the status name."""
    r, g, b = (to_byte(c) for c in frame.rgb)
    lit = round(frame.level * BAR_WIDTH)
    bar = f"\x1b[38;2;{r};{g};{b}m" + "█" * lit + "\x1b[0m" + "·" * (BAR_WIDTH - lit)
    return f"\r\x1b[2K {bar} {frame.name}"


class TerminalLight:
    frame_s = 0.1

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._last = ""

    def render(self, frame: Frame) -> None:
        line = render_line(frame)
        if line != self._last:
            self._last = line
            self._out.write(line)
            self._out.flush()

    def close(self) -> None:
        self._out.write("\r\x1b[2K")
        self._out.flush()
