"""What a light driver is: something that shows one frame of a pattern."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from voiced.core.patterns import RGB


@dataclass(frozen=True)
class Frame:
    """One sample of a pattern: its level (0-1), its colour at that level, and its name."""

    level: float
    rgb: RGB
    name: str


class Light(Protocol):
    frame_s: float
    """How often to sample while a pattern ramps (seconds)."""

    def render(self, frame: Frame) -> None:
        """Show `frame`; cheap when nothing visible changes (drivers skip repeats)."""

    def close(self) -> None:
        """Turn the light off and release its pins or files."""


class NoLight:
    """A board without a status light."""

    frame_s = 1.0

    def render(self, frame: Frame) -> None:
        pass

    def close(self) -> None:
        pass


def to_byte(value: float) -> int:
    """0.0-1.0 → 0-255, clamped."""
    return max(0, min(255, round(value * 255)))
