"""What ALSA has: cards, PCM names, and per device the rates and channel counts it accepts."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import alsaaudio

from voiced.audio.pcm import PcmOpener, probe_rates

log = logging.getLogger(__name__)

CHANNEL_PROBES = (1, 2, 4, 6, 8)
"""Channel counts to try (asking ALSA for its range can spin on some plugins)."""


@dataclass(frozen=True)
class DeviceCaps:
    device: str
    capture: bool
    rates: list[int] | tuple[int, int] | None
    channels: list[int]
    error: str | None = None


@dataclass(frozen=True)
class Card:
    index: int
    id: str
    name: str


def list_cards(proc_cards: Path = Path("/proc/asound/cards")) -> list[Card]:
    """Sound cards the kernel has, from /proc/asound/cards (falls back to pyalsaaudio)."""
    cards: list[Card] = []
    try:
        lines = proc_cards.read_text().splitlines()
    except OSError:
        lines = []
    for line in lines:
        head = line.split(":", 1)
        fields = head[0].split()
        if len(fields) == 2 and fields[0].isdigit():
            card_id = fields[1].strip("[]").strip()
            cards.append(Card(int(fields[0]), card_id, head[1].strip() if len(head) > 1 else ""))
    if not cards:
        for index in alsaaudio.card_indexes():
            card_id, name = alsaaudio.card_name(index)
            cards.append(Card(index, str(card_id), str(name)))
    return cards


def list_pcms(capture: bool) -> list[str]:
    kind = alsaaudio.PCM_CAPTURE if capture else alsaaudio.PCM_PLAYBACK
    names: list[str] = alsaaudio.pcms(kind)
    return names


def probe(device: str, *, capture: bool, opener: PcmOpener | None = None) -> DeviceCaps:
    """Open `device` (briefly) and read the rates and channel counts it accepts."""
    make = opener or alsaaudio.PCM
    kind = alsaaudio.PCM_CAPTURE if capture else alsaaudio.PCM_PLAYBACK
    try:
        rates = probe_rates(device, capture=capture, opener=make)
    except alsaaudio.ALSAAudioError as exc:
        return DeviceCaps(device, capture, None, [], str(exc))
    channels: set[int] = set()
    for n in CHANNEL_PROBES:
        try:
            pcm = make(
                type=kind,
                mode=alsaaudio.PCM_NORMAL,
                device=device,
                channels=n,
                format=alsaaudio.PCM_FORMAT_S16_LE,
            )
        except alsaaudio.ALSAAudioError:
            continue
        try:
            channels.add(int(pcm.info()["channels"]))
        finally:
            pcm.close()
    return DeviceCaps(device, capture, rates, sorted(channels))


def hardware_devices(cards: list[Card]) -> list[str]:
    """The hw:CARD=…,DEV=… PCMs of each card, from /proc/asound/cardN/pcmNc|p."""
    devices: list[str] = []
    for card in cards:
        base = Path(f"/proc/asound/card{card.index}")
        for pcm_dir in sorted(base.glob("pcm*[cp]")):
            dev = pcm_dir.name[3:-1]
            name = f"hw:CARD={card.id},DEV={dev}"
            if name not in devices:
                devices.append(name)
    return devices
