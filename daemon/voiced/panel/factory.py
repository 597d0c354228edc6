"""Pick the board and build the panel the app wires: GPIO, keyboard, or none.

- `panel.board = "auto"`: detect from /proc/asound/cards, /proc/asound/pcm and the device
  tree, and log what was chosen and why; "none": no GPIO; otherwise a profile name.
- With a profile, build the GPIO panel through gpiozero (default pin factory unless one is
  passed in). Where gpiozero finds no GPIO at all (a laptop, CI) it raises: then the panel
  is the keyboard when stdin is a terminal, else none, and a log line says which and why.
- The profile is returned even when GPIO failed: its ALSA devices and capture channel are
  what the app uses for `audio.input_device` / `output_device` left at "default".
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, TextIO

from voiced.config import Config
from voiced.panel.detect import Probe, detect, header_gpiochip, is_pi5, parse_cards, read_probe
from voiced.panel.gpio import GpioPanel, default_pin_factory
from voiced.panel.keyboard import KeyboardPanel
from voiced.panel.null import NullPanel
from voiced.panel.profiles import BoardProfile, boards_dir, find_profile, load_profiles
from voiced.ports import Panel

log = logging.getLogger(__name__)


def _profile_dirs(config: Config) -> list[Path]:
    dirs = [Path(config.panel.profile_dir)] if config.panel.profile_dir else []
    return [*dirs, boards_dir()]


def resolve_board(config: Config, probe: Probe | None = None) -> tuple[BoardProfile | None, str]:
    """The profile `panel.board` asks for (None: no board) and why, with overrides applied."""
    board = config.panel.board
    dirs = _profile_dirs(config)
    if board == "none":
        return None, 'panel.board = "none"'
    probe = probe if probe is not None else read_probe()
    if board == "auto":
        found = detect(load_profiles(*dirs), probe)
        profile, reason = found.profile, f"auto-detected: {found.reason}"
    else:
        profile = find_profile(board, *dirs, config_file=config.source)
        ids = {c.card_id for c in parse_cards(probe.cards_text)}
        card = next((i for i in profile.detect.card_ids if i in ids), None)
        if card is None and profile.detect.card_ids:
            card = profile.detect.card_ids[0]
            log.warning(
                "board %s: its sound card (%s) is not among ALSA's cards (%s)",
                board,
                card,
                ", ".join(sorted(ids)) or "none",
            )
        profile, reason = profile.for_card(card), f"panel.board = {board!r}"
    if profile is not None:
        p = config.panel
        profile = profile.with_overrides(talk_pin=p.button_pin, light_on=p.lights)
    return profile, reason


def make_panel(
    config: Config,
    *,
    pin_factory: Any = None,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
    probe: Probe | None = None,
) -> tuple[Panel, BoardProfile | None]:
    """Build the panel for `config`; see the module docstring. Raises ConfigError only for
    a bad `panel.board` (an unknown name or a broken profile file)."""
    profile, reason = resolve_board(config, probe)
    log.info("board: %s (%s)", profile.name if profile else "none", reason)
    if profile is not None:
        if is_pi5((probe or read_probe()).dt_model) and pin_factory is None:
            log.info(
                "Raspberry Pi 5: GPIO through gpiozero's lgpio factory, header on %s",
                header_gpiochip() or "gpiochip0 or gpiochip4",
            )
        try:
            factory = (
                default_pin_factory(config.panel.gpio_chip) if pin_factory is None else pin_factory
            )
            panel = GpioPanel(
                profile, config.talk, pin_factory=factory, brightness=config.panel.led_brightness
            )
            return panel, profile
        except Exception as exc:  # gpiozero, lgpio or the kernel said no: no GPIO here
            reason = f"no usable GPIO for board {profile.name}: {exc}"
            log.warning("%s", reason)
    return terminal_or_none(config, reason, stdin=stdin, out=out), profile


def terminal_or_none(
    config: Config, reason: str, *, stdin: TextIO | None = None, out: TextIO | None = None
) -> Panel:
    """The keyboard panel when stdin is a terminal (and panel.keyboard), else none."""
    import sys

    stdin = stdin if stdin is not None else sys.stdin
    if config.panel.keyboard and _isatty(stdin):
        log.info("panel: keyboard and terminal instead of GPIO (%s)", reason)
        return KeyboardPanel(config.talk, stdin=stdin, out=out)
    why = "panel.keyboard = false" if not config.panel.keyboard else "stdin is not a terminal"
    return NullPanel(f"{reason}; {why}")


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (ValueError, OSError):
        return False
