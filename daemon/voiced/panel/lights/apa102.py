"""APA102 / DotStar LED strips, over hardware SPI or two bit-banged GPIOs.

Datasheet framing (what `encode_frame` produces and the tests check):
- start frame: 32 bits of 0;
- one 32-bit frame per LED: 0b111 + 5-bit global brightness, then blue, green, red;
- end frame: at least n/2 bits of 1 to clock the data through the chain (we send
  max(4, ceil(n/16)) bytes of 0xFF, which also covers strips that want 32 ones).

Transports take bytes: `GpiozeroSpi` uses the pin factory's SPI (hardware SPI0 on a Pi via
spidev or lgpio; bit-banged on gpiozero's mock pins), `BitBangSpi` clocks two plain GPIOs
(the Adafruit Voice Bonnet's DotStars on data GPIO5, clock GPIO6). A spidev.SpiDev can be
passed to `SpidevSpi` instead. Wiring: strip CI to SCLK (GPIO11) and DI to MOSI (GPIO10).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from gpiozero import Device, DigitalOutputDevice

from voiced.panel.lights.base import Frame, to_byte

START_FRAME = bytes(4)


def end_frame(count: int) -> bytes:
    return b"\xff" * max(4, -(-count // 16))


def encode_frame(pixels: Sequence[tuple[int, int, int]], brightness: int = 31) -> bytes:
    """The byte stream that sets `pixels` ((r, g, b), 0-255) at global `brightness` (0-31)."""
    if not 0 <= brightness <= 31:
        raise ValueError(f"APA102 brightness is 0-31, not {brightness}")
    out = bytearray(START_FRAME)
    head = 0b1110_0000 | brightness
    for r, g, b in pixels:
        out += bytes((head, b, g, r))
    out += end_frame(len(pixels))
    return bytes(out)


class SpiWriter(Protocol):
    def write(self, data: bytes) -> None: ...

    def close(self) -> None: ...


class GpiozeroSpi:
    """gpiozero's SPI interface for SPI0.<device> (hardware where the factory has it)."""

    def __init__(self, *, port: int = 0, device: int = 0, pin_factory: Any = None) -> None:
        if pin_factory is None:
            Device.ensure_pin_factory()
            pin_factory = Device.pin_factory
        # gpiozero's software SPI bus (its fallback, and what mock pins get) builds its pins
        # from the global Device.pin_factory, not the one passed in: lend it ours meanwhile.
        saved, Device.pin_factory = Device.pin_factory, pin_factory
        try:
            self._spi = pin_factory.spi(port=port, device=device)
        finally:
            Device.pin_factory = saved

    def write(self, data: bytes) -> None:
        self._spi.transfer(list(data))

    def close(self) -> None:
        self._spi.close()


class SpidevSpi:
    """A `spidev.SpiDev`-shaped object, already opened: `writebytes2(bytes)`, `close()`."""

    def __init__(self, dev: Any, *, speed_hz: int = 4_000_000) -> None:
        self._dev = dev
        self._dev.max_speed_hz = speed_hz
        self._dev.mode = 0

    def write(self, data: bytes) -> None:
        self._dev.writebytes2(data)

    def close(self) -> None:
        self._dev.close()


class BitBangSpi:
    """MSB first, data set while the clock is low, latched on the rising edge (SPI mode 0)."""

    def __init__(self, *, clock_pin: int, data_pin: int, pin_factory: Any = None) -> None:
        self._clock = DigitalOutputDevice(clock_pin, pin_factory=pin_factory)
        self._data = DigitalOutputDevice(data_pin, pin_factory=pin_factory)
        self._clock_pin = self._clock.pin
        self._data_pin = self._data.pin

    def write(self, data: bytes) -> None:
        clock, mosi = self._clock_pin, self._data_pin  # pin-level writes: the fast path
        bit_now: int | None = None
        for byte in data:
            for shift in range(7, -1, -1):
                bit = (byte >> shift) & 1
                if bit != bit_now:
                    mosi.state = bit
                    bit_now = bit
                clock.state = 1
                clock.state = 0

    def close(self) -> None:
        self._clock.close()
        self._data.close()


class Apa102Light:
    """`count` APA102 LEDs all showing the pattern's colour; an optional power pin is held on."""

    def __init__(
        self,
        spi: SpiWriter,
        *,
        count: int,
        max_brightness: float = 1.0,
        power_pin: int | None = None,
        pin_factory: Any = None,
        frame_s: float = 0.02,
    ) -> None:
        self._spi = spi
        self.count = count
        self.brightness = max(1, min(31, round(31 * max_brightness)))
        self.frame_s = frame_s
        self._power = (
            None
            if power_pin is None
            else DigitalOutputDevice(power_pin, initial_value=True, pin_factory=pin_factory)
        )
        self._last: tuple[int, int, int] | None = None

    def render(self, frame: Frame) -> None:
        rgb = (to_byte(frame.rgb[0]), to_byte(frame.rgb[1]), to_byte(frame.rgb[2]))
        if rgb != self._last:
            self._last = rgb
            self._spi.write(encode_frame([rgb] * self.count, self.brightness))

    def close(self) -> None:
        try:
            self._spi.write(encode_frame([(0, 0, 0)] * self.count, 0))
        finally:
            self._spi.close()
            if self._power is not None:
                self._power.close()
