"""One supervised WebSocket connection to a realtime server (websockets' asyncio client).

Lifecycle: CONNECTING (TCP + TLS + HTTP upgrade) → CONFIGURING (wait for session.created,
send the full session.update, wait for session.updated) → LIVE → on a drop, OFFLINE while
the reconnect policy's delay runs → CONNECTING again; FAILED when the policy stops (a person
must act), CLOSED after close(). Every frame leaves through `_write()` (`send_frame()` for
callers); while the link is not LIVE, frames wait in a bounded outbox and are delivered, in
order, once the next session is configured. Session set-up lives in `voiced.link.setup`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable, Mapping
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import (
    ConnectionClosed,
)

from voiced.config.link import LinkConfig
from voiced.core import protocol as rt
from voiced.core.outbox import Outbox
from voiced.core.reconnect import (
    Decision,
    Failure,
    FailureKind,
    ReconnectPolicy,
    classify,
    should_rotate,
)
from voiced.core.status import LinkState
from voiced.errors import (
    ConnectionLostError,
    ConnectTimeoutError,
    NotConnectedError,
    RealtimeError,
)
from voiced.link.endpoint import Endpoint
from voiced.link.setup import SessionSetup
from voiced.logs import quiet_websockets_logger, redact, register_secret

log = logging.getLogger(__name__)


class RealtimeLink(SessionSetup):
    """A realtime session that stays up: connect, configure, serve, and reconnect on drops."""

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        session: Callable[[], Mapping[str, Any]],
        on_event: Callable[[rt.ServerEvent], None],
        on_state: Callable[[LinkState, str], None] | None = None,
        on_error: Callable[[RealtimeError], None] | None = None,
        is_idle: Callable[[], bool] = lambda: True,
        replay: Callable[[], list[dict[str, Any]]] | None = None,
        config: LinkConfig | None = None,
        rotate_after_s: float | None = None,
        policy: ReconnectPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.endpoint = endpoint
        self.config = config or LinkConfig()
        self._session = session
        self._on_event = on_event
        self._on_state = on_state or (lambda state, detail: None)
        self._on_error = on_error or (lambda exc: None)
        self._is_idle = is_idle
        self._replay_items = replay
        """The conversation items to carry into each new session (None: none)."""
        self._clock = clock
        self.rotate_after_s = rotate_after_s
        self.policy = policy or ReconnectPolicy(
            initial_s=self.config.backoff_initial_s,
            max_s=self.config.backoff_max_s,
            healthy_uptime_s=self.config.healthy_uptime_s,
            rand=random.random,
        )
        self.ids = rt.EventIds("c")
        self.outbox = Outbox(max_audio_ms=self.config.offline_buffer_s * 1000.0)
        self.state = LinkState.IDLE
        self.detail = ""
        self.connections = 0
        """Sessions configured so far (1 after the first connect)."""
        self.violations = 0
        """Frames from the server that were not the protocol (counted, never fatal)."""
        self._ws: ClientConnection | None = None
        self._task: asyncio.Task[None] | None = None
        self._reconnect = True
        self._closing = False
        self._wake = asyncio.Event()
        self._session_failure: Failure | None = None
        self._connected_at_s = 0.0
        quiet_websockets_logger()
        for secret in endpoint.secrets:  # library mode too: logs and errors never show it
            register_secret(secret)

    # ---- public -------------------------------------------------------------------------

    @property
    def live(self) -> bool:
        return self.state is LinkState.LIVE

    async def connect(self, *, timeout_s: float, reconnect: bool) -> None:
        """Return once a session is live and configured; raise a typed error otherwise.

        The first attempt is bounded by `timeout_s` (handshake and session included) and
        raises on failure. With `reconnect`, later drops are retried until close().
        """
        if self._task is not None and not self._task.done():
            raise RealtimeError("already connected; call close() first")
        self._reconnect = reconnect
        self._closing = False
        first: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        task = asyncio.create_task(self._supervise(first, timeout_s), name="voiced-link")
        self._task = task
        try:
            # The supervisor settles `first` within timeout_s; this bound is the backstop
            # that makes "connect() never hangs" true whatever happens inside.
            async with asyncio.timeout(timeout_s + self.config.close_timeout_s):
                await asyncio.shield(first)
        except TimeoutError:
            task.cancel()
            raise ConnectTimeoutError(
                f"no live session from {self.endpoint.host} within {timeout_s:g} s"
            ) from None
        except asyncio.CancelledError:
            task.cancel()
            raise

    def start(self) -> None:
        """Keep a session up from now on without waiting: a daemon is ready while offline."""
        if self._task is not None and not self._task.done():
            return
        self._reconnect = True
        self._closing = False
        self._task = asyncio.create_task(
            self._supervise(None, self.config.connect_timeout_s), name="voiced-link"
        )

    def retry_now(self) -> None:
        """A person acted (config reload, `voiced ctl reconnect`): forget the streak, retry."""
        self.policy.reset()
        self._wake.set()
        if self._task is None or self._task.done():
            self.start()

    async def send_frame(self, frame: str | bytes, *, audio_ms: float = 0.0) -> None:
        """Send `frame` now when live; otherwise keep it (bounded) for the next session."""
        ws = self._ws
        if ws is not None and self.state is LinkState.LIVE and not len(self.outbox):
            try:
                await self._write(ws, frame)
                return
            except ConnectionLostError:
                pass  # the reader notices and reconnects; keep the frame for the next session
        if self._closing or self._task is None or self._task.done():
            raise NotConnectedError("not connected: call connect() first")
        dropped_ms = self.outbox.put(frame, audio_ms)
        if dropped_ms and self.outbox.dropped_since_drain_ms == dropped_ms:  # once an outage
            log.warning(
                "link down for more than %.0f s of audio: dropping the oldest",
                self.outbox.max_audio_ms / 1000.0,
                extra={"VOICED_EVENT": "audio_drop"},
            )

    async def _write(self, ws: ClientConnection, frame: str | bytes) -> None:
        """The one write path: every frame leaves here (session.update and the outbox too).

        It checks that `ws` is still this link's open connection and turns any failure of the
        send into one ConnectionLostError, so no caller handles websockets' or the OS's
        exceptions.
        """
        if ws is not self._ws or self._closing:
            raise ConnectionLostError("the connection is no longer open")
        try:
            await ws.send(frame, text=True)  # ASCII bytes go out as a text frame, unchanged
        except ConnectionClosed as exc:
            frame_in = exc.rcvd or exc.sent
            code = frame_in.code if frame_in is not None else None
            raise ConnectionLostError(f"closed {code} while sending", code) from None
        except Exception as exc:  # a transport failing underneath: OSError, RuntimeError
            raise ConnectionLostError(f"send failed ({type(exc).__name__})") from None

    async def close(self) -> None:
        """Close with 1000 and stop reconnecting; returns within the close timeout."""
        self._closing = True
        self._wake.set()
        ws = self._ws
        if ws is not None:
            try:
                async with asyncio.timeout(self.config.close_timeout_s):
                    await ws.close(1000, "client closing")
            except (TimeoutError, OSError, ConnectionClosed):
                ws.transport.abort()
        task = self._task
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, RealtimeError):
                await task
        self._ws = None
        self._set_state(LinkState.CLOSED, "closed")

    # ---- supervision --------------------------------------------------------------------

    async def _supervise(self, first: asyncio.Future[None] | None, timeout_s: float) -> None:
        """Open → configure → deliver → serve, again and again; this task cannot die.

        Every failure, expected or not, ends in one decision of the reconnect policy. The
        first attempt of connect() settles `first` (result or typed error) whatever happens.
        """
        try:
            await self._run(first, timeout_s)
        finally:
            if first is not None and not first.done():
                first.set_exception(NotConnectedError("the link was closed while connecting"))

    async def _run(self, first: asyncio.Future[None] | None, timeout_s: float) -> None:
        attempt_timeout_s = timeout_s
        while not self._closing:
            configured = False
            error: RealtimeError | None = None
            self._set_state(LinkState.CONNECTING, f"connecting to {self.endpoint.host}")
            try:
                ws = await self._open(attempt_timeout_s)
                configured = True
                self.connections += 1
                self._connected_at_s = self._clock()
                self.policy.on_connected(self._connected_at_s)
                await self._carry_over(ws)
                await self._deliver_outbox(ws)
                self._set_state(LinkState.LIVE, "connected")
                if first is not None and not first.done():
                    first.set_result(None)
                failure = await self._serve(ws)
            except RealtimeError as exc:
                error, failure = exc, exc.failure
            except Exception as exc:  # the last resort: log once with the traceback, retry
                log.error(
                    "realtime link: unexpected %s; counted as a failure and retried",
                    type(exc).__name__,
                    exc_info=True,
                )
                error = RealtimeError(f"internal error ({type(exc).__name__})")
                failure = error.failure
            finally:
                self._forget_ws()
            attempt_timeout_s = self.config.connect_timeout_s
            if self._closing:
                return
            if first is not None and not first.done():
                error = error or ConnectionLostError(f"connection lost: {failure.reason}")
                self._set_state(LinkState.FAILED, str(error))
                first.set_exception(error)
                return
            if configured and not self._reconnect:
                self._set_state(LinkState.FAILED, failure.reason)
                self._on_error(ConnectionLostError(f"connection lost: {failure.reason}"))
                return
            if configured:
                decision = self.policy.on_disconnected(self._clock(), failure)
            else:
                decision = self.policy.on_attempt_failed(failure)
            if not await self._after_failure(decision, error):
                return

    def _forget_ws(self) -> None:
        """The attempt is over: make sure its socket is gone (no leak, whatever happened)."""
        ws, self._ws = self._ws, None
        if ws is not None and ws.transport is not None:
            ws.transport.abort()

    async def _after_failure(self, decision: Decision, exc: RealtimeError | None) -> bool:
        """Log, report and wait out `decision`; False when the link must stop."""
        if not decision.retry:
            error = exc or RealtimeError(
                decision.reason, failure=Failure(FailureKind.FATAL, decision.reason)
            )
            log.error(
                "realtime link stopped: %s. Fix it, then `systemctl restart voiced`",
                decision.reason,
                extra={"VOICED_EVENT": "link_failed"},
            )
            self._set_state(LinkState.FAILED, decision.reason)
            self._on_error(error)
            return False
        # Every attempt is one journald entry (README: "every reconnect"): the first failure
        # of a streak is a WARNING, the rest INFO, so a flaky link does not flood warnings.
        level = logging.WARNING if decision.attempt == 1 else logging.INFO
        log.log(
            level,
            "realtime link down (%s); retry %d in %.1f s",
            decision.reason,
            decision.attempt,
            decision.delay_s,
            extra={
                "VOICED_EVENT": "reconnect",
                "VOICED_ATTEMPT": decision.attempt,
                "VOICED_DELAY_S": f"{decision.delay_s:.1f}",
            },
        )
        self._set_state(
            LinkState.OFFLINE, f"reconnecting in {decision.delay_s:.0f} s ({decision.reason})"
        )
        self._wake.clear()
        try:
            async with asyncio.timeout(decision.delay_s):
                await self._wake.wait()
        except TimeoutError:
            pass
        return not self._closing

    async def _serve(self, ws: ClientConnection) -> Failure:
        """Read until the link ends; return why it ended."""
        self._session_failure = None
        rotation = asyncio.create_task(self._rotate_when_due(ws), name="voiced-link-rotate")
        try:
            async for message in ws:
                event = rt.parse_server_event(message)
                if isinstance(event, rt.ServerErrorEvent):
                    failure = classify(
                        code=event.code, message=redact(event.message), error_type=event.error_type
                    )
                    if failure.kind is not FailureKind.CONTINUE:
                        self._session_failure = failure
                        if failure.fatal or failure.kind is FailureKind.EXPIRED:
                            with contextlib.suppress(Exception):  # this session is over
                                await ws.close(1000, failure.kind.value)
                elif isinstance(event, rt.SessionCreated):
                    await self._send_session(ws)  # every session.created: the full config
                self._dispatch(event)
        except ConnectionClosed:
            pass
        finally:
            rotation.cancel()
        if self._session_failure is not None:
            return self._session_failure
        return classify(close_code=ws.close_code, close_reason=redact(ws.close_reason or ""))

    async def _rotate_when_due(self, ws: ClientConnection) -> None:
        if self.rotate_after_s is None:
            return
        await asyncio.sleep(self.rotate_after_s)
        while not should_rotate(
            uptime_s=self._clock() - self._connected_at_s,
            rotate_after_s=self.rotate_after_s,
            idle=self._is_idle(),
        ):
            await asyncio.sleep(1.0)
        log.info(
            "rotating to a fresh session after %.0f min, before the server's cap",
            (self._clock() - self._connected_at_s) / 60.0,
            extra={"VOICED_EVENT": "rotate"},
        )
        self._session_failure = Failure(FailureKind.EXPIRED, "session rotation")
        with contextlib.suppress(Exception):  # a close that fails ends the link all the same
            await ws.close(1000, "session rotation")

    def _dispatch(self, event: rt.ServerEvent) -> None:
        if isinstance(event, rt.ProtocolViolation):
            self.violations += 1
            level = logging.WARNING if self.violations == 1 else logging.DEBUG
            log.log(
                level,
                "ignored a frame that is not the realtime protocol: %s (%d so far)",
                event.reason,
                self.violations,
                extra={"VOICED_EVENT": "protocol_violation"},
            )
            return
        try:
            self._on_event(event)
        except Exception:
            log.exception("handler failed on %s; continuing", type(event).__name__)

    def _set_state(self, state: LinkState, detail: str) -> None:
        detail = redact(detail)  # it reaches STATUS= and `voiced ctl status`
        if state is self.state and detail == self.detail:
            return
        self.state = state
        self.detail = detail
        try:
            self._on_state(state, detail)
        except Exception:
            log.exception("state handler failed")
