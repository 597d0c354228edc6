"""panel.board = "auto": detection from sample /proc/asound/cards and device-tree strings."""

from __future__ import annotations

from pathlib import Path

import pytest

from voiced.panel.detect import Probe, detect, header_gpiochip, parse_cards, read_probe
from voiced.panel.profiles import BoardProfile

PI4 = "Raspberry Pi 4 Model B Rev 1.4\x00"
PI5 = "Raspberry Pi 5 Model B Rev 1.0\x00"
HEADPHONES = """\
 0 [Headphones     ]: bcm2835_headpho - bcm2835 Headphones
                      bcm2835 Headphones
"""
HDMI = """\
 0 [vc4hdmi0       ]: vc4-hdmi - vc4-hdmi-0
                      vc4-hdmi-0
"""


def card(index: int, card_id: str, driver: str, name: str) -> str:
    return f"{index:2d} [{card_id:<15}]: {driver} - {name}\n{'':22}{name}\n"


SEEED2 = card(1, "seeed2micvoicec", "seeed-2mic-voic", "seeed-2mic-voicecard")
CASES = {
    "respeaker-2mic-v1": Probe(
        HEADPHONES + SEEED2,
        "00-00: bcm2835 Headphones : : playback 8\n"
        "01-00: fe203000.i2s-wm8960-hifi wm8960-hifi-0 : : playback 1 : capture 1\n",
        PI4,
    ),
    "respeaker-2mic-v2": Probe(
        HDMI + SEEED2,
        "01-00: 1f000a0000.i2s-tlv320aic3x-hifi tlv320aic3x-hifi-0 : : playback 1 : capture 1\n",
        PI5,
    ),
    "respeaker-4mic": Probe(
        HEADPHONES + card(1, "seeed4micvoicec", "seeed-4mic-voic", "seeed-4mic-voicecard"),
        "01-00: fe203000.i2s-ac10x-codec0 ac108 : : capture 1\n",
        PI4,
    ),
    "adafruit-voice-bonnet": Probe(
        card(0, "wm8960soundcard", "wm8960-soundcar", "wm8960-soundcard"),
        "00-00: wm8960-hifi : : playback 1 : capture 1\n",
        PI4,
        "Adafruit Voice Bonnet\x00",
    ),
    "aiy-voice-hat": Probe(
        HEADPHONES
        + card(1, "sndrpigooglevoi", "snd_rpi_googlev", "snd_rpi_googlevoicehat_soundcar"),
        None,
        "Raspberry Pi 3 Model B Plus Rev 1.3\x00",
    ),
    "aiy-voice-bonnet": Probe(
        HEADPHONES + card(1, "aiyvoicebonnet", "aiy-voicebonnet", "aiy-voicebonnet"), None, PI4
    ),
    "usb-generic": Probe(
        HEADPHONES + card(1, "Device", "USB-Audio", "USB PnP Sound Device at usb-0000:01:00.0-1.3"),
        None,
        PI4,
    ),
}


@pytest.mark.parametrize("expected", sorted(CASES))
def test_detects_each_board(profiles: dict[str, BoardProfile], expected: str) -> None:
    """Each board's sample /proc files pick its profile, and the reason says why."""
    found = detect(profiles, CASES[expected])
    assert found.profile is not None
    assert found.profile.name == expected
    assert "{card}" not in found.profile.input_device
    assert found.pi_model is not None and found.pi_model in found.reason


def test_card_id_is_filled_into_devices(profiles: dict[str, BoardProfile]) -> None:
    """The matched card's id goes into the ALSA device names."""
    usb = detect(profiles, CASES["usb-generic"])
    assert usb.profile is not None
    assert usb.profile.input_device == "plughw:CARD=Device,DEV=0"
    assert "driver USB-Audio" in usb.reason
    seeed = detect(profiles, CASES["respeaker-2mic-v1"])
    assert seeed.profile is not None
    assert seeed.profile.input_device == "plughw:CARD=seeed2micvoicec,DEV=0"


def test_same_card_without_codec_info_is_ambiguous(profiles: dict[str, BoardProfile]) -> None:
    """seeed2micvoicec without /proc/asound/pcm: v1/v2/Adafruit tie; rank decides, reason tells."""
    found = detect(profiles, Probe(HEADPHONES + SEEED2, None, PI4))
    assert found.profile is not None
    assert found.profile.name == "respeaker-2mic-v2"
    assert "also matched" in found.reason
    assert "respeaker-2mic-v1" in found.reason
    assert "panel.board" in found.reason


def test_no_device_tree_means_no_board(profiles: dict[str, BoardProfile]) -> None:
    """A laptop: ALSA cards but no device-tree model → no board, and the cards are named."""
    laptop = card(0, "PCH", "HDA-Intel", "HDA Intel PCH at 0xf7f10000 irq 32")
    found = detect(profiles, Probe(laptop, None, None))
    assert found.profile is None
    assert "not a single-board computer" in found.reason
    assert "PCH" in found.reason


def test_bare_pi_falls_back_to_header_button(profiles: dict[str, BoardProfile]) -> None:
    """A Pi with only HDMI audio: the generic profile, with ALSA's default devices."""
    found = detect(profiles, Probe(HDMI, None, PI5))
    assert found.profile is not None
    assert found.profile.name == "usb-generic"
    assert found.profile.input_device == "default"
    assert "no voice HAT" in found.reason


def test_parse_cards() -> None:
    """Card lines parse into index, id, driver and name; continuation lines are skipped."""
    cards = parse_cards(HEADPHONES + SEEED2)
    assert [(c.index, c.card_id, c.driver) for c in cards] == [
        (0, "Headphones", "bcm2835_headpho"),
        (1, "seeed2micvoicec", "seeed-2mic-voic"),
    ]
    assert parse_cards("--- no soundcards ---\n") == ()


def test_read_probe_from_a_root(tmp_path: Path) -> None:
    """read_probe reads the /proc files under a root; absent files are None."""
    (tmp_path / "proc/asound").mkdir(parents=True)
    (tmp_path / "proc/asound/cards").write_text(SEEED2)
    (tmp_path / "proc/device-tree").mkdir()
    (tmp_path / "proc/device-tree/model").write_bytes(PI5.encode())
    probe = read_probe(tmp_path)
    assert probe.cards_text == SEEED2
    assert probe.dt_model == PI5
    assert probe.pcm_text is None and probe.hat_product is None


@pytest.mark.parametrize("chip", ["gpiochip0", "gpiochip4"])
def test_pi5_header_chip_either_number(tmp_path: Path, chip: str) -> None:
    """The RP1 header chip is found whether the kernel calls it gpiochip0 or gpiochip4."""
    devices = tmp_path / "sys/bus/gpio/devices"
    for name, label in [("gpiochip10", "raspberrypi-exp-gpio"), (chip, "pinctrl-rp1")]:
        (devices / name).mkdir(parents=True)
        (devices / name / "label").write_text(label + "\n")
    assert header_gpiochip(tmp_path) == chip
    assert header_gpiochip(tmp_path / "nowhere") is None
