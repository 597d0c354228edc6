"""`voiced check gpio`: which board, and can this user reach its pins, SPI and LEDs."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from voiced.config import Config
from voiced.errors import EXIT_FAILURE, EXIT_OK, ConfigError
from voiced.panel.detect import Probe, header_gpiochip, is_pi5, read_probe
from voiced.panel.factory import resolve_board
from voiced.panel.gpio import default_pin_factory

GROUP_FIX = (
    "add the user to the group (sudo usermod -aG {group} USER) or install "
    "hardware/udev/99-voiced-gpio.rules"
)


def _line(out: TextIO, ok: bool, what: str, detail: str) -> bool:
    print(f"{'ok  ' if ok else 'FAIL'} {what}: {detail}", file=out)
    return ok


def _writable(path: Path) -> bool:
    return path.exists() and os.access(path, os.R_OK | os.W_OK)


def check_panel(
    config: Config,
    out: TextIO,
    *,
    probe: Probe | None = None,
    root: Path = Path("/"),
    pin_factory: Callable[[], Any] | None = None,
) -> int:
    """Print one line per check (ok/FAIL, what, detail and fix); EXIT_OK when all pass."""
    probe = probe if probe is not None else read_probe(root)
    try:
        profile, reason = resolve_board(config, probe)
    except ConfigError as exc:
        _line(out, False, "panel", f"{exc.key} ({exc.file}): {exc.problem}. Fix: {exc.fix}")
        return EXIT_FAILURE
    if profile is None:
        keys = "keyboard in a terminal" if config.panel.keyboard else "no buttons"
        _line(out, True, "panel", f"no GPIO board ({reason}); {keys}")
        return EXIT_OK
    results = [_line(out, True, "board", f"{profile.name} ({reason})")]
    chips = sorted((root / "dev").glob("gpiochip*"))
    if not chips:
        results.append(
            _line(
                out,
                False,
                "gpio",
                "no /dev/gpiochip*: no GPIO on this machine. "
                'Fix: on a Pi, check the kernel; elsewhere set panel.board = "none"',
            )
        )
    else:
        blocked = [c.name for c in chips if not _writable(c)]
        detail = f"{len(chips)} chip(s), header on {header_gpiochip(root) or 'unknown chip'}"
        if is_pi5(probe.dt_model):
            detail += " (Pi 5: lgpio factory)"
        results.append(
            _line(
                out,
                not blocked,
                "gpio",
                detail
                if not blocked
                else f"cannot open {', '.join(blocked)}. Fix: " + GROUP_FIX.format(group="gpio"),
            )
        )
    try:
        factory = (pin_factory or (lambda: default_pin_factory(config.panel.gpio_chip)))()
        results.append(_line(out, True, "pins", f"gpiozero {type(factory).__name__}"))
    except Exception as exc:  # gpiozero, lgpio or the kernel said no
        results.append(
            _line(
                out,
                False,
                "pins",
                f"gpiozero has no pin factory ({str(exc).rstrip('.')}). Fix: on a "
                "Pi 5 install python3-lgpio (venv with --system-site-packages)",
            )
        )
    light = profile.light
    if light.driver == "apa102" and light.clock_pin is None:
        dev = root / "dev" / f"spidev{light.spi_port}.{light.spi_device}"
        if not dev.exists():
            results.append(
                _line(
                    out,
                    False,
                    "spi",
                    f"no {dev}. Fix: add dtparam=spi=on to /boot/firmware/config.txt and reboot",
                )
            )
        else:
            results.append(
                _line(
                    out,
                    _writable(dev),
                    "spi",
                    str(dev)
                    if _writable(dev)
                    else f"cannot open {dev}. Fix: " + GROUP_FIX.format(group="spi"),
                )
            )
    if light.driver == "ledclass":
        for name in light.leds:
            path = root / "sys" / "class" / "leds" / name / "brightness"
            ok = _writable(path)
            results.append(
                _line(
                    out,
                    ok,
                    "led",
                    str(path)
                    if ok
                    else f"cannot write {path}. Fix: load the LED driver; "
                    + GROUP_FIX.format(group="gpio"),
                )
            )
    return EXIT_OK if all(results) else EXIT_FAILURE
