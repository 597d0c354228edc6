"""The GPIO panel on gpiozero's mock pins: profiles, talk modes, gestures, threads."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from gpiozero import Button
from gpiozero.pins.mock import MockFactory

from voiced.config.talk import TalkConfig, TalkMode
from voiced.core.status import Status, TalkEvent
from voiced.panel.gpio import GpioPanel
from voiced.panel.lights.make import make_light
from voiced.panel.profiles import BoardProfile, load_profile

START, END, CANCEL = TalkEvent.TALK_START, TalkEvent.TALK_END, TalkEvent.CANCEL
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
    def __init__(self) -> None:
        self.events: list[TalkEvent] = []
        self.threads: set[int] = set()

    def __call__(self, event: TalkEvent) -> None:
        self.events.append(event)
        self.threads.add(threading.get_ident())


def talk(mode: TalkMode = "hold") -> TalkConfig:
    return TalkConfig(mode=mode, debounce_ms=DEBOUNCE_MS, long_press_s=LONG_S)


async def started(
    profile: BoardProfile, factory: MockFactory, mode: TalkMode = "hold", **kw: object
) -> tuple[GpioPanel, Recorder]:
    panel = GpioPanel(profile, talk(mode), pin_factory=factory, **kw)  # type: ignore[arg-type]
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
    """Each shipped profile: its talk pin gives TALK_START/TALK_END, its light pins move."""
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
    """hold: bouncy press and release → exactly one TALK_START and one TALK_END."""
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


async def test_blip_shorter_than_debounce_is_ignored(
    profiles: dict[str, BoardProfile], factory: MockFactory
) -> None:
    """A press released within the debounce sends nothing."""
    panel, rec = await started(profiles["aiy-voice-hat"], factory)
    pin = factory.pin(23)
    pin.drive_low()
    await asyncio.sleep(DEBOUNCE_MS / 1000 / 4)
    pin.drive_high()
    await settle()
    assert rec.events == []
    await panel.stop()


async def test_long_press_cancels_while_held(
    profiles: dict[str, BoardProfile], factory: MockFactory
) -> None:
    """Held past long_press_s: CANCEL arrives before the release; the release adds nothing."""
    panel, rec = await started(profiles["aiy-voice-hat"], factory)
    pin = factory.pin(23)
    pin.drive_low()
    await wait_for(lambda: rec.events == [START, CANCEL])
    assert pin.state == 0  # still held
    pin.drive_high()
    await settle()
    assert rec.events == [START, CANCEL]
    await panel.stop()


@pytest.mark.parametrize(
    ("mode", "expected"),
    [("toggle", [START, END]), ("vad", [TalkEvent.MUTE_TOGGLE, TalkEvent.MUTE_TOGGLE])],
)
async def test_toggle_and_vad(
    profiles: dict[str, BoardProfile],
    factory: MockFactory,
    mode: TalkMode,
    expected: list[TalkEvent],
) -> None:
    """toggle: press, press → start, end. vad: each short press toggles mute."""
    panel, rec = await started(profiles["usb-generic"], factory, mode)
    pin = factory.pin(17)
    for n in (1, 2):
        pin.drive_low()
        await asyncio.sleep(DEBOUNCE_MS / 1000 * 2)
        pin.drive_high()
        await wait_for(lambda n=n: len(rec.events) == n)  # type: ignore[misc]
        await settle()  # the release must outlast the debounce to count
    await settle()
    assert rec.events == expected
    await panel.stop()


async def test_edges_from_gpiozero_threads_reach_the_loop_thread(
    profiles: dict[str, BoardProfile], factory: MockFactory
) -> None:
    """Edges driven on another thread (as gpiozero's are) call on_talk on the loop's thread."""
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
