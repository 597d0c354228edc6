"""The GPIO panel on gpiozero's mock pins: profiles, gestures, extra buttons, threads."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from gpiozero import Button
from gpiozero.pins.mock import MockFactory

from voiced.config.talk import TalkConfig
from voiced.core.status import ButtonGesture, Gesture, PanelInput, Status, TalkEvent
from voiced.panel.gpio import GpioPanel
from voiced.panel.lights.make import make_light
from voiced.panel.profiles import BoardProfile, load_profile

START, END, LONG = Gesture.PRESS, Gesture.RELEASE, Gesture.LONG_PRESS
DEBOUNCE_MS = 20.0
LONG_S = 0.3


async def wait_for(pred: Callable[[], bool], timeout_s: float = 3.0) -> None:
    """Poll the condition on the loop (the timers must run); fail after `timeout_s`."""
    async with asyncio.timeout(timeout_s):
        while not pred():
            await asyncio.sleep(0.002)


async def settle() -> None:
    """Long enough for any pending debounce or stray event to show up."""
    await asyncio.sleep(DEBOUNCE_MS / 1000 * 4)


class Recorder:
    """What the panel handed over: gestures of the talk button (by kind), other requests."""

    def __init__(self) -> None:
        self.events: list[Gesture | TalkEvent] = []
        self.gestures: list[ButtonGesture] = []
        self.threads: set[int] = set()

    def __call__(self, event: PanelInput) -> None:
        if isinstance(event, ButtonGesture):
            self.gestures.append(event)
            self.events.append(event.gesture)
        else:
            self.events.append(event)
        self.threads.add(threading.get_ident())


def talk() -> TalkConfig:
    return TalkConfig(debounce_ms=DEBOUNCE_MS, long_press_s=LONG_S)


async def started(
    profile: BoardProfile, factory: MockFactory, **kw: object
) -> tuple[GpioPanel, Recorder]:
    panel = GpioPanel(profile, talk(), pin_factory=factory, **kw)  # type: ignore[arg-type]
    rec = Recorder()
    await panel.start(rec)
    return panel, rec


@pytest.mark.parametrize(
    "name",
    [
        "respeaker-2mic-v1",
        "respeaker-2mic-v2",
        "respeaker-4mic",
        "adafruit-voice-bonnet",
        "aiy-voice-hat",
        "aiy-voice-bonnet",
        "usb-generic",
    ],
)
async def test_every_profile_drives_its_pins(
    name: str, profiles: dict[str, BoardProfile], factory: MockFactory, tmp_path: Path
) -> None:
    """Each shipped profile: its talk pin gives PRESS/RELEASE, its light pins move."""
    profile = profiles[name]
    light = None
    if profile.light.driver == "ledclass":
        for led in profile.light.leds:
            (tmp_path / led).mkdir()
            (tmp_path / led / "brightness").write_text("0")
        light = make_light(profile.light, leds_dir=tmp_path)
    panel, rec = await started(profile, factory, light=light)
    button = factory.pin(profile.buttons["talk"].pin)
    assert button.state == 1  # pulled up, idle
    button.drive_low()
    await wait_for(lambda: rec.events == [START])
    button.drive_high()
    await wait_for(lambda: rec.events == [START, END])

    panel.show(Status.LISTENING)
    spec = profile.light
    if spec.driver == "pwm":
        assert spec.pin is not None
        await wait_for(lambda: factory.pin(spec.pin).state == spec.max_brightness)
    elif spec.driver == "apa102":
        clock, data = (11, 10) if spec.clock_pin is None else (spec.clock_pin, spec.data_pin)
        await wait_for(lambda: len(factory.pin(clock).states) > 32 * (spec.count + 2))
        assert len(factory.pin(data).states) > 2
        if spec.power_pin is not None:
            assert factory.pin(spec.power_pin).state == 1
    elif spec.driver == "ledclass":
        first = tmp_path / spec.leds[0] / "brightness"
        await wait_for(lambda: first.read_text() != "0")
    await panel.stop()
    Button(profile.buttons["talk"].pin, pin_factory=factory).close()  # the pin was released


async def test_hold_with_bounce_trains(
    profiles: dict[str, BoardProfile], factory: MockFactory
) -> None:
    """Bouncy press and release → exactly one PRESS and one RELEASE."""
    panel, rec = await started(profiles["aiy-voice-hat"], factory)
    pin = factory.pin(23)
    for _ in range(5):
        pin.drive_low()
        pin.drive_high()
    pin.drive_low()
    await wait_for(lambda: rec.events == [START])
    for _ in range(5):
        pin.drive_high()
        pin.drive_low()
    pin.drive_high()
    await wait_for(lambda: rec.events == [START, END])
    await settle()
    assert rec.events == [START, END]
    await panel.stop()


async def test_blip_shorter_than_debounce_is_still_a_press(
    profiles: dict[str, BoardProfile], factory: MockFactory
) -> None:
    """A press released within the debounce: PRESS at once, RELEASE when the debounce ends."""
    panel, rec = await started(profiles["aiy-voice-hat"], factory)
    pin = factory.pin(23)
    pin.drive_low()
    await asyncio.sleep(DEBOUNCE_MS / 1000 / 4)
    pin.drive_high()
    await wait_for(lambda: rec.events == [START, END])
    await settle()
    assert rec.events == [START, END]
    assert rec.gestures[1].held_s >= DEBOUNCE_MS / 1000 - 1e-6
    await panel.stop()


async def test_long_press_fires_while_held(
    profiles: dict[str, BoardProfile], factory: MockFactory
) -> None:
    """Held past long_press_s: LONG_PRESS arrives while held; the release follows, long."""
    panel, rec = await started(profiles["aiy-voice-hat"], factory)
    pin = factory.pin(23)
    pin.drive_low()
    await wait_for(lambda: rec.events == [START, LONG])
    assert pin.state == 0  # still held
    pin.drive_high()
    await wait_for(lambda: rec.events == [START, LONG, END])
    assert rec.gestures[-1].long and rec.gestures[-1].held_s >= LONG_S
    await panel.stop()


async def test_edges_from_gpiozero_threads_reach_the_loop_thread(
    profiles: dict[str, BoardProfile], factory: MockFactory
) -> None:
    """Edges driven on another thread (as gpiozero's are) call on_input on the loop's thread."""
    panel, rec = await started(profiles["aiy-voice-hat"], factory)
    pin = factory.pin(23)
    await asyncio.to_thread(pin.drive_low)
    await wait_for(lambda: rec.events == [START])
    await asyncio.to_thread(pin.drive_high)
    await wait_for(lambda: rec.events == [START, END])
    assert rec.threads == {threading.get_ident()}
    await panel.stop()


async def test_extra_buttons(factory: MockFactory, tmp_path: Path) -> None:
    """Volume and mute buttons from a profile send their events once per press."""
    path = tmp_path / "extras.toml"
    path.write_text(
        'name = "extras"\n[buttons.talk]\npin = 17\n[buttons.volume_up]\npin = 5\n'
        '[buttons.volume_down]\npin = 6\n[buttons.mute]\npin = 13\npull = "none"\n'
        'active = "high"\n[light]\ndriver = "led"\npin = 22\n'
    )
    panel, rec = await started(load_profile(path), factory)
    factory.pin(13).drive_low()  # an externally pulled-down, active-high button at rest
    for number, level in ((5, 0), (6, 0), (13, 1)):
        pin = factory.pin(number)
        pin.drive_low() if level == 0 else pin.drive_high()
        await asyncio.sleep(DEBOUNCE_MS / 1000 * 2)
        pin.drive_high() if level == 0 else pin.drive_low()
    await wait_for(lambda: len(rec.events) == 3)
    assert rec.events == [TalkEvent.VOLUME_UP, TalkEvent.VOLUME_DOWN, TalkEvent.MUTE_TOGGLE]
    panel.show(Status.LISTENING)
    await wait_for(lambda: factory.pin(22).state == 1)
    await panel.stop()
