"""`panel.board = "auto"`: pick a profile from the ALSA cards and the device tree.

The decision is pure (`detect()` takes the files' text); `read_probe()` reads them. Rules:
1. No /proc/device-tree/model: not a single-board computer (a laptop, CI) → no board.
2. A profile whose card id (or card driver) is present wins; a matching codec in
   /proc/asound/pcm or HAT EEPROM product counts for more, a codec that contradicts the
   profile rules it out; ties go to the lower `detect.rank`.
3. Otherwise, on a Pi, the profile marked `fallback_on_pi` (USB audio + header button).
The reason is returned as a sentence for the log.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from voiced.panel.profiles import BoardProfile

_CARD_LINE = re.compile(r"^\s*(\d+)\s+\[(\S+)\s*\]:\s*(\S+)\s+-\s+(.*)$")


@dataclass(frozen=True)
class Card:
    index: int
    card_id: str
    driver: str
    name: str


@dataclass(frozen=True)
class Probe:
    """What the machine says about itself (text of the /proc files, None when absent)."""

    cards_text: str | None = None
    """/proc/asound/cards"""
    pcm_text: str | None = None
    """/proc/asound/pcm"""
    dt_model: str | None = None
    """/proc/device-tree/model (NUL-terminated on a Pi)"""
    hat_product: str | None = None
    """/proc/device-tree/hat/product (HATs with an ID EEPROM)"""


@dataclass(frozen=True)
class Detection:
    profile: BoardProfile | None
    """Already filled with the matched card id; None: no board (no GPIO panel)."""
    reason: str
    cards: tuple[Card, ...] = field(default_factory=tuple)
    pi_model: str | None = None


def parse_cards(text: str | None) -> tuple[Card, ...]:
    """Parse /proc/asound/cards: ` 1 [seeed2micvoicec]: seeed-2mic-voic - seeed-2mic-...`."""
    cards = []
    for line in (text or "").splitlines():
        m = _CARD_LINE.match(line)
        if m:
            cards.append(Card(int(m[1]), m[2], m[3], m[4].strip()))
    return tuple(cards)


def clean_dt(text: str | None) -> str | None:
    """Device-tree strings end in NUL; an empty one counts as absent."""
    if text is None:
        return None
    text = text.replace("\x00", "").strip()
    return text or None


def is_pi5(model: str | None) -> bool:
    return bool(model and model.startswith("Raspberry Pi 5"))


def _score(profile: BoardProfile, cards: Iterable[Card], probe: Probe) -> tuple[int, str, str]:
    """(score, card id, why); score 0: no match."""
    d = profile.detect
    card = next((c for c in cards if c.card_id in d.card_ids), None)
    why = f"ALSA card {card.card_id!r}" if card else ""
    if card is None:
        card = next((c for c in cards if c.driver in d.card_drivers), None)
        why = f"ALSA card {card.card_id!r} (driver {card.driver})" if card else ""
    hat = clean_dt(probe.hat_product)
    hat_match = bool(hat and any(p.lower() in hat.lower() for p in d.hat_products))
    if card is None:
        return (3, "", f"HAT EEPROM {hat!r}") if hat_match else (0, "", "")
    score = 1
    if d.pcm_contains and probe.pcm_text is not None:
        pcm = probe.pcm_text.lower()
        if not any(word.lower() in pcm for word in d.pcm_contains):
            return 0, "", ""
        score += 1
        why += " with codec " + "/".join(d.pcm_contains)
    if hat_match:
        score += 2
        why += f" and HAT EEPROM {hat!r}"
    return score, card.card_id, why


def detect(profiles: Mapping[str, BoardProfile], probe: Probe) -> Detection:
    """Choose the board for `probe`; the reason names what was found."""
    cards = parse_cards(probe.cards_text)
    model = clean_dt(probe.dt_model)
    found = ", ".join(c.card_id for c in cards) or "none"
    if model is None:
        return Detection(
            None,
            f"no device-tree model: not a single-board computer (ALSA cards: {found})",
            cards,
            None,
        )
    scored = []
    for p in profiles.values():
        score, card_id, why = _score(p, cards, probe)
        if score:
            scored.append((-score, p.detect.rank, p.name, card_id, why))
    if scored:
        scored.sort()
        _, _, name, card_id, why = scored[0]
        others = [s[2] for s in scored[1:] if s[0] == scored[0][0]]
        reason = f"{why} on {model}"
        if others:
            reason += f"; {', '.join(others)} also matched (set panel.board to choose another)"
        return Detection(profiles[name].for_card(card_id or None), reason, cards, model)
    fallback = sorted((p.detect.rank, p.name) for p in profiles.values() if p.detect.fallback_on_pi)
    if fallback:
        name = fallback[0][1]
        return Detection(
            profiles[name].for_card(None),
            f"no voice HAT among ALSA cards ({found}) on {model}: "
            "header button and LED with ALSA's default devices",
            cards,
            model,
        )
    return Detection(None, f"no profile matches ALSA cards ({found}) on {model}", cards, model)


def _read(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8", "replace")
    except OSError:
        return None


def read_probe(root: Path = Path("/")) -> Probe:
    """Read the /proc files `detect()` needs (absent ones are None)."""
    proc = root / "proc"
    return Probe(
        cards_text=_read(proc / "asound" / "cards"),
        pcm_text=_read(proc / "asound" / "pcm"),
        dt_model=_read(proc / "device-tree" / "model"),
        hat_product=_read(proc / "device-tree" / "hat" / "product"),
    )


def header_gpiochip(root: Path = Path("/")) -> str | None:
    """The gpiochip that drives the 40-pin header: Pi 5's RP1 (`pinctrl-rp1`, gpiochip0 on
    kernels since mid-2024, gpiochip4 before) or the BCM2835/2711 controller. For logs."""
    chips = sorted((root / "sys" / "bus" / "gpio" / "devices").glob("gpiochip*"))
    for chip in chips:
        label = _read(chip / "label")
        if label and label.strip() in ("pinctrl-rp1", "pinctrl-bcm2711", "pinctrl-bcm2835"):
            return chip.name
    return None
