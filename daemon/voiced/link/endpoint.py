"""Where to connect and how to authenticate: OpenAI, Azure, or any compatible server."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from voiced.core.record import Record
from voiced.core.url import url_problem
from voiced.errors import ConfigError

OPENAI_URL = "wss://api.openai.com/v1/realtime"


class Endpoint(Record):
    url: str
    provider: str
    headers: dict[str, str]
    """Handshake headers; they hold the secret, so they are never printed."""
    _hidden = ("headers",)

    @property
    def secrets(self) -> tuple[str, ...]:
        """Header values that must never reach a log line."""
        return tuple(
            v for k, v in self.headers.items() if k.lower() in ("authorization", "api-key")
        )

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or "?"


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    if host in ("localhost", "127.0.0.1", "::1", "[::1]"):
        return True
    import ipaddress  # 17 M instructions at import: only for the rarer spellings

    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _with_model(url: str, model: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.setdefault("model", model)
    return urlunsplit(parts._replace(query=urlencode(query)))


def realtime_endpoint(
    *,
    provider: str,
    model: str,
    api_key: str | None,
    url: str | None,
    config_file: str = "(arguments)",
) -> Endpoint:
    """Build the URL and headers for `provider` ("openai", "azure", "compatible").

    OpenAI and compatible servers take `Authorization: Bearer <key>`; Azure takes `api-key`
    and needs its resource URL (wss://<resource>.openai.azure.com/openai/v1/realtime).
    Plain ws:// is refused except to this machine, so a key never crosses a network in clear.
    """
    if provider == "azure" and url is None:
        raise ConfigError(
            "realtime.url",
            config_file,
            "Azure needs its resource URL",
            'set realtime.url = "wss://<resource>.openai.azure.com/openai/v1/realtime"',
        )
    if provider == "compatible" and url is None:
        raise ConfigError(
            "realtime.url",
            config_file,
            "a compatible server needs its URL",
            'set realtime.url = "wss://host/v1/realtime"',
        )
    problem = url_problem(url) if url is not None else None
    if problem is not None:
        raise ConfigError("realtime.url", config_file, problem[0], problem[1])
    full = _with_model(url or OPENAI_URL, model)
    parts = urlsplit(full)
    if parts.scheme == "ws" and not is_loopback(parts.hostname or ""):
        raise ConfigError(
            "realtime.url",
            config_file,
            "plain ws:// is allowed only to this machine (127.0.0.1, ::1)",
            "use wss:// for a remote server",
        )
    headers: dict[str, str] = {}
    if api_key:
        if provider == "azure":
            headers["api-key"] = api_key
        else:
            headers["Authorization"] = f"Bearer {api_key}"
    return Endpoint(url=full, provider=provider, headers=headers)
