"""The GPIO panel: gpiozero buttons in, a status light out, as a board profile describes.

gpiozero calls `when_pressed`/`when_released` on its own threads (in the caller's thread
with mock pins). Each callback only stamps the time and crosses into the event loop with
`call_soon_threadsafe`; the gesture machines (voiced.core.gestures) run on the loop only,
their deadlines (debounce, long press) on a loop timer. gpiozero's own `bounce_time` is
not used: mock pins ignore it, and ours is tested.

Pi 5: gpiozero 2.x picks its lgpio factory there and finds the header chip itself
(gpiochip4 on kernels before mid-2024, gpiochip0 since); `panel.gpio_chip` forces one.
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections.abc import Callable
from typing import Any

from gpiozero import Button, Device

from voiced.config.talk import TalkConfig
from voiced.core.gestures import ClickGestures, Edge, SwitchGestures, TalkButton
from voiced.core.status import ButtonGesture, PanelInput, Status, TalkEvent
from voiced.panel.lights.base import Light, NoLight
from voiced.panel.lights.make import make_light
from voiced.panel.lights.player import LightPlayer
from voiced.panel.profiles import BoardProfile, ButtonRole, ButtonSpec
from voiced.panel.timer import DeadlineTimer

log = logging.getLogger(__name__)

Gestures = TalkButton | ClickGestures | SwitchGestures
EXTRA_EVENTS: dict[ButtonRole, TalkEvent] = {
    "volume_up": TalkEvent.VOLUME_UP,
    "volume_down": TalkEvent.VOLUME_DOWN,
    "mute": TalkEvent.MUTE_TOGGLE,
}


def gestures_for(role: ButtonRole, talk: TalkConfig) -> Gestures:
    """What reads the edges of the button in `role`."""
    if role == "talk":
        return TalkButton(debounce_ms=talk.debounce_ms, long_press_s=talk.long_press_s)
    if role == "mute_switch":
        return SwitchGestures(debounce_ms=talk.debounce_ms)
    return ClickGestures(EXTRA_EVENTS[role], debounce_ms=talk.debounce_ms)


def default_pin_factory(gpio_chip: int | None = None) -> Any:
    """gpiozero's default factory (or lgpio on `gpio_chip`); raises BadPinFactory off a Pi."""
    if gpio_chip is not None:
        from gpiozero.pins.lgpio import LGPIOFactory

        return LGPIOFactory(chip=gpio_chip)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PinFactoryFallback: we log the outcome instead
        Device.ensure_pin_factory()
    return Device.pin_factory


def make_button(spec: ButtonSpec, pin_factory: Any) -> Button:
    """A gpiozero Button with the profile's pull and polarity and no gpiozero debounce."""
    assert spec.pin is not None
    if spec.pull == "none":
        return Button(
            spec.pin,
            pull_up=None,
            active_state=spec.active == "high",
            bounce_time=None,
            pin_factory=pin_factory,
        )
    return Button(spec.pin, pull_up=spec.pull == "up", bounce_time=None, pin_factory=pin_factory)


class GpioPanel:
    """Buttons and light of one board.

    Example, on gpiozero's mock pins::

        factory = MockFactory(pin_class=MockPWMPin)
        panel = GpioPanel(load_profile(Path("hardware/boards/aiy-voice-hat.toml")),
                          TalkConfig(), pin_factory=factory)
        await panel.start(print)
        factory.pin(23).drive_low()    # press: ButtonGesture(Gesture.PRESS, …) at once
    """

    def __init__(
        self,
        profile: BoardProfile,
        talk: TalkConfig,
        *,
        pin_factory: Any = None,
        light: Light | None = None,
        brightness: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.profile = profile
        self.pin_factory = default_pin_factory() if pin_factory is None else pin_factory
        self._clock = clock
        self._loop: asyncio.AbstractEventLoop | None = None
        self._on_input: Callable[[PanelInput], None] | None = None
        self._timer: DeadlineTimer | None = None
        self.buttons: dict[ButtonRole, Button] = {}
        self.gestures: dict[ButtonRole, Gestures] = {}
        try:
            for role, spec in profile.buttons.items():
                self.buttons[role] = make_button(spec, self.pin_factory)
                self.gestures[role] = gestures_for(role, talk)
        except BaseException:
            self._close_buttons()
            raise
        if light is None:
            try:
                light = make_light(
                    profile.light, pin_factory=self.pin_factory, brightness=brightness
                )
            except Exception as exc:  # the buttons still work without the light
                log.warning(
                    "status light (%s) unavailable: %s; is SPI enabled "
                    "(dtparam=spi=on) and the user in the spi/gpio groups?",
                    profile.light.driver,
                    exc,
                )
                light = NoLight()
        self.player = LightPlayer(light, clock=clock)

    async def start(self, on_input: Callable[[PanelInput], None]) -> None:
        self._loop = asyncio.get_running_loop()
        self._on_input = on_input
        self._timer = DeadlineTimer(self._loop, self._clock, self._next_deadline, self._tick)
        for role, button in self.buttons.items():
            button.when_pressed = self._callback(role, Edge.PRESS)
            button.when_released = self._callback(role, Edge.RELEASE)
        switch = self.buttons.get("mute_switch")
        if switch is not None and switch.is_pressed:  # switched on before we started
            self._on_edge("mute_switch", Edge.PRESS, self._clock())
        self.player.show(Status.STARTING)
        self.player.start()
        pins = ", ".join(
            f"{role} GPIO{b.pin.info.name.removeprefix('GPIO')}" for role, b in self.buttons.items()
        )
        log.info(
            "panel: %s (%s), buttons: %s, light: %s, pins via %s",
            self.profile.name,
            self.profile.description,
            pins or "none",
            self.profile.light.driver,
            type(self.pin_factory).__name__,
        )

    def _callback(self, role: ButtonRole, edge: Edge) -> Callable[[], None]:
        def on_edge() -> None:  # on gpiozero's thread: stamp, then cross into the loop
            now_s = self._clock()
            loop = self._loop
            if loop is not None and not loop.is_closed():
                loop.call_soon_threadsafe(self._on_edge, role, edge, now_s)

        return on_edge

    def _on_edge(self, role: ButtonRole, edge: Edge, now_s: float) -> None:
        gestures = self.gestures.get(role)
        if gestures is None:
            return
        self._emit(gestures.edge(edge, now_s))
        if self._timer is not None:
            self._timer.rearm()

    def _next_deadline(self) -> float | None:
        deadlines = [d for g in self.gestures.values() if (d := g.next_deadline_s()) is not None]
        return min(deadlines) if deadlines else None

    def _tick(self, now_s: float) -> None:
        for gestures in self.gestures.values():
            self._emit(gestures.tick(now_s))

    def _emit(self, events: list[TalkEvent] | list[ButtonGesture]) -> None:
        for event in events:
            log.debug("button: %s", event)
            if self._on_input is not None:
                self._on_input(event)

    def show(self, status: Status) -> None:
        self.player.show(status)

    def _close_buttons(self) -> None:
        for button in self.buttons.values():
            button.when_pressed = None
            button.when_released = None
            button.close()
        self.buttons.clear()

    async def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._close_buttons()
        self._on_input = None
        await asyncio.to_thread(self.player.stop)
