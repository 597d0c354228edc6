"""Light drivers render the pattern table over time on gpiozero's mock pins, SPI and sysfs."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest
from gpiozero.pins.mock import MockFactory, MockSPIClockPin, MockSPIDevice

from voiced.core.patterns import PATTERNS, is_on_at, level_at, rgb_at
from voiced.core.status import Status
from voiced.panel.lights.apa102 import (
    Apa102Light,
    GpiozeroSpi,
    SpidevSpi,
    encode_frame,
)
from voiced.panel.lights.base import Frame, to_byte
from voiced.panel.lights.gpio import OnOffLight, PwmLight, RgbLight
from voiced.panel.lights.ledclass import LedClassLight
from voiced.panel.lights.make import make_light
from voiced.panel.lights.player import LightPlayer
from voiced.panel.lights.terminal import TerminalLight, render_line
from voiced.panel.profiles import LightSpec

STEP_S = 0.01
SPAN_S = 3.0


@pytest.mark.parametrize("status", list(Status), ids=lambda s: s.value)
def test_pwm_led_follows_each_pattern(factory: MockFactory, status: Status) -> None:
    """PWM LED: pin value = level x brightness at every frame; pin.states records the changes."""
    light = PwmLight(25, max_brightness=0.5, pin_factory=factory)
    player = LightPlayer(light)
    pin = factory.pin(25)
    player.show(status, now_s=0.0)
    pattern = PATTERNS[status]
    expected = [0.0]
    for i in range(int(SPAN_S / STEP_S)):
        t = i * STEP_S
        player.step(t)
        duty = round(level_at(pattern, t) * 0.5, 3)
        assert pin.state == pytest.approx(duty, abs=1e-9)
        if duty != expected[-1]:
            expected.append(duty)
    # pin.states holds exactly the changes: no needless writes, none missed
    assert [round(s.state, 3) for s in pin.states] == expected
    if status in (Status.LISTENING, Status.MUTED):
        assert len(expected) == 2
    player.stop()
    assert pin.state == 0


@pytest.mark.parametrize("status", list(Status), ids=lambda s: s.value)
def test_on_off_led_follows_each_pattern(factory: MockFactory, status: Status) -> None:
    """On/off LED: lit exactly when the level crosses the threshold; active-low inverts."""
    light = OnOffLight(22, active_high=False, pin_factory=factory)
    player = LightPlayer(light)
    pin = factory.pin(22)
    player.show(status, now_s=0.0)
    for i in range(int(SPAN_S / STEP_S)):
        t = i * STEP_S
        player.step(t)
        assert pin.state == (not is_on_at(PATTERNS[status], t))
    player.stop()


def test_rgb_led_shows_the_colour(factory: MockFactory) -> None:
    """RGB LED: each pin carries its channel of the pattern's colour at its level."""
    light = RgbLight(5, 6, 13, pin_factory=factory)
    player = LightPlayer(light)
    pins = [factory.pin(n) for n in (5, 6, 13)]
    player.show(Status.OFFLINE, now_s=0.0)
    for t in (0.0, 0.25, 0.5, 1.0, 1.5):
        player.step(t)
        expected = [round(c, 3) for c in rgb_at(PATTERNS[Status.OFFLINE], t)]
        assert [p.state for p in pins] == pytest.approx(expected)
    assert pins[1].state == 0 and pins[2].state == 0  # offline is pure red


def test_next_step_time(factory: MockFactory) -> None:
    """The player sleeps through steady patterns and wakes at blink edges."""
    player = LightPlayer(PwmLight(25, pin_factory=factory))
    player.show(Status.LISTENING, now_s=10.0)
    assert player.step(11.0) is None
    player.show(Status.STARTING, now_s=20.0)
    assert player.step(20.0) == pytest.approx(20.1)


def test_player_thread_animates_and_stops(factory: MockFactory) -> None:
    """Started, the player's own thread renders frames until stopped."""
    seen = threading.Event()

    class Probe(PwmLight):
        def render(self, frame: Frame) -> None:
            super().render(frame)
            if frame.name == "thinking" and frame.level > 0.9:
                seen.set()

    player = LightPlayer(Probe(25, pin_factory=factory))
    player.start()
    player.show(Status.THINKING)
    assert seen.wait(5.0)
    player.stop()
    assert factory.pin(25).state == 0


# --- APA102: the datasheet framing ---------------------------------------------------------


def decode_apa102(stream: bytes, count: int) -> list[tuple[int, int, int, int]]:
    """Parse per the datasheet: 32 zero bits, count x (0b111 + 5-bit brightness, B, G, R),
    then at least count/2 one bits. Returns (brightness, r, g, b) per LED."""
    assert stream[:4] == b"\x00\x00\x00\x00", "start frame is 32 zero bits"
    leds = []
    for i in range(count):
        head, b, g, r = stream[4 + 4 * i : 8 + 4 * i]
        assert head >> 5 == 0b111, f"LED {i}: frame must start with 0b111"
        leds.append((head & 0x1F, r, g, b))
    end = stream[4 + 4 * count :]
    assert set(end) == {0xFF} and len(end) * 8 >= count / 2, "end frame: >= n/2 one bits"
    return leds


def test_encode_frame_datasheet() -> None:
    """encode_frame: start frame, LED frames in B,G,R order, end frame long enough."""
    stream = encode_frame([(255, 16, 1), (0, 0, 0), (1, 2, 3)], brightness=7)
    assert stream.hex() == "00000000" + "e70110ff" + "e7000000" + "e7030201" + "ffffffff"
    assert decode_apa102(stream, 3) == [(7, 255, 16, 1), (7, 0, 0, 0), (7, 1, 2, 3)]
    long = encode_frame([(1, 1, 1)] * 100)
    assert len(long) == 4 + 400 + 7  # ceil(100/16) = 7 bytes of ones
    with pytest.raises(ValueError, match="0-31"):
        encode_frame([(0, 0, 0)], brightness=32)


class SpiRecorder(MockSPIDevice):  # type: ignore[misc]
    """gpiozero's mock SPI slave on SCLK 11 / MOSI 10 / CE0 8, keeping every byte."""

    def __init__(self, factory: MockFactory) -> None:
        super().__init__(11, 10, None, 8, pin_factory=factory)
        self.received = bytearray()

    def on_bit(self) -> None:
        if len(self.rx_buf) == 8:
            self.received.append(self.rx_word())
            self.rx_buf: list[int] = []


def test_apa102_over_gpiozero_spi(plain_factory: MockFactory) -> None:
    """ReSpeaker strip over SPI0: the bytes on MOSI (clocked on SCLK) follow the datasheet."""
    recorder = SpiRecorder(plain_factory)
    light = Apa102Light(
        GpiozeroSpi(port=0, device=0, pin_factory=plain_factory), count=3, max_brightness=0.5
    )
    player = LightPlayer(light)
    player.show(Status.LISTENING, now_s=0.0)
    player.step(0.0)
    frames = decode_apa102(bytes(recorder.received), 3)
    cyan = PATTERNS[Status.LISTENING].color
    assert frames == [(16, *cyan)] * 3  # brightness round(31 * 0.5)
    recorder.received.clear()
    player.stop()  # turns the LEDs off on the way out
    assert decode_apa102(bytes(recorder.received), 3) == [(0, 0, 0, 0)] * 3


class ClockObserver:
    """Hooks gpiozero's MockSPIClockPin: samples the data pin on each rising clock edge."""

    def __init__(self, factory: MockFactory, clock_pin: int, data_pin: int) -> None:
        self.clock = factory.pin(clock_pin, pin_class=MockSPIClockPin)
        self.data = factory.pin(data_pin)
        self.clock.spi_devices.append(self)
        self.bits: list[int] = []

    def on_clock(self) -> None:
        if self.clock.state:
            self.bits.append(int(self.data.state))

    def bytes(self) -> bytes:
        assert len(self.bits) % 8 == 0
        return bytes(
            int("".join(map(str, self.bits[i : i + 8])), 2) for i in range(0, len(self.bits), 8)
        )


def test_apa102_bit_banged_dotstars(plain_factory: MockFactory) -> None:
    """Adafruit Voice Bonnet: data GPIO5, clock GPIO6, MSB first, datasheet framing."""
    observer = ClockObserver(plain_factory, clock_pin=6, data_pin=5)
    light = make_light(
        LightSpec(driver="apa102", count=3, data_pin=5, clock_pin=6), pin_factory=plain_factory
    )
    light.render(Frame(1.0, (1.0, 0.5, 0.0), "test"))
    assert decode_apa102(observer.bytes(), 3) == [(31, 255, 128, 0)] * 3
    before = len(observer.bits)
    light.render(Frame(1.0, (1.0, 0.5, 0.0), "test"))
    assert len(observer.bits) == before  # an unchanged frame is not sent again
    light.close()


def test_apa102_power_pin(factory: MockFactory) -> None:
    """ReSpeaker 4-Mic: GPIO5 powers the LEDs while the light is open."""
    sent: list[bytes] = []

    class Dev:
        max_speed_hz = 0
        mode = 3

        def writebytes2(self, data: bytes) -> None:
            sent.append(bytes(data))

        def close(self) -> None:
            sent.append(b"closed")

    light = Apa102Light(SpidevSpi(Dev()), count=12, power_pin=5, pin_factory=factory)
    assert factory.pin(5).state == 1
    light.render(Frame(0.5, (0.5, 0.0, 0.0), "x"))
    assert decode_apa102(sent[0], 12) == [(31, 128, 0, 0)] * 12
    light.close()
    assert sent[-1] == b"closed"


# --- LED class devices and the terminal ----------------------------------------------------


def test_led_class_rgb(tmp_path: Path) -> None:
    """AIY Voice Bonnet: brightness files get the colour scaled to max_brightness."""
    names = ["ktd202x:led1", "ktd202x:led2", "ktd202x:led3"]
    for n in names:
        (tmp_path / n).mkdir()
        (tmp_path / n / "max_brightness").write_text("100\n")
        (tmp_path / n / "brightness").write_text("0\n")
    light = LedClassLight(names, leds_dir=tmp_path)
    light.render(Frame(1.0, (1.0, 0.5, 0.0), "x"))
    assert [(tmp_path / n / "brightness").read_text() for n in names] == ["100\n", "50\n", "0\n"]
    light.close()
    assert {(tmp_path / n / "brightness").read_text() for n in names} == {"0\n"}


def test_led_class_missing_device_warns_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """No such LED: one warning naming the path, the daemon carries on."""
    light = LedClassLight(["nope"], leds_dir=tmp_path)
    light.render(Frame(1.0, (1.0, 1.0, 1.0), "x"))
    light.render(Frame(0.2, (0.2, 0.2, 0.2), "x"))
    warnings = [r for r in caplog.records if "cannot set LED" in r.getMessage()]
    assert len(warnings) == 1 and "nope" in warnings[0].getMessage()


def test_terminal_line() -> None:
    """The terminal light is one rewritten line: colour, a bar at the level, the status name."""
    out = io.StringIO()
    light = TerminalLight(out)
    light.render(Frame(0.5, (1.0, 0.0, 0.0), "offline"))
    light.render(Frame(0.5, (1.0, 0.0, 0.0), "offline"))
    text = out.getvalue()
    assert text == render_line(Frame(0.5, (1.0, 0.0, 0.0), "offline"))
    assert "\x1b[38;2;255;0;0m" in text and text.count("█") == 6 and text.endswith("offline")
    assert to_byte(1.2) == 255 and to_byte(-1) == 0


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_log_lines_do_not_run_into_the_status_line() -> None:
    """A log record to the same terminal clears the status line first and redraws it after."""
    import logging

    from voiced.logsetup import _StatusLineSafeHandler
    from voiced.panel.lights.terminal import CLEAR_LINE

    tty = FakeTty()
    light = TerminalLight(tty)
    handler = _StatusLineSafeHandler(tty)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    try:
        light.render(Frame(1.0, (0.0, 1.0, 0.0), "ready"))
        status = render_line(Frame(1.0, (0.0, 1.0, 0.0), "ready"))
        handler.emit(logging.LogRecord("x", logging.WARNING, __file__, 1, "hello", (), None))
        assert tty.getvalue() == status + CLEAR_LINE + "WARNING hello\n" + status
    finally:
        light.close()
    tty.truncate(0)
    tty.seek(0)
    handler.emit(logging.LogRecord("x", logging.WARNING, __file__, 1, "after", (), None))
    assert tty.getvalue() == "WARNING after\n"  # no light: nothing cleared or redrawn
