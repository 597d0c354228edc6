"""Lights on GPIO pins through gpiozero: an on/off LED, a PWM LED, an RGB LED.

Wiring: LED anode through a resistor (≈330 Ω) to the pin, cathode to GND, `active = "high"`;
a LED wired from 3V3 to the pin is `active = "low"`. The pin factory is passed in, so the
same code drives real pins (lgpio on a Pi 5) and gpiozero's mock pins in the tests::

    light = PwmLight(25, pin_factory=MockFactory(pin_class=MockPWMPin))
    light.render(Frame(0.5, (0.5, 0.5, 0.5), "test"))   # pin 25 at 50 %
"""

from __future__ import annotations

from typing import Any

from gpiozero import LED, PWMLED, RGBLED

from voiced.core.patterns import ON_THRESHOLD
from voiced.panel.lights.base import Frame


class OnOffLight:
    """A plain LED: lit while the pattern's level is at least ON_THRESHOLD."""

    frame_s = 0.02

    def __init__(self, pin: int, *, active_high: bool = True, pin_factory: Any = None) -> None:
        self._led = LED(pin, active_high=active_high, initial_value=False, pin_factory=pin_factory)
        self._lit: bool | None = None

    def render(self, frame: Frame) -> None:
        lit = frame.level >= ON_THRESHOLD
        if lit != self._lit:
            self._lit = lit
            self._led.value = lit

    def close(self) -> None:
        self._led.off()
        self._led.close()


class PwmLight:
    """A dimmable LED: duty cycle = level x max_brightness."""

    frame_s = 0.02

    def __init__(
        self,
        pin: int,
        *,
        active_high: bool = True,
        max_brightness: float = 1.0,
        frequency_hz: float = 200.0,
        pin_factory: Any = None,
    ) -> None:
        self._led = PWMLED(
            pin,
            active_high=active_high,
            initial_value=0.0,
            frequency=frequency_hz,
            pin_factory=pin_factory,
        )
        self.max_brightness = max_brightness
        self._duty: float | None = None

    def render(self, frame: Frame) -> None:
        duty = round(min(max(frame.level, 0.0), 1.0) * self.max_brightness, 3)
        if duty != self._duty:
            self._duty = duty
            self._led.value = duty

    def close(self) -> None:
        self._led.off()
        self._led.close()


class RgbLight:
    """A three-pin RGB LED (PWM on each colour)."""

    frame_s = 0.02

    def __init__(
        self,
        red_pin: int,
        green_pin: int,
        blue_pin: int,
        *,
        active_high: bool = True,
        max_brightness: float = 1.0,
        pin_factory: Any = None,
    ) -> None:
        self._led = RGBLED(
            red_pin,
            green_pin,
            blue_pin,
            active_high=active_high,
            initial_value=(0.0, 0.0, 0.0),
            pwm=True,
            pin_factory=pin_factory,
        )
        self.max_brightness = max_brightness
        self._rgb: tuple[float, float, float] | None = None

    def render(self, frame: Frame) -> None:
        r, g, b = (round(min(max(c, 0.0), 1.0) * self.max_brightness, 3) for c in frame.rgb)
        if (r, g, b) != self._rgb:
            self._rgb = (r, g, b)
            self._led.value = (r, g, b)

    def close(self) -> None:
        self._led.off()
        self._led.close()
