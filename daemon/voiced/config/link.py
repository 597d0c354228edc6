"""[link]: how the WebSocket link behaves (timeouts, backoff, rotation, carry-over).

Its own module, apart from [realtime]: the library imports only this.
"""

from __future__ import annotations

from dataclasses import dataclass

from voiced.errors import ConfigError


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
    carry_over: bool = True
    """Replay the conversation (transcripts) into every new session: rotation, reconnect."""
    carry_over_turns: int = 20
    """At most this many messages (user or assistant) are replayed, the latest."""
    carry_over_chars: int = 8000
    """At most this many characters of text are replayed in all."""

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
        for name in ("carry_over_turns", "carry_over_chars"):
            if getattr(self, name) < 1:
                raise ConfigError(
                    f"{prefix}.{name}",
                    file,
                    "must be at least 1",
                    f"set {prefix}.{name} to a positive whole number, "
                    f"or {prefix}.carry_over = false to turn carry-over off",
                )
        if self.backoff_max_s < self.backoff_initial_s:
            raise ConfigError(
                f"{prefix}.backoff_max_s", file, "is below link.backoff_initial_s", "raise it"
            )
