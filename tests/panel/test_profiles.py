"""Board profiles: the shipped ones load, bad ones are rejected naming file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from voiced.config.loader import build
from voiced.config.panel import PanelConfig
from voiced.errors import ConfigError
from voiced.panel.profiles import BoardProfile, boards_dir, find_profile, load_profile

BOARDS = boards_dir()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(text)
    return path


EXPECTED = {
    "respeaker-2mic-v1": (17, "apa102"),
    "respeaker-2mic-v2": (17, "apa102"),
    "respeaker-4mic": (17, "apa102"),
    "adafruit-voice-bonnet": (17, "apa102"),
    "aiy-voice-hat": (23, "pwm"),
    "aiy-voice-bonnet": (23, "ledclass"),
    "usb-generic": (17, "pwm"),
}

GOOD = """
name = "{name}"
[audio]
input_device = "plughw:CARD=x,DEV=0"
[buttons.talk]
pin = 17
[light]
driver = "pwm"
pin = 27
"""


def test_all_seven_profiles_ship(profiles: dict[str, BoardProfile]) -> None:
    """The seven boards of the issue are there, with their button pin and light driver."""
    got = {n: (p.buttons["talk"].pin, p.light.driver) for n, p in profiles.items()}
    assert got == EXPECTED


def test_profiles_are_inside_the_package() -> None:
    """The profiles are found through the package (voiced/boards), not a repo path."""
    assert boards_dir().parts[-2:] == ("voiced", "boards")
    assert sorted(p.stem for p in boards_dir().glob("*.toml")) == sorted(EXPECTED)


def test_card_placeholder_is_filled(profiles: dict[str, BoardProfile]) -> None:
    """`{card}` becomes the detected card id, or ALSA's default when none is known."""
    p = profiles["respeaker-4mic"]
    filled = p.for_card("seeed4micvoicec")
    assert filled.input_device == "plughw:CARD=seeed4micvoicec,DEV=0"
    assert filled.output_device == "plughw:CARD=Headphones,DEV=0"
    assert (filled.input_channel, filled.input_channels) == (0, 4)
    assert profiles["usb-generic"].for_card(None).input_device == "default"


def test_overrides(profiles: dict[str, BoardProfile]) -> None:
    """panel.button_pin moves the talk button; lights = false drops the light."""
    p = profiles["aiy-voice-hat"].with_overrides(talk_pin=4, light_on=False)
    assert p.buttons["talk"].pin == 4
    assert p.buttons["talk"].pull == "up"
    assert p.light.driver == "none"


def test_good_custom_profile(tmp_path: Path) -> None:
    """A minimal hand-written profile loads."""
    p = load_profile(write(tmp_path, "mine", GOOD.format(name="mine")))
    assert p.source.endswith("mine.toml")
    assert p.light.pins() == {"pin": 27}


@pytest.mark.parametrize(
    ("patch", "key", "words"),
    [
        (("pin = 17", "pinn = 17"), "buttons.talk.pinn", "unknown key"),
        (("pin = 17", "pin = 40"), "buttons.talk.pin", "out of range"),
        (("pin = 27", "pin = 17"), "buttons.talk.pin", "already used by light.pin"),
        (('driver = "pwm"', 'driver = "neon"'), "light.driver", "not allowed"),
        (("pin = 17", 'pin = "17"'), "buttons.talk.pin", "not an integer"),
        (("pin = 17", 'pin = 17\nactive = "high"'), "buttons.talk.active", "pull-up"),
        (('driver = "pwm"\npin = 27', 'driver = "rgb"\nred_pin = 5'), "light.green_pin", "needs"),
    ],
    ids=["unknown-key", "pin-range", "two-functions", "driver", "type", "polarity", "rgb"],
)
def test_bad_profile_names_file_and_key(
    tmp_path: Path, patch: tuple[str, str], key: str, words: str
) -> None:
    """Each mistake raises ConfigError naming the file and the offending key."""
    text = GOOD.format(name="bad").replace(*patch, 1)
    path = write(tmp_path, "bad", text)
    with pytest.raises(ConfigError) as err:
        load_profile(path)
    assert err.value.key == key
    assert err.value.file == str(path)
    assert words in str(err.value)
    assert str(path) in str(err.value)


def test_button_on_the_spi_pins_of_an_apa102_strip(tmp_path: Path) -> None:
    """A button on GPIO10 clashes with the hardware-SPI strip's MOSI."""
    path = write(
        tmp_path,
        "clash",
        'name = "clash"\n[buttons.talk]\npin = 10\n[light]\ndriver = "apa102"\ncount = 3\n',
    )
    with pytest.raises(ConfigError, match="SPI0 MOSI") as err:
        load_profile(path)
    assert err.value.key == "buttons.talk.pin"


def test_name_must_match_file(tmp_path: Path) -> None:
    """A profile's name is its file name (what panel.board refers to)."""
    with pytest.raises(ConfigError) as err:
        load_profile(write(tmp_path, "one", GOOD.format(name="two")))
    assert err.value.key == "name"


def test_unknown_board_lists_the_known_ones() -> None:
    """panel.board = a typo: the error lists the profiles."""
    with pytest.raises(ConfigError, match="aiy-voice-hat") as err:
        find_profile("aiy-voice-cap", BOARDS, config_file="/etc/voiced/voiced.toml")
    assert (err.value.key, err.value.file) == ("panel.board", "/etc/voiced/voiced.toml")


def test_own_profile_dir_wins(tmp_path: Path) -> None:
    """A profile in panel.profile_dir shadows the shipped one of the same name."""
    write(tmp_path, "usb-generic", GOOD.format(name="usb-generic").replace("17", "4"))
    assert find_profile("usb-generic", tmp_path, BOARDS).buttons["talk"].pin == 4


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"button_pin": 28}, "panel.button_pin"),
        ({"led_brightness": 1.5}, "panel.led_brightness"),
        ({"keybaord": True}, "panel.keybaord"),
    ],
)
def test_panel_config_rejects(table: dict[str, object], key: str) -> None:
    """[panel] validation names the key."""
    with pytest.raises(ConfigError) as err:
        build(PanelConfig, table, "voiced.toml", prefix="panel")
    assert err.value.key == key
