"""Whether a text can be a realtime WebSocket URL: pure, used by the config and the library."""

from __future__ import annotations

from urllib.parse import urlsplit


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
