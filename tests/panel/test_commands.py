"""`voiced check gpio`: the lines it prints and its exit status."""

from __future__ import annotations

import io
from pathlib import Path

from gpiozero.pins.mock import MockFactory

from voiced.config import Config, PanelConfig
from voiced.errors import EXIT_FAILURE, EXIT_OK
from voiced.panel.commands import check_panel
from voiced.panel.detect import Probe

PI5 = "Raspberry Pi 5 Model B Rev 1.0\x00"
SEEED = " 1 [seeed2micvoicec]: seeed-2mic-voic - seeed-2mic-voicecard\n"


def machine(tmp_path: Path, *, spi: bool) -> Path:
    (tmp_path / "dev").mkdir()
    (tmp_path / "dev/gpiochip0").write_text("")
    if spi:
        (tmp_path / "dev/spidev0.0").write_text("")
    chip = tmp_path / "sys/bus/gpio/devices/gpiochip0"
    chip.mkdir(parents=True)
    (chip / "label").write_text("pinctrl-rp1\n")
    return tmp_path


def test_pi5_respeaker_all_ok(tmp_path: Path, factory: MockFactory) -> None:
    """Chip, pin factory and SPI all reachable: every line ok, exit 0."""
    out = io.StringIO()
    status = check_panel(
        Config(),
        out,
        probe=Probe(SEEED, "tlv320aic3x", PI5),
        root=machine(tmp_path, spi=True),
        pin_factory=lambda: factory,
    )
    text = out.getvalue()
    assert status == EXIT_OK, text
    assert "ok   board: respeaker-2mic-v2" in text
    assert "header on gpiochip0 (Pi 5: lgpio factory)" in text
    assert "FAIL" not in text


def test_spi_disabled_says_how_to_enable(tmp_path: Path, factory: MockFactory) -> None:
    """No /dev/spidev0.0 for the APA102 strip: FAIL with dtparam=spi=on."""
    out = io.StringIO()
    status = check_panel(
        Config(),
        out,
        probe=Probe(SEEED, "wm8960", PI5),
        root=machine(tmp_path, spi=False),
        pin_factory=lambda: factory,
    )
    assert status == EXIT_FAILURE
    assert "dtparam=spi=on" in out.getvalue()


def test_no_gpio_machine(tmp_path: Path) -> None:
    """A laptop: no board, which is fine (keyboard); a named board there fails clearly."""
    out = io.StringIO()
    assert check_panel(Config(), out, probe=Probe(None, None, None), root=tmp_path) == EXIT_OK
    assert "no GPIO board" in out.getvalue()
    out = io.StringIO()
    named = Config(panel=PanelConfig(board="aiy-voice-hat"))

    def no_factory() -> object:
        raise RuntimeError("Unable to load any default pin factory!")

    assert (
        check_panel(
            named, out, probe=Probe(None, None, None), root=tmp_path, pin_factory=no_factory
        )
        == EXIT_FAILURE
    )
    assert "no /dev/gpiochip*" in out.getvalue() and "python3-lgpio" in out.getvalue()
