"""make_panel: which board, which panel, and what the log says."""

from __future__ import annotations

import io
import logging
import os
import pty
from collections.abc import Iterator

import pytest
from gpiozero.pins.mock import MockFactory

from voiced.config import Config, PanelConfig
from voiced.errors import ConfigError
from voiced.panel.detect import Probe
from voiced.panel.factory import make_panel, resolve_board
from voiced.panel.gpio import GpioPanel
from voiced.panel.keyboard import KeyboardPanel
from voiced.panel.null import NullPanel

PI4 = "Raspberry Pi 4 Model B Rev 1.4\x00"
RESPEAKER = (
    " 0 [Headphones     ]: bcm2835_headpho - bcm2835 Headphones\n"
    " 1 [seeed2micvoicec]: seeed-2mic-voic - seeed-2mic-voicecard\n"
)
WM8960_PCM = "01-00: fe203000.i2s-wm8960-hifi wm8960-hifi-0 : : playback 1 : capture 1\n"
LAPTOP = Probe(" 0 [PCH            ]: HDA-Intel - HDA Intel PCH\n", None, None)


def config(**panel: object) -> Config:
    return Config(panel=PanelConfig(**panel))  # type: ignore[arg-type]


@pytest.fixture
def terminal() -> Iterator[io.TextIOWrapper]:
    master, slave = pty.openpty()
    stdin = os.fdopen(slave, "r")
    yield stdin
    stdin.close()
    os.close(master)


def test_auto_on_a_pi_builds_the_gpio_panel(
    factory: MockFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """auto + ReSpeaker cards: GPIO panel, profile with the card filled in, reason logged."""
    caplog.set_level(logging.INFO)
    probe = Probe(RESPEAKER, WM8960_PCM, PI4)
    panel, profile = make_panel(config(), pin_factory=factory, probe=probe)
    assert isinstance(panel, GpioPanel)
    assert type(panel.player.light).__name__ == "Apa102Light"  # SPI worked on mock pins
    assert profile is not None and profile.name == "respeaker-2mic-v1"
    assert profile.input_device == "plughw:CARD=seeed2micvoicec,DEV=0"
    line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("board:"))
    assert "respeaker-2mic-v1" in line and "seeed2micvoicec" in line and "wm8960" in line


def test_laptop_with_a_terminal_gets_the_keyboard(
    terminal: io.TextIOWrapper, caplog: pytest.LogCaptureFixture
) -> None:
    """No device tree and a TTY: the keyboard panel, and the log says why."""
    caplog.set_level(logging.INFO)
    panel, profile = make_panel(config(), stdin=terminal, out=io.StringIO(), probe=LAPTOP)
    assert isinstance(panel, KeyboardPanel)
    assert profile is None
    assert any(
        "keyboard" in r.getMessage() and "not a single-board computer" in r.getMessage()
        for r in caplog.records
    )


def test_no_terminal_gets_no_panel() -> None:
    """No device tree and no TTY (a service on a laptop): the null panel, with the reason."""
    panel, _ = make_panel(config(), stdin=io.StringIO(), probe=LAPTOP)
    assert isinstance(panel, NullPanel)
    assert "stdin is not a terminal" in panel.reason
    panel2, _ = make_panel(config(board="none", keyboard=False), stdin=io.StringIO())
    assert isinstance(panel2, NullPanel) and "panel.keyboard = false" in panel2.reason


def test_named_board_without_gpio_falls_back_but_keeps_the_profile(
    no_default_factory: None, caplog: pytest.LogCaptureFixture
) -> None:
    """A named board on a machine where gpiozero finds no GPIO: warning, null panel, profile
    still returned (the app takes its ALSA devices)."""
    probe = Probe(RESPEAKER, None, PI4)
    panel, profile = make_panel(config(board="aiy-voice-hat"), stdin=io.StringIO(), probe=probe)
    assert isinstance(panel, NullPanel)
    assert profile is not None and profile.name == "aiy-voice-hat"
    assert profile.input_device == "plughw:CARD=sndrpigooglevoi,DEV=0"
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "no usable GPIO for board aiy-voice-hat" in messages
    assert "not among ALSA's cards" in messages


def test_overrides_reach_the_profile() -> None:
    """panel.button_pin and panel.lights = false are applied to the chosen profile."""
    probe = Probe(RESPEAKER, WM8960_PCM, PI4)
    profile, reason = resolve_board(config(button_pin=4, lights=False), probe)
    assert profile is not None
    assert profile.buttons["talk"].pin == 4 and profile.light.driver == "none"
    assert reason.startswith("auto-detected")


def test_unknown_board_is_a_config_error() -> None:
    """panel.board = a name with no profile: ConfigError naming panel.board."""
    with pytest.raises(ConfigError) as err:
        make_panel(config(board="respeaker-8mic"), probe=LAPTOP)
    assert err.value.key == "panel.board"
