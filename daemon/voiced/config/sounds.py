"""[sounds]: earcons and spoken notices."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from voiced.errors import ConfigError

EARCON_KEYS = ("listening", "sent", "cancelled", "error", "offline")
NOTICE_KEYS = ("notice_offline", "notice_attention")
LANGUAGES = ("en", "de", "fr", "es", "nl", "it")
"""Languages the built-in notice texts are written in (others fall back to English)."""


@dataclass(frozen=True)
class SoundsConfig:
    enabled: bool = True
    """Play earcons and notices at all."""
    volume: float = 0.5
    """Earcon and notice level, 0.0-1.0 of full scale (before the speaker volume)."""
    listening: str | None = None
    """A WAV file (mono or stereo, 16-bit, any rate) instead of the built-in sound ..."""
    sent: str | None = None
    cancelled: str | None = None
    error: str | None = None
    offline: str | None = None
    notices: bool = True
    """Speak notices ("I'm offline ...") with espeak-ng when it is installed, else an earcon."""
    language: str = "en"
    """Language of the spoken notices (en, de, fr, es, nl, it; others speak English)."""
    voice: str | None = None
    """espeak-ng voice, e.g. "en-us+f3"; None: the language's default voice."""
    notice_offline: str | None = None
    """A WAV file to play instead of the spoken "I'm offline" notice."""
    notice_attention: str | None = None
    """A WAV file to play instead of the spoken "the assistant needs attention" notice."""

    def files(self) -> dict[str, str]:
        """The custom WAV files configured, by key."""
        return {
            key: path
            for key in (*EARCON_KEYS, *NOTICE_KEYS)
            if (path := getattr(self, key)) is not None
        }

    def validate(self, file: str, prefix: str = "sounds") -> None:
        """Range checks and that custom files exist (their format is checked when loaded)."""

        def bad(key: str, problem: str, fix: str) -> ConfigError:
            return ConfigError(f"{prefix}.{key}", file, problem, fix)

        if not 0.0 <= self.volume <= 1.0:
            raise bad("volume", f"{self.volume} is not between 0.0 and 1.0", "use 0.5")
        if not self.language or not self.language.replace("-", "").isalpha():
            raise bad("language", f"{self.language!r} is not a language code", "use en or de")
        if self.voice is not None and (not self.voice or any(c.isspace() for c in self.voice)):
            raise bad("voice", f"{self.voice!r} is not an espeak-ng voice", 'use e.g. "en+f3"')
        for key, path in self.files().items():
            if not Path(path).is_file():
                raise bad(
                    key, f"{path} does not exist", "give the path of a WAV file, or remove it"
                )
