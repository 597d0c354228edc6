"""[realtime] and [link]: which server, which model, how the link behaves."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

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
        if self.url is not None and not self.url.startswith(("ws://", "wss://")):
            raise ConfigError(
                f"{prefix}.url",
                file,
                f"{self.url!r} is not a WebSocket URL",
                "use wss://host/path (or ws://127.0.0.1:PORT/... for a local server)",
            )


@dataclass(frozen=True)
class LinkConfig:
    """Timeouts and limits of the WebSocket link, all in seconds unless named otherwise."""

    connect_timeout_s: float = 10.0
    dead_link_s: float = 10.0
    """A link that answers nothing (no FIN, no RST) is declared dead within this."""
    close_timeout_s: float = 5.0
    backoff_initial_s: float = 1.0
    backoff_max_s: float = 60.0
    healthy_uptime_s: float = 30.0
    """A connection that dies sooner counts as a failure (no accept-then-close loops)."""
    rotate_after_s: float | None = None
    """Rotate to a fresh session while idle after this; None: 55 min (28 on Azure)."""
    offline_buffer_s: float = 10.0
    """Audio kept while the link is down; the oldest is dropped past this."""

    def validate(self, file: str, prefix: str) -> None:
        for name in (
            "connect_timeout_s",
            "dead_link_s",
            "close_timeout_s",
            "backoff_initial_s",
            "backoff_max_s",
            "offline_buffer_s",
        ):
            if getattr(self, name) <= 0:
                raise ConfigError(
                    f"{prefix}.{name}",
                    file,
                    "must be above zero",
                    f"set {prefix}.{name} to a positive number of seconds",
                )
        if self.backoff_max_s < self.backoff_initial_s:
            raise ConfigError(
                f"{prefix}.backoff_max_s", file, "is below link.backoff_initial_s", "raise it"
            )
