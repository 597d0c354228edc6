"""Spoken notices for what a light cannot say, rendered by espeak-ng and cached.

A notice is, in order of preference: the custom WAV configured for it; the text spoken by
espeak-ng in the configured language (rendered once, then read from the state directory's
cache, keyed by text, voice, language and rate); else the matching earcon. Rendering is
blocking (a subprocess, bounded by `timeout_s`): call `prepare()` from a worker thread at
start-up so that `get()` on the event loop later only reads memory.

    notices = Notices(config.sounds, state_dir=Path(config.control.state_dir), earcons=sounds)
    await asyncio.to_thread(notices.prepare)
    speaker.play("notice", notices.get(Notice.OFFLINE))
"""

from __future__ import annotations

import enum
import hashlib
import io
import logging
import os
import shutil
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soxr

from voiced.audio.earcons import SAMPLE_RATE_HZ, Earcon, Earcons, load_wav
from voiced.config.sounds import SoundsConfig

log = logging.getLogger(__name__)

CACHE_DIR = "notices"
ESPEAK_SPEED_WPM = 165
MAX_NOTICE_S = 20.0


class Notice(enum.Enum):
    OFFLINE = "offline"
    """A turn ended while the link is down."""
    NEEDS_ATTENTION = "attention"
    """A turn ended while the link is stopped for good (rejected key, no quota)."""


class NoticeSource(enum.Enum):
    FILE = "file"
    CACHE = "cache"
    ESPEAK = "espeak"
    EARCON = "earcon"
    OFF = "off"


TEXTS: dict[str, dict[Notice, str]] = {
    "en": {
        Notice.OFFLINE: "I'm offline. I'll answer when I'm back.",
        Notice.NEEDS_ATTENTION: "The assistant needs attention. Please check the API key.",
    },
    "de": {
        Notice.OFFLINE: "Ich bin offline. Ich antworte, sobald ich wieder da bin.",
        Notice.NEEDS_ATTENTION: "Der Assistent braucht Hilfe. Bitte den API-Schlüssel prüfen.",
    },
    "fr": {
        Notice.OFFLINE: "Je suis hors ligne. Je répondrai dès mon retour.",
        Notice.NEEDS_ATTENTION: "L'assistant a besoin d'aide. Vérifiez la clé d'API.",
    },
    "es": {
        Notice.OFFLINE: "Estoy sin conexión. Responderé cuando vuelva.",
        Notice.NEEDS_ATTENTION: "El asistente necesita atención. Revisa la clave de la API.",
    },
    "nl": {
        Notice.OFFLINE: "Ik ben offline. Ik antwoord zodra ik terug ben.",
        Notice.NEEDS_ATTENTION: "De assistent heeft aandacht nodig. Controleer de API-sleutel.",
    },
    "it": {
        Notice.OFFLINE: "Sono offline. Risponderò quando torno.",
        Notice.NEEDS_ATTENTION: "L'assistente ha bisogno di attenzione. Controlla la chiave API.",
    },
}
FALLBACK_EARCON = {Notice.OFFLINE: Earcon.OFFLINE, Notice.NEEDS_ATTENTION: Earcon.ERROR}
_FILE_KEY = {Notice.OFFLINE: "notice_offline", Notice.NEEDS_ATTENTION: "notice_attention"}


def notice_text(notice: Notice, language: str) -> str:
    """The notice's words in `language` ("de", "de-AT" → German), else in English."""
    texts = TEXTS.get(language.split("-")[0].lower(), TEXTS["en"])
    return texts[notice]


@dataclass(frozen=True)
class Rendered:
    pcm: bytes
    """24 kHz s16le mono, at the configured volume; b"" when sounds are off."""
    source: NoticeSource


class Notices:
    """The notices of one configuration, rendered on first use (or by `prepare()`)."""

    def __init__(
        self,
        config: SoundsConfig,
        *,
        state_dir: Path,
        earcons: Earcons,
        file: str = "(defaults)",
        espeak: str = "espeak-ng",
        timeout_s: float = 10.0,
    ) -> None:
        self._config = config
        self._cache_dir = state_dir / CACHE_DIR
        self._earcons = earcons
        self._file = file
        self._espeak = espeak
        self._timeout_s = timeout_s
        self._rendered: dict[Notice, Rendered] = {}

    def prepare(self) -> None:
        """Render every notice now (blocking: espeak-ng runs at most once per notice)."""
        for notice in Notice:
            self.render(notice)

    def get(self, notice: Notice) -> bytes:
        """The notice to play (24 kHz s16le mono); b"" when sounds are off."""
        return self.render(notice).pcm

    def render(self, notice: Notice) -> Rendered:
        """The notice and where it came from (rendered once per instance)."""
        if notice not in self._rendered:
            self._rendered[notice] = self._render(notice)
        return self._rendered[notice]

    def _render(self, notice: Notice) -> Rendered:
        config = self._config
        if not config.enabled:
            return Rendered(b"", NoticeSource.OFF)
        custom = getattr(config, _FILE_KEY[notice])
        if custom is not None:
            pcm = load_wav(
                custom,
                volume=config.volume,
                key=f"sounds.{_FILE_KEY[notice]}",
                file=self._file,
                max_s=MAX_NOTICE_S,
            )
            return Rendered(pcm, NoticeSource.FILE)
        if config.notices:
            spoken = self._spoken(notice_text(notice, config.language))
            if spoken is not None:
                raw, source = spoken
                return Rendered(_scaled(raw, config.volume), source)
        return Rendered(self._earcons.get(FALLBACK_EARCON[notice]), NoticeSource.EARCON)

    def _spoken(self, text: str) -> tuple[bytes, NoticeSource] | None:
        voice = self._config.voice or self._config.language
        key = f"{text}\0{voice}\0{self._config.language}\0{SAMPLE_RATE_HZ}\0{ESPEAK_SPEED_WPM}"
        cached = self._cache_dir / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.s16"
        try:
            return cached.read_bytes(), NoticeSource.CACHE
        except OSError:
            pass
        raw = self._espeak_render(text, voice)
        if raw is None:
            return None
        try:
            self._cache_dir.mkdir(parents=True, exist_ok=True)
            partial = cached.with_suffix(".part")
            partial.write_bytes(raw)
            os.replace(partial, cached)
        except OSError as exc:
            log.warning(
                "notice cache %s not writable (%s): rendering again next start", cached, exc
            )
        return raw, NoticeSource.ESPEAK

    def _espeak_render(self, text: str, voice: str) -> bytes | None:
        program = shutil.which(self._espeak)
        if program is None:
            log.info("espeak-ng is not installed: notices are earcons (apt install espeak-ng)")
            return None
        argv = [program, "-v", voice, "-s", str(ESPEAK_SPEED_WPM), "--stdout", text]
        try:
            done = subprocess.run(argv, capture_output=True, timeout=self._timeout_s, check=True)
            with wave.open(io.BytesIO(done.stdout)) as reader:
                rate_hz = reader.getframerate()
                mono = reader.getnchannels() == 1 and reader.getsampwidth() == 2
                pcm = reader.readframes(reader.getnframes())
        except subprocess.TimeoutExpired:
            log.warning("espeak-ng took over %.1f s for a notice: using an earcon", self._timeout_s)
            return None
        except (subprocess.CalledProcessError, OSError, EOFError, wave.Error) as exc:
            log.warning("espeak-ng failed for voice %r (%s): using an earcon", voice, exc)
            return None
        if not mono or not pcm:
            log.warning("espeak-ng gave no 16-bit mono audio for voice %r: using an earcon", voice)
            return None
        samples = np.frombuffer(pcm, dtype="<i2")
        if rate_hz != SAMPLE_RATE_HZ:
            samples = np.asarray(soxr.resample(samples, rate_hz, SAMPLE_RATE_HZ), dtype="<i2")
        return samples.tobytes()


def _scaled(raw: bytes, volume: float) -> bytes:
    x = np.frombuffer(raw, dtype="<i2").astype(np.float64) * max(0.0, min(1.0, volume))
    return np.clip(np.round(x), -32768, 32767).astype("<i2").tobytes()
