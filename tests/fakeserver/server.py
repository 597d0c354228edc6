"""``FakeRealtimeServer``: a loopback OpenAI Realtime (GA) peer for tests and benchmarks.

A real ``websockets`` server on 127.0.0.1. The HTTP upgrade is checked like
the API does (path, key, no ``OpenAI-Beta`` header, ``model`` query) and can
be refused on purpose through ``Faults``; each accepted connection gets its own
``RealtimeSession`` (protocol state) and ``ConnectionDriver`` (I/O)::

    async with FakeRealtimeServer(api_key="sk-test-123", pace="realtime") as srv:
        async with websockets.asyncio.client.connect(
            srv.url, additional_headers={"Authorization": "Bearer sk-test-123"}
        ) as ws:
            ...
        assert srv.connections[0].received_types == [...]
"""

from __future__ import annotations

import asyncio
import math
import time
import weakref
from types import TracebackType
from typing import Literal, Self
from urllib.parse import parse_qs, urlsplit

import numpy as np
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from fakeserver.conn import ConnectionDriver, ConnRecord
from fakeserver.events import SAMPLE_RATE_HZ
from fakeserver.faults import Faults, error_body
from fakeserver.session import RealtimeSession

Pace = Literal["fast", "realtime"] | float

DEFAULT_RESPONSE_TEXT = "Hello! This is the fake realtime server speaking."
REALTIME_PATH = "/v1/realtime"
#: Azure OpenAI serves the same protocol under /openai/v1/realtime.
AZURE_PATH = "/openai/v1/realtime"


def tone(duration_s: float = 1.0, frequency_hz: float = 440.0, amplitude: float = 0.3) -> bytes:
    """A 24 kHz s16le mono sine tone (the default response audio)."""
    n = round(duration_s * SAMPLE_RATE_HZ)
    t = np.arange(n) / SAMPLE_RATE_HZ
    samples = np.round(amplitude * 32767 * np.sin(2 * np.pi * frequency_hz * t))
    return samples.astype("<i2").tobytes()


def _speed_of(pace: Pace) -> float | None:
    if pace == "fast":
        return None
    if pace == "realtime":
        return 1.0
    if isinstance(pace, int | float) and not isinstance(pace, bool) and pace > 0:
        return float(pace)
    raise ValueError(f"pace must be 'fast', 'realtime' or a positive speed factor, not {pace!r}")


class FakeRealtimeServer:
    """Async context manager running the fake on 127.0.0.1 (an ephemeral port by default).

    ``api_key=None`` disables auth. ``pace``: "fast" (no waits), "realtime", or a
    speed factor (2.0 = twice real time). ``session_max_s``: the session cap
    (error ``session_expired`` then close 1001). ``ping_interval_s``/``ping_timeout_s``:
    the server's own keepalive (None disables). ``compression``: "deflate" to
    negotiate permessage-deflate, None (default) to refuse it.
    """

    def __init__(
        self,
        *,
        api_key: str | None = "sk-test-123",
        pace: Pace = "fast",
        port: int = 0,
        faults: Faults | None = None,
        session_max_s: float = 3600.0,
        ping_interval_s: float | None = 20.0,
        ping_timeout_s: float | None = 20.0,
        close_timeout_s: float = 2.0,
        max_message_bytes: int = 15 * 2**20,
        compression: str | None = None,
    ) -> None:
        self.api_key = api_key
        self.speed = _speed_of(pace)
        self.session_max_s = session_max_s
        self._requested_port = port
        self._ping_interval_s = ping_interval_s
        self._ping_timeout_s = ping_timeout_s
        self._close_timeout_s = close_timeout_s
        self._max_message_bytes = max_message_bytes
        self._compression = compression
        self._faults = faults or Faults()
        self._attempts_under_faults = 0
        self._faults_for: weakref.WeakKeyDictionary[ServerConnection, Faults] = (
            weakref.WeakKeyDictionary()
        )
        self._response_audio = tone()
        self._response_text = DEFAULT_RESPONSE_TEXT
        self._server: Server | None = None
        self._drivers: set[ConnectionDriver] = set()
        self._connections_changed = asyncio.Condition()
        self.port = 0
        self.handshake_attempts = 0
        self.attempt_times: list[float] = []
        self.connections: list[ConnRecord] = []

    # -- configuration ---------------------------------------------------------------

    @property
    def url(self) -> str:
        """Full Realtime URL with ``?model=gpt-realtime``."""
        return f"ws://127.0.0.1:{self.port}{REALTIME_PATH}?model=gpt-realtime"

    @property
    def base_url(self) -> str:
        """``ws://127.0.0.1:PORT/v1``, for openai-python's ``websocket_base_url``."""
        return f"ws://127.0.0.1:{self.port}/v1"

    @property
    def faults(self) -> Faults:
        """Faults applied to new connections; assigning restarts ``reject_first_n`` counting."""
        return self._faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        self._faults = faults
        self._attempts_under_faults = 0

    @property
    def response_audio(self) -> bytes:
        """24 kHz s16le audio every response streams (default 1.0 s of 440 Hz)."""
        return self._response_audio

    @response_audio.setter
    def response_audio(self, audio: bytes) -> None:
        if len(audio) % 2:
            raise ValueError("response_audio must be whole 16-bit samples (even length)")
        self._response_audio = bytes(audio)
        for driver in self._drivers:
            driver.session.response_audio = self._response_audio

    @property
    def response_text(self) -> str:
        """Assistant transcript streamed alongside the audio."""
        return self._response_text

    @response_text.setter
    def response_text(self, text: str) -> None:
        self._response_text = text
        for driver in self._drivers:
            driver.session.response_text = text

    # -- lifecycle -------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        self._server = await serve(
            self._handle,
            "127.0.0.1",
            self._requested_port,
            process_request=self._process_request,
            compression=self._compression,
            ping_interval=self._ping_interval_s,
            ping_timeout=self._ping_timeout_s,
            close_timeout=self._close_timeout_s,
            max_size=self._max_message_bytes,
            server_header=None,
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for driver in list(self._drivers):
            if driver.dead:
                driver.ws.transport.abort()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def wait_for_connections(self, n: int, timeout: float = 5.0) -> None:
        """Wait until at least ``n`` connections have been accepted."""
        async with asyncio.timeout(timeout), self._connections_changed:
            await self._connections_changed.wait_for(lambda: len(self.connections) >= n)

    async def push(self, *frames: str | bytes) -> None:
        """Send raw frames, as they are, to every live connection (hostile-server tests)."""
        for driver in list(self._drivers):
            for frame in frames:
                try:
                    await driver.ws.send(frame)
                except ConnectionClosed:
                    break

    async def write_raw(self, data: bytes, *, abort_after_s: float = 0.05) -> None:
        """Write raw bytes (a hand-made or partial frame) to every connection, then reset."""
        drivers = list(self._drivers)
        for driver in drivers:
            driver.dead = True  # nothing else is sent on it
            driver.ws.transport.write(data)
        await asyncio.sleep(abort_after_s)
        for driver in drivers:
            driver.ws.transport.abort()

    async def drop_all(self, code: int = 1011) -> None:
        """Close every live connection with ``code`` (dead links are aborted)."""
        await asyncio.gather(*(driver.close(code) for driver in list(self._drivers)))

    # -- handshake -------------------------------------------------------------------

    def _reject(
        self, connection: ServerConnection, status: int, body: str, retry_after_s: float | None
    ) -> Response:
        response = connection.respond(status, body)
        if body.startswith("{"):
            del response.headers["Content-Type"]
            response.headers["Content-Type"] = "application/json"
        if retry_after_s is not None:
            # Below one second: sent as is, a scaled time for soak tests (HTTP wants integers).
            value = f"{retry_after_s:g}" if retry_after_s < 1 else str(math.ceil(retry_after_s))
            response.headers["Retry-After"] = value
        return response

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        self.handshake_attempts += 1
        self.attempt_times.append(time.monotonic())
        self._attempts_under_faults += 1
        faults = self._faults
        if faults.reject_status is not None and (
            faults.reject_first_n is None or self._attempts_under_faults <= faults.reject_first_n
        ):
            body = faults.reject_body or error_body(faults.reject_status)
            return self._reject(connection, faults.reject_status, body, faults.retry_after_s)
        url = urlsplit(request.path)
        if url.path not in (REALTIME_PATH, AZURE_PATH):
            return self._reject(connection, 404, error_body(404, f"No route {url.path}."), None)
        if self.api_key is not None and not self._authorized(request):
            return self._reject(connection, 401, error_body(401), None)
        if "OpenAI-Beta" in request.headers:
            message = (
                "The OpenAI-Beta header selects the retired beta Realtime protocol; "
                "the GA API takes no OpenAI-Beta header."
            )
            return self._reject(
                connection, 400, error_body(400, message, "beta_header_not_supported"), None
            )
        if not parse_qs(url.query).get("model"):
            message = "Missing required parameter: 'model'."
            body = error_body(400, message, "missing_required_parameter")
            return self._reject(connection, 400, body, None)
        self._faults_for[connection] = faults
        return None

    def _authorized(self, request: Request) -> bool:
        bearer = request.headers.get("Authorization", "")
        if bearer == f"Bearer {self.api_key}":
            return True
        return bool(request.headers.get("api-key", "") == self.api_key)

    # -- connections -----------------------------------------------------------------

    async def _handle(self, ws: ServerConnection) -> None:
        request = ws.request
        assert request is not None
        faults = self._faults_for.pop(ws, self._faults)
        model = parse_qs(urlsplit(request.path).query).get("model", ["gpt-realtime"])[0]
        session = RealtimeSession(
            conn_tag=f"c{len(self.connections) + 1:02d}",
            model=model,
            session_max_s=self.session_max_s,
            response_audio=self._response_audio,
            response_text=self._response_text,
        )
        record = ConnRecord(
            headers=request.headers, path=request.path, faults=faults, session=session
        )
        driver = ConnectionDriver(ws, record, speed=self.speed, session_max_s=self.session_max_s)
        self._drivers.add(driver)
        async with self._connections_changed:
            self.connections.append(record)
            self._connections_changed.notify_all()
        try:
            await driver.run()
        finally:
            self._drivers.discard(driver)


__all__ = ["FakeRealtimeServer", "Pace", "tone"]
