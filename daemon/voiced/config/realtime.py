"""[realtime] and [link]: which server, which model, how the link behaves."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

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


def url_problem(url: str) -> tuple[str, str] | None:
    """(problem, fix) when `url` cannot be a realtime WebSocket URL, None when it can.

    Checks the scheme (ws, wss), the host, the port range (1..65535), the path (no
    whitespace or control characters, no fragment) and refuses user:password@ (a secret in a
    URL ends up in logs). Whether ws:// is allowed (only to this machine) is the endpoint's
    check. Pure: nothing is resolved or opened.
    """
    fix = "use wss://host[:port]/path (or ws://127.0.0.1:PORT/path for a local server)"
    if not isinstance(url, str) or any(ord(c) <= 32 or ord(c) == 127 for c in url):
        return f"{url!r} holds whitespace or control characters", fix
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:  # "Port out of range 0-65535", bad IPv6 brackets, …
        return f"{url!r} is not a valid URL ({exc})", fix
    if parts.scheme not in ("ws", "wss"):
        return f"{url!r} is not a WebSocket URL (scheme {parts.scheme or 'missing'!r})", fix
    if not parts.hostname:
        return f"{url!r} has no host", fix
    if port is not None and not 1 <= port <= 65535:
        return f"{url!r}: port {port} is out of range 1..65535", fix
    if parts.username is not None or parts.password is not None:
        return "the URL holds a user name or password", "put the key in the credential instead"
    if parts.fragment or "#" in url:
        return f"{url!r} has a #fragment, which a WebSocket URL cannot carry", fix
    if parts.path and not parts.path.startswith("/"):
        return f"{url!r} has an invalid path", fix
    return None


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
