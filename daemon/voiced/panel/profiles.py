"""Board profiles: `hardware/boards/*.toml`, installed with the package as `voiced/boards`.

A profile names the ALSA devices and capture channel, the buttons (pin, pull, polarity)
and the light driver of one board. Files are read with the config loader, so an unknown
key or a wrong type names the file and the key; on top of that, pins must be BCM GPIO
0-27 and no pin may serve two functions.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Literal

from voiced.config.loader import build, read_toml
from voiced.errors import ConfigError

log = logging.getLogger(__name__)

PIN_MIN, PIN_MAX = 0, 27
SPI0_PINS = {"SPI0 SCLK": 11, "SPI0 MOSI": 10}
"""Header pins hardware SPI0 takes (the APA102 strips on ReSpeaker boards)."""

Pull = Literal["up", "down", "none"]
Active = Literal["low", "high"]
LightDriver = Literal["none", "led", "pwm", "rgb", "apa102", "ledclass"]
ButtonRole = Literal["talk", "volume_up", "volume_down", "mute", "mute_switch"]
BUTTON_ROLES: tuple[ButtonRole, ...] = ("talk", "volume_up", "volume_down", "mute", "mute_switch")


def _check_pin(pin: int | None, key: str, file: str) -> None:
    if pin is not None and not PIN_MIN <= pin <= PIN_MAX:
        raise ConfigError(
            key,
            file,
            f"GPIO{pin} is out of range",
            f"use a BCM GPIO number from {PIN_MIN} to {PIN_MAX}",
        )


@dataclass(frozen=True)
class ButtonSpec:
    """One push button: BCM pin, pull resistor and which level means pressed."""

    pin: int | None = None
    """None: the board has no such button."""
    pull: Pull = "up"
    """up: internal pull-up (button to ground); none: the board has its own resistor."""
    active: Active = "low"

    def validate(self, file: str, prefix: str) -> None:
        _check_pin(self.pin, f"{prefix}.pin", file)
        if (self.pull == "up" and self.active == "high") or (
            self.pull == "down" and self.active == "low"
        ):
            raise ConfigError(
                f"{prefix}.active",
                file,
                f"a pull-{self.pull} button cannot be active {self.active}",
                f'set {prefix}.active = "{"low" if self.pull == "up" else "high"}"',
            )


@dataclass(frozen=True)
class ButtonsSection:
    talk: ButtonSpec = field(default_factory=ButtonSpec)
    volume_up: ButtonSpec = field(default_factory=ButtonSpec)
    volume_down: ButtonSpec = field(default_factory=ButtonSpec)
    mute: ButtonSpec = field(default_factory=ButtonSpec)
    mute_switch: ButtonSpec = field(default_factory=ButtonSpec)
    """A privacy switch (not a push button): while it is on ("pressed"), the capture
    device is closed."""


@dataclass(frozen=True)
class LightSpec:
    """The status light. Which fields matter depends on `driver`."""

    driver: LightDriver = "none"
    pin: int | None = None
    """led / pwm: the LED's pin."""
    active: Active = "high"
    """led / pwm / rgb: high: the pin sources current to the LED."""
    red_pin: int | None = None
    green_pin: int | None = None
    blue_pin: int | None = None
    count: int = 1
    """apa102: LEDs on the strip."""
    spi_port: int = 0
    spi_device: int = 0
    """apa102 on hardware SPI (SCLK GPIO11, MOSI GPIO10): /dev/spidev<port>.<device>."""
    clock_pin: int | None = None
    data_pin: int | None = None
    """apa102 bit-banged on two GPIOs (both set), instead of hardware SPI."""
    power_pin: int | None = None
    """A pin that must be driven high to power the LEDs (ReSpeaker 4-Mic: GPIO5)."""
    leds: list[str] = field(default_factory=list)
    """ledclass: red, green, blue names under /sys/class/leds."""
    max_brightness: float = 1.0
    """0.0-1.0: caps the light (APA102 LEDs are bright)."""

    def pins(self) -> dict[str, int]:
        """Every header pin this light occupies, by key."""
        named = {
            "pin": self.pin,
            "red_pin": self.red_pin,
            "green_pin": self.green_pin,
            "blue_pin": self.blue_pin,
            "clock_pin": self.clock_pin,
            "data_pin": self.data_pin,
            "power_pin": self.power_pin,
        }
        pins = {k: v for k, v in named.items() if v is not None}
        if self.driver == "apa102" and self.clock_pin is None:
            pins.update(SPI0_PINS)
        return pins

    def validate(self, file: str, prefix: str) -> None:
        for key, pin in self.pins().items():
            _check_pin(pin, f"{prefix}.{key}", file)
        need: dict[str, list[str]] = {
            "led": ["pin"],
            "pwm": ["pin"],
            "rgb": ["red_pin", "green_pin", "blue_pin"],
        }
        for key in need.get(self.driver, []):
            if getattr(self, key) is None:
                raise ConfigError(
                    f"{prefix}.{key}",
                    file,
                    f"the {self.driver} driver needs it",
                    f"set {prefix}.{key} to the LED's BCM GPIO number",
                )
        if self.driver == "apa102":
            if (self.clock_pin is None) != (self.data_pin is None):
                raise ConfigError(
                    f"{prefix}.clock_pin",
                    file,
                    "bit-banged APA102 needs both clock_pin and data_pin",
                    "set both, or neither for hardware SPI",
                )
            if not 1 <= self.count <= 256:
                raise ConfigError(
                    f"{prefix}.count",
                    file,
                    f"{self.count} LEDs is not 1-256",
                    "set the number of LEDs on the strip",
                )
        if self.driver == "ledclass" and len(self.leds) not in (1, 3):
            raise ConfigError(
                f"{prefix}.leds",
                file,
                "needs 1 (mono) or 3 (red, green, blue)",
                'list names under /sys/class/leds, e.g. ["ktd202x:led1", ...]',
            )
        if not 0.0 <= self.max_brightness <= 1.0:
            raise ConfigError(
                f"{prefix}.max_brightness", file, "must be 0.0-1.0", "use a fraction such as 0.3"
            )


@dataclass(frozen=True)
class AudioSection:
    input_device: str = "default"
    output_device: str = "default"
    input_channel: int = 0
    input_channels: int = 1
    """How many channels the capture device delivers (input_channel picks one)."""

    def validate(self, file: str, prefix: str) -> None:
        if not 0 <= self.input_channel < self.input_channels:
            raise ConfigError(
                f"{prefix}.input_channel",
                file,
                f"channel {self.input_channel} of {self.input_channels}",
                "pick a channel from 0 to input_channels - 1",
            )


@dataclass(frozen=True)
class DetectSection:
    """How `panel.board = "auto"` recognises the board."""

    card_ids: list[str] = field(default_factory=list)
    """ALSA card ids (the [brackets] in /proc/asound/cards)."""
    card_drivers: list[str] = field(default_factory=list)
    """ALSA driver names (after the brackets in /proc/asound/cards), e.g. "USB-Audio"."""
    pcm_contains: list[str] = field(default_factory=list)
    """Codec words in /proc/asound/pcm that must also appear (tells same-id boards apart)."""
    hat_products: list[str] = field(default_factory=list)
    """HAT EEPROM product strings (/proc/device-tree/hat/product)."""
    rank: int = 50
    """Lower wins when several profiles match equally well."""
    fallback_on_pi: bool = False
    """The profile to use on a Raspberry Pi when no HAT card is found."""


@dataclass(frozen=True)
class ProfileFile:
    """The TOML file's shape."""

    name: str
    description: str = ""
    audio: AudioSection = field(default_factory=AudioSection)
    buttons: ButtonsSection = field(default_factory=ButtonsSection)
    light: LightSpec = field(default_factory=LightSpec)
    detect: DetectSection = field(default_factory=DetectSection)

    def validate(self, file: str, prefix: str) -> None:
        used: dict[int, str] = {}
        uses: list[tuple[str, int | None]] = [
            (f"light.{key}" if key.endswith("pin") else f"light.driver ({key})", pin)
            for key, pin in self.light.pins().items()
        ]
        uses += [(f"buttons.{role}.pin", getattr(self.buttons, role).pin) for role in BUTTON_ROLES]
        for key, pin in uses:
            if pin is None:
                continue
            if pin in used:
                raise ConfigError(
                    key,
                    file,
                    f"GPIO{pin} is already used by {used[pin]}",
                    "give each function its own pin",
                )
            used[pin] = key


@dataclass(frozen=True)
class BoardProfile:
    """A loaded board profile, what the app and the panel use."""

    name: str
    description: str
    input_device: str
    output_device: str
    input_channel: int
    input_channels: int
    buttons: dict[ButtonRole, ButtonSpec]
    """Only the buttons the board has."""
    light: LightSpec
    detect: DetectSection
    source: str
    """The file it came from."""

    @property
    def talk_button(self) -> ButtonSpec | None:
        return self.buttons.get("talk")

    def for_card(self, card_id: str | None) -> BoardProfile:
        """Fill `{card}` in the ALSA device names; no card known: ALSA's "default"."""

        def fill(device: str) -> str:
            if "{card}" not in device:
                return device
            return "default" if card_id is None else device.replace("{card}", card_id)

        return dataclasses.replace(
            self, input_device=fill(self.input_device), output_device=fill(self.output_device)
        )

    def with_overrides(
        self,
        *,
        talk_pin: int | None = None,
        light_on: bool = True,
        max_brightness: float | None = None,
    ) -> BoardProfile:
        """Apply [panel] overrides (a different talk pin, no light, a brightness cap)."""
        buttons = dict(self.buttons)
        if talk_pin is not None:
            buttons["talk"] = dataclasses.replace(buttons.get("talk", ButtonSpec()), pin=talk_pin)
        light = self.light if light_on else LightSpec()
        if max_brightness is not None:
            light = dataclasses.replace(light, max_brightness=max_brightness)
        return dataclasses.replace(self, buttons=buttons, light=light)


def boards_dir() -> Path:
    """Where the shipped profiles live: the package's `boards` (a link to hardware/boards)."""
    packaged = Path(str(resources.files("voiced") / "boards"))
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "hardware" / "boards"


def load_profile(path: Path) -> BoardProfile:
    """Load one profile file; ConfigError names the file and the key on any problem."""
    raw = build(ProfileFile, read_toml(path), str(path))
    if raw.name != path.stem:
        raise ConfigError(
            "name",
            str(path),
            f"{raw.name!r} differs from the file name",
            f'set name = "{path.stem}"',
        )
    buttons = {
        role: spec for role in BUTTON_ROLES if (spec := getattr(raw.buttons, role)).pin is not None
    }
    return BoardProfile(
        name=raw.name,
        description=raw.description,
        input_device=raw.audio.input_device,
        output_device=raw.audio.output_device,
        input_channel=raw.audio.input_channel,
        input_channels=raw.audio.input_channels,
        buttons=buttons,
        light=raw.light,
        detect=raw.detect,
        source=str(path),
    )


def load_profiles(*dirs: Path) -> dict[str, BoardProfile]:
    """All profiles in `dirs` (default: the shipped ones); earlier dirs win on equal names."""
    found: dict[str, BoardProfile] = {}
    for directory in dirs or (boards_dir(),):
        for path in sorted(directory.glob("*.toml")):
            if path.stem not in found:
                found[path.stem] = load_profile(path)
    return found


def find_profile(name: str, *dirs: Path, config_file: str = "(config)") -> BoardProfile:
    """The profile called `name`, or ConfigError listing the known ones under panel.board."""
    profiles = load_profiles(*dirs)
    if name not in profiles:
        raise ConfigError(
            "panel.board",
            config_file,
            f"no board profile {name!r}",
            "use one of: " + ", ".join(["auto", "none", *sorted(profiles)]),
        )
    return profiles[name]
