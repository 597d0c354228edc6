"""Turn websockets' and the OS's exceptions into voiced's typed errors and policy failures."""

from __future__ import annotations

import json
import socket

from websockets.exceptions import ConnectionClosed, InvalidStatus

from voiced.errors import (
    ConnectionLostError,
    ConnectionRefusedByPeer,
    CredentialsRejectedError,
    HTTPStatusError,
    RealtimeError,
)
from voiced.link.endpoint import Endpoint
from voiced.logs import redact


def _retry_after_s(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: rare for this API; the backoff applies


def _body_error(body: bytes | bytearray | None) -> tuple[str | None, str]:
    """(code, message) from an OpenAI-style JSON error body; tolerant of anything."""
    if not body:
        return None, ""
    try:
        data = json.loads(body[:65536])
        err = data.get("error", data) if isinstance(data, dict) else {}
        code = err.get("code") if isinstance(err, dict) else None
        message = err.get("message") if isinstance(err, dict) else None
        return (
            code if isinstance(code, str) else None,
            message if isinstance(message, str) else "",
        )
    except (ValueError, UnicodeDecodeError):
        return None, body[:120].decode("utf-8", "replace")


def error_from_handshake(exc: BaseException, endpoint: Endpoint) -> RealtimeError:
    """A typed, secret-free error for a failed connection attempt."""
    host = endpoint.host
    if isinstance(exc, InvalidStatus):
        status = exc.response.status_code
        code, message = _body_error(exc.response.body)
        message = redact(message, endpoint.secrets)[:200]
        retry_after = _retry_after_s(exc.response.headers.get("Retry-After"))
        if status in (401, 403) or code in ("invalid_api_key", "account_deactivated"):
            what = "API key rejected" if status == 401 else "access denied"
            return CredentialsRejectedError(
                status,
                f"{host}: {what} (HTTP {status}{', ' + code if code else ''}): "
                f"check realtime.api_key_file or the openai_api_key credential",
                retry_after,
                code,
            )
        return HTTPStatusError(
            status,
            f"{host}: HTTP {status}{' ' + code if code else ''}{': ' + message if message else ''}",
            retry_after,
            code,
        )
    if isinstance(exc, ConnectionClosed):
        frame = exc.rcvd or exc.sent
        close_code = frame.code if frame is not None else None
        reason = frame.reason if frame is not None else ""
        return ConnectionLostError(f"{host}: closed {close_code} during set-up", close_code, reason)
    if isinstance(exc, socket.gaierror):
        return ConnectionRefusedByPeer(f"{host}: name not resolved ({exc.strerror})")
    if isinstance(exc, ConnectionRefusedError):
        return ConnectionRefusedByPeer(f"{host}: connection refused")
    if isinstance(exc, OSError):
        return ConnectionRefusedByPeer(f"{host}: {exc.strerror or type(exc).__name__}")
    return RealtimeError(
        f"{host}: handshake failed ({type(exc).__name__}: "
        f"{redact(str(exc), endpoint.secrets)[:160]})"
    )
