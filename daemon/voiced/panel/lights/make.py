"""Build the light a profile's [light] section describes."""

from __future__ import annotations

from typing import Any

from voiced.panel.lights.apa102 import Apa102Light, BitBangSpi, GpiozeroSpi, SpiWriter
from voiced.panel.lights.base import Light, NoLight
from voiced.panel.lights.gpio import OnOffLight, PwmLight, RgbLight
from voiced.panel.lights.ledclass import LEDS_DIR, LedClassLight
from voiced.panel.profiles import LightSpec


def make_light(
    spec: LightSpec,
    *,
    pin_factory: Any = None,
    brightness: float = 1.0,
    spi: SpiWriter | None = None,
    leds_dir: Any = LEDS_DIR,
) -> Light:
    """The driver for `spec`; `brightness` (panel.led_brightness) scales the profile's cap.

    `spi` replaces the APA102 transport (a spidev.SpiDev wrapped in SpidevSpi, say)."""
    cap = spec.max_brightness * brightness
    high = spec.active == "high"
    if spec.driver == "led" and spec.pin is not None:
        return OnOffLight(spec.pin, active_high=high, pin_factory=pin_factory)
    if spec.driver == "pwm" and spec.pin is not None:
        return PwmLight(spec.pin, active_high=high, max_brightness=cap, pin_factory=pin_factory)
    if spec.driver == "rgb" and None not in (spec.red_pin, spec.green_pin, spec.blue_pin):
        assert spec.red_pin is not None and spec.green_pin is not None
        assert spec.blue_pin is not None
        return RgbLight(
            spec.red_pin,
            spec.green_pin,
            spec.blue_pin,
            active_high=high,
            max_brightness=cap,
            pin_factory=pin_factory,
        )
    if spec.driver == "apa102":
        if spi is None:
            if spec.clock_pin is not None and spec.data_pin is not None:
                spi = BitBangSpi(
                    clock_pin=spec.clock_pin, data_pin=spec.data_pin, pin_factory=pin_factory
                )
            else:
                spi = GpiozeroSpi(
                    port=spec.spi_port, device=spec.spi_device, pin_factory=pin_factory
                )
        bitbang = isinstance(spi, BitBangSpi)
        return Apa102Light(
            spi,
            count=spec.count,
            max_brightness=cap,
            power_pin=spec.power_pin,
            pin_factory=pin_factory,
            frame_s=0.04 if bitbang else 0.02,
        )
    if spec.driver == "ledclass":
        return LedClassLight(spec.leds, max_brightness=cap, leds_dir=leds_dir)
    return NoLight()
