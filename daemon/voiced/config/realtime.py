"""[realtime]: which server, which model, which voice."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from voiced.core.url import url_problem
from voiced.errors import ConfigError

Provider = Literal["openai", "azure", "compatible", "loopback"]


@dataclass(frozen=True)
class RealtimeConfig:
    """The realtime speech-to-speech provider."""

    provider: Provider | None = None
    """None: "openai" when a key is configured, else "loopback" (with a warning)."""
    url: str | None = None
    """WebSocket URL; None picks the provider's default. ws:// only to loopback."""
    model: str = "gpt-realtime"
    voice: str = "alloy"
    api_key_file: str | None = None
    """A file holding the key; after $CREDENTIALS_DIRECTORY/openai_api_key."""
    instructions: str | None = None
    session: dict[str, Any] = field(default_factory=dict)
    """Extra GA session.update fields, merged over the defaults."""

    def validate(self, file: str, prefix: str) -> None:
        if self.url is not None:
            problem = url_problem(self.url)
            if problem is not None:
                raise ConfigError(f"{prefix}.url", file, problem[0], problem[1])
