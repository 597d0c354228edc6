"""One accepted WebSocket: its record (what tests inspect) and its I/O driver.

Every outgoing frame goes through ``ConnectionDriver.send``, the one place
that checks the dead-link and closing states, records what was sent, feeds
``RealtimeSession.on_sent`` and applies the event-count and garbage faults.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import time
from collections.abc import Mapping
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from fakeserver.actions import Action, Send, StartStream, StopStream
from fakeserver.events import Event
from fakeserver.faults import Faults, garbage_frames, padded_frame
from fakeserver.session import RealtimeSession

logger = logging.getLogger(__name__)

TCP_ESTABLISHED = 1
DEAD_LINK_POLL_S = 0.05
SESSION_EXPIRED_MESSAGE = "Your session hit the maximum duration of 60 minutes."


class ConnRecord:
    """What one accepted connection did; the fields client tests assert on."""

    def __init__(
        self, *, headers: Mapping[str, str], path: str, faults: Faults, session: RealtimeSession
    ) -> None:
        self.headers = headers
        self.path = path
        self.faults = faults
        self.state = session
        self.received: list[str] = []  # every text frame the client sent, raw, in order
        self.received_types: list[str] = []  # ``type`` of each frame that parsed to an object
        self.received_binary = 0  # binary frames from the client (always an error)
        self.sent_types: list[str] = []  # ``type`` of every real event sent (not garbage)
        self.garbage_sent = 0
        self.close_code: int | None = None
        self.closed = asyncio.Event()
        self.opened_at = time.monotonic()
        self.closed_at: float | None = None

    @property
    def session(self) -> Event:
        """The current merged session configuration."""
        return self.state.config

    @property
    def input_audio(self) -> bytearray:
        """All audio the client appended, decoded."""
        return self.state.input_audio

    @property
    def committed_audio(self) -> list[bytes]:
        """Audio of each commit (manual or by server VAD), in order."""
        return self.state.committed_audio

    @property
    def truncations(self) -> list[tuple[str, int]]:
        """Accepted ``conversation.item.truncate`` requests as (item_id, audio_end_ms)."""
        return self.state.truncations

    def received_events(self) -> list[Event]:
        """The client's frames that parsed as JSON objects."""
        events = []
        for text in self.received:
            with contextlib.suppress(ValueError):
                event = json.loads(text)
                if isinstance(event, dict):
                    events.append(event)
        return events


class ConnectionDriver:
    """Runs one connection: receive loop, response streaming, fault timers."""

    def __init__(
        self,
        ws: ServerConnection,
        record: ConnRecord,
        *,
        speed: float | None,
        session_max_s: float,
    ) -> None:
        self.ws = ws
        self.record = record
        self.session = record.state
        self.faults = record.faults
        self._speed = speed
        self._session_max_s = session_max_s
        self._events_sent = 0
        self._closing_code: int | None = None
        self.dead = False
        self._stream_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._timers: list[asyncio.TimerHandle] = []
        self._watcher: asyncio.Task[None] | None = None

    # -- lifecycle -------------------------------------------------------------------

    async def run(self) -> None:
        """Serve the connection until it closes; always finalises the record."""
        try:
            await self._run()
        finally:
            for timer in self._timers:
                timer.cancel()
            await self._stop_stream()
            if self._watcher is not None:
                self._watcher.cancel()
            pending = [task for task in self._tasks if task is not asyncio.current_task()]
            await asyncio.gather(*pending, return_exceptions=True)
            self.record.close_code = self._closing_code or self.ws.close_code
            self.record.closed_at = time.monotonic()
            self.record.closed.set()

    async def _run(self) -> None:
        faults = self.faults
        if faults.error_then_close is not None:
            code, error_type, close_code = faults.error_then_close
            await self.send(self.session.error(code, _fatal_message(code), error_type=error_type))
            await self.close(close_code)
            return
        self._start_timers()
        if not faults.silent_after_handshake:
            await self.send(self.session.session_created())
            if faults.oversized_frame_bytes is not None:
                event_id = self.session.ids.new("event")
                frame = padded_frame(event_id, faults.oversized_frame_bytes)
                await self.send(json.loads(frame), text=frame)
        await self._receive_loop()

    def _start_timers(self) -> None:
        loop = asyncio.get_running_loop()
        faults = self.faults
        expiry_s = self._session_max_s
        if faults.session_expired_after_s is not None:
            expiry_s = min(expiry_s, faults.session_expired_after_s)
        self._timers.append(loop.call_later(expiry_s, self._spawn_expiry))
        if faults.close_after_s is not None:
            self._timers.append(
                loop.call_later(faults.close_after_s, self.begin_close, faults.close_code)
            )
        if faults.stop_pongs_after_s is not None:
            self._timers.append(loop.call_later(faults.stop_pongs_after_s, self.go_dead))

    def _spawn(self, coro: Any) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _spawn_expiry(self) -> None:
        self._spawn(self._expire())

    async def _expire(self) -> None:
        await self._stop_stream()
        error = self.session.error("session_expired", SESSION_EXPIRED_MESSAGE)
        await self.send(error)
        await self.close(1001, "session expired")

    def begin_close(self, code: int, reason: str = "") -> None:
        """Stop sending now and close with ``code`` in the background."""
        if self._closing_code is None and not self.dead:
            self._closing_code = code
            self._spawn(self._close(code, reason))

    async def close(self, code: int, reason: str = "") -> None:
        """Close with ``code`` (a dead link is aborted instead) and wait for it."""
        if self.dead:
            self.ws.transport.abort()
            return
        if self._closing_code is None:
            self._closing_code = code
        await self._close(code, reason)

    async def _close(self, code: int, reason: str) -> None:
        await self._stop_stream()
        await self.ws.close(code, reason)

    def go_dead(self) -> None:
        """Emulate a dead link: no reads (so no pongs), no writes, TCP left open."""
        self.dead = True
        if self._stream_task is not None:
            self._stream_task.cancel()
        if self.ws.keepalive_task is not None:
            self.ws.keepalive_task.cancel()
        self.ws.transport.pause_reading()
        self._watcher = asyncio.get_running_loop().create_task(self._watch_dead_socket())

    async def _watch_dead_socket(self) -> None:
        """Abort our side once the client gave up (FIN or RST), so the record closes."""
        sock = self.ws.transport.get_extra_info("socket")
        if sock is None or not hasattr(socket, "TCP_INFO"):
            return
        while True:
            await asyncio.sleep(DEAD_LINK_POLL_S)
            try:
                state = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[0]
            except OSError:
                state = 0
            if state != TCP_ESTABLISHED:
                self.ws.transport.abort()
                return

    # -- receiving -------------------------------------------------------------------

    async def _receive_loop(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for message in self.ws:
                if isinstance(message, bytes):
                    self.record.received_binary += 1
                    error = self.session.error(
                        "invalid_event", "Binary frames are not supported; send JSON text."
                    )
                    await self._answer(error)
                    continue
                self.record.received.append(message)
                limit = self.faults.reset_after_received
                if limit is not None and len(self.record.received) >= limit:
                    await self._reset()
                    return
                await self._handle_text(message)

    async def _reset(self) -> None:
        """A TCP reset mid-conversation (fault ``reset_after_received``)."""
        if self.faults.stall_before_reset:
            self.ws.transport.pause_reading()
            await asyncio.sleep(0.05)  # the client's sends now block on a full buffer
        self.dead = True
        self.ws.transport.abort()

    async def _handle_text(self, text: str) -> None:
        try:
            event = json.loads(text)
        except ValueError as exc:
            await self._answer(
                self.session.error("invalid_json", f"Invalid JSON in client event: {exc}.")
            )
            return
        if not isinstance(event, dict):
            await self._answer(
                self.session.error("invalid_event", "A client event must be a JSON object.")
            )
            return
        event_type = event.get("type")
        self.record.received_types.append(event_type if isinstance(event_type, str) else "")
        if self.faults.silent_after_handshake:
            return
        refused = self.faults.error_on_session_update
        if refused is not None and event_type == "session.update":
            code, error_type = refused
            echo = event.get("event_id")
            await self.send(
                self.session.error(
                    code,
                    f"Fault: {code}.",
                    error_type=error_type,
                    client_event_id=echo if isinstance(echo, str) else None,
                )
            )
            return
        await self._run_actions(self.session.handle(event))

    async def _answer(self, error: Event) -> None:
        if not self.faults.silent_after_handshake:
            await self.send(error)

    async def _run_actions(self, actions: list[Action]) -> None:
        for action in actions:
            if isinstance(action, StopStream):
                await self._stop_stream()
            elif isinstance(action, StartStream):
                await self._stop_stream()
                self._stream_task = asyncio.get_running_loop().create_task(
                    self._stream(action.response_id)
                )
            elif isinstance(action, Send):
                if self.faults.no_session_updated and action.event["type"] == "session.updated":
                    continue
                await self.send(action.event)

    # -- sending ---------------------------------------------------------------------

    async def _stream(self, response_id: str) -> None:
        loop = asyncio.get_running_loop()
        start = loop.time()
        for offset_s, event in self.session.stream(response_id):
            if self._speed is not None and offset_s > 0:
                delay_s = start + offset_s / self._speed - loop.time()
                if delay_s > 0:
                    await asyncio.sleep(delay_s)
            await self.send(event)
            await asyncio.sleep(0)  # let the receive loop run between events
            if self.dead or self._closing_code is not None:
                return

    async def _stop_stream(self) -> None:
        task, self._stream_task = self._stream_task, None
        if task is None or task is asyncio.current_task():
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def send(self, event: Event, *, text: str | None = None) -> None:
        """The one choke point for server events."""
        if self.dead or self._closing_code is not None:
            return
        self.session.on_sent(event)
        event_type = str(event.get("type"))
        self.record.sent_types.append(event_type)
        try:
            await self.ws.send(text if text is not None else json.dumps(event))
        except ConnectionClosed:
            return
        self._events_sent += 1
        if self.faults.garbage and event_type in ("session.created", "response.created"):
            await self._send_garbage(event)
        limit = self.faults.close_after_events
        if limit is not None and self._events_sent >= limit:
            self.begin_close(self.faults.close_code, "fault: close_after_events")

    async def _send_garbage(self, after: Event) -> None:
        active = self.session.active
        response_id = active.response_id if active else "resp_garbage"
        item_id = active.item_id if active else "item_garbage"
        for frame in garbage_frames(str(after["event_id"]) + "_garbage", response_id, item_id):
            if self.dead or self._closing_code is not None:
                return
            try:
                await self.ws.send(frame)
            except ConnectionClosed:
                return
            self.record.garbage_sent += 1


def _fatal_message(code: str) -> str:
    messages = {
        "invalid_api_key": "Incorrect API key provided.",
        "insufficient_quota": "You exceeded your current quota, please check your plan and "
        "billing details.",
        "account_deactivated": "This account has been deactivated.",
        "billing_hard_limit_reached": "Billing hard limit has been reached.",
    }
    return messages.get(code, f"Fatal error: {code}.")
