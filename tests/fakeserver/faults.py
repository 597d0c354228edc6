"""Fault injection for the fake server, and a TCP server that never answers.

``Faults`` is data: every field defaults to "no fault". Assign one to
``FakeRealtimeServer.faults``; it applies to connections opened afterwards.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from fakeserver.events import Event


@dataclass(frozen=True)
class Faults:
    """What goes wrong, per new connection. ``None``/``False`` disables each fault."""

    # Refuse the HTTP upgrade with this status (401, 403, 429, 500, 503 ...).
    reject_status: int | None = None
    # Response body; "" means an OpenAI-style JSON error body chosen from the status.
    reject_body: str = ""
    # Adds a ``Retry-After`` header (seconds, rounded up to an integer; below 1 s sent as is,
    # a scaled time for soak tests).
    retry_after_s: float | None = None
    # Reject only the first N attempts made since these Faults were assigned.
    reject_first_n: int | None = None
    # (error code, error type, close code): send this ``error`` then close, no session.created.
    error_then_close: tuple[str, str, int] | None = None
    # Close with ``close_code`` after sending N server events (garbage frames not counted).
    close_after_events: int | None = None
    # Close with ``close_code`` this long after the handshake.
    close_after_s: float | None = None
    close_code: int = 1011
    # After this long: no pongs, nothing sent, reading paused; TCP stays open (dead link).
    stop_pongs_after_s: float | None = None
    # Interleave malformed frames after session.created and after each response.created.
    garbage: bool = False
    # Send one valid-JSON text frame of exactly this many bytes after session.created.
    oversized_frame_bytes: int | None = None
    # Send error ``session_expired`` and close 1001 this long after the handshake.
    session_expired_after_s: float | None = None
    # Accept the WebSocket, never send session.created (nor anything else).
    silent_after_handshake: bool = False
    # Send session.created, never answer session.update (the update still applies).
    no_session_updated: bool = False
    # Reset the TCP connection (no close frame) once this many client text frames arrived:
    # 1 drops right after session.update (during set-up); more drops mid outbox delivery.
    reset_after_received: int | None = None
    # Stop reading (the client's sends block once the buffers fill) before that reset.
    stall_before_reset: bool = False
    # (error code, error type): answer session.update with this error, echoing its event_id,
    # instead of applying it (a transient server_error, or an invalid configuration).
    error_on_session_update: tuple[str, str] | None = None


REJECT_ERRORS: dict[int, tuple[str, str | None, str]] = {
    400: ("invalid_request_error", None, "Bad request."),
    401: (
        "invalid_request_error",
        "invalid_api_key",
        "Incorrect API key provided. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
    ),
    403: ("invalid_request_error", "unsupported_country_region_territory", "Forbidden."),
    404: ("invalid_request_error", "not_found", "Not found."),
    429: (
        "requests",
        "rate_limit_exceeded",
        "Rate limit reached for requests. Please try again later.",
    ),
    500: ("server_error", None, "The server had an error while processing your request."),
    502: ("server_error", None, "Bad gateway."),
    503: ("server_error", None, "The engine is currently overloaded, please try again later."),
}


def error_body(status: int, message: str | None = None, code: str | None = None) -> str:
    """An OpenAI-style JSON error body for an HTTP rejection."""
    error_type, default_code, default_message = REJECT_ERRORS.get(
        status, ("server_error", None, f"HTTP {status}.")
    )
    return json.dumps(
        {
            "error": {
                "message": message or default_message,
                "type": error_type,
                "param": None,
                "code": code or default_code,
            }
        }
    )


def garbage_frames(event_id_prefix: str, response_id: str, item_id: str) -> list[str | bytes]:
    """Malformed frames a robust client must survive, in the order they are sent.

    Non-JSON text, a binary frame, JSON that is not an object, an object with
    no ``type``, an audio delta with bad base64, an audio delta missing its
    fields, and an unknown event type.
    """
    bad_delta: Event = {
        "type": "response.output_audio.delta",
        "event_id": f"{event_id_prefix}_bad_b64",
        "response_id": response_id,
        "item_id": item_id,
        "output_index": 0,
        "content_index": 0,
        "delta": "!!not*base64??",
    }
    return [
        "this is not JSON {",
        b"\x00\x01\x02 binary garbage \xff",
        "[1, 2, 3]",
        json.dumps({"event_id": f"{event_id_prefix}_no_type", "foo": "bar"}),
        json.dumps(bad_delta),
        json.dumps(
            {"type": "response.output_audio.delta", "event_id": f"{event_id_prefix}_no_fields"}
        ),
        json.dumps({"type": "fake.unknown_event", "event_id": f"{event_id_prefix}_unknown"}),
    ]


def padded_frame(event_id: str, size_bytes: int) -> str:
    """A valid ``rate_limits.updated`` event padded with JSON whitespace to ``size_bytes``.

    The padding is whitespace inside the object, so the event still validates
    against the official schema; the UTF-8 text is exactly ``size_bytes`` long
    (or the minimal event, if that is longer).
    """
    head = json.dumps({"type": "rate_limits.updated", "event_id": event_id, "rate_limits": []})
    body = head[:-1]
    return body + " " * max(0, size_bytes - len(head)) + "}"


class SilentTCPServer:
    """Accepts TCP connections on 127.0.0.1 and never sends a byte (connect-timeout tests).

    ``async with SilentTCPServer() as silent: silent.url`` gives a ws:// URL whose
    opening handshake never completes. ``accepted`` counts TCP connections.
    """

    def __init__(self, *, path: str = "/v1/realtime?model=gpt-realtime") -> None:
        self._path = path
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []
        self.accepted = 0
        self.port = 0

    @property
    def url(self) -> str:
        """ws:// URL pointing at the silent port."""
        return f"ws://127.0.0.1:{self.port}{self._path}"

    async def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        self._writers.append(writer)  # keep the socket open; read nothing, answer nothing

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._on_connect, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for writer in self._writers:
            writer.transport.abort()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
