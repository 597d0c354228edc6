"""Linux LED class devices (/sys/class/leds/<name>/brightness), e.g. the AIY Voice Bonnet's
KTD2027 RGB LED exposed as ktd202x:led1..3. One name: a mono LED; three: red, green, blue.
The voiced user needs write access to the `brightness` files (hardware/udev rules).
"""

from __future__ import annotations

import logging
from pathlib import Path

from voiced.panel.lights.base import Frame

log = logging.getLogger(__name__)

LEDS_DIR = Path("/sys/class/leds")


class LedClassLight:
    frame_s = 0.04

    def __init__(
        self, names: list[str], *, max_brightness: float = 1.0, leds_dir: Path = LEDS_DIR
    ) -> None:
        if len(names) not in (1, 3):
            raise ValueError("LED class light needs 1 or 3 LED names")
        self._dirs = [leds_dir / n for n in names]
        self._max = [self._read_max(d) for d in self._dirs]
        self.max_brightness = max_brightness
        self._last: tuple[int, ...] | None = None
        self._failed = False

    @staticmethod
    def _read_max(led: Path) -> int:
        try:
            return int((led / "max_brightness").read_text().strip())
        except (OSError, ValueError):
            return 255

    def _values(self, frame: Frame) -> tuple[int, ...]:
        channels = (frame.level,) if len(self._dirs) == 1 else frame.rgb
        return tuple(
            round(min(max(c, 0.0), 1.0) * self.max_brightness * m)
            for c, m in zip(channels, self._max, strict=True)
        )

    def _write(self, values: tuple[int, ...]) -> None:
        try:
            for led, value in zip(self._dirs, values, strict=True):
                (led / "brightness").write_text(f"{value}\n")
        except OSError as exc:
            if not self._failed:
                log.warning("cannot set LED %s: %s (check hardware/udev rules)", led, exc)
            self._failed = True

    def render(self, frame: Frame) -> None:
        values = self._values(frame)
        if values != self._last:
            self._last = values
            self._write(values)

    def close(self) -> None:
        self._write(tuple(0 for _ in self._dirs))
