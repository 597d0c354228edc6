"""[panel]: buttons and status lights."""

from __future__ import annotations

from dataclasses import dataclass

from voiced.errors import ConfigError


@dataclass(frozen=True)
class PanelConfig:
    board: str = "auto"
    """A profile name from hardware/boards, "auto" (detect) or "none"."""
    profile_dir: str | None = None
    """A directory of your own board profiles (*.toml), searched before the shipped ones."""
    button_pin: int | None = None
    """Override the profile's talk button (BCM GPIO number 0-27)."""
    lights: bool = True
    """false: leave the status light dark."""
    led_brightness: float = 1.0
    """0.0-1.0: caps the status light (on top of the profile's own cap)."""
    keyboard: bool = True
    """With no GPIO and a terminal: hold space to talk, Enter to toggle."""
    gpio_chip: int | None = None
    """Pi 5 and other lgpio boards: the header's gpiochip number; None lets gpiozero choose."""

    def validate(self, file: str, prefix: str) -> None:
        if not self.board:
            raise ConfigError(
                f"{prefix}.board", file, "is empty", 'set it to "auto", "none" or a profile name'
            )
        if self.button_pin is not None and not 0 <= self.button_pin <= 27:
            raise ConfigError(
                f"{prefix}.button_pin",
                file,
                f"GPIO{self.button_pin} is out of range",
                "use a BCM GPIO number from 0 to 27",
            )
        if not 0.0 <= self.led_brightness <= 1.0:
            raise ConfigError(
                f"{prefix}.led_brightness", file, "must be 0.0-1.0", "use a fraction such as 0.5"
            )
        if self.gpio_chip is not None and self.gpio_chip < 0:
            raise ConfigError(
                f"{prefix}.gpio_chip",
                file,
                "must be 0 or more",
                "use 0 (Pi 5 on current kernels) or 4 (older Pi 5 kernels)",
            )
