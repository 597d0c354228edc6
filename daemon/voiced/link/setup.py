"""Setting up one session on a fresh connection: handshake, configuration, carry-over, outbox.

`SessionSetup` is the part of `RealtimeLink` that turns a URL into a live, configured
session: open the WebSocket (bounded by a timeout), wait for session.created, send the full
session.update (again after any further session.created), wait for session.updated, replay
the conversation, deliver what was kept while offline. Every frame goes through the link's
one write path, `_write`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import (
    ConnectionClosed,
    InvalidHandshake,
    InvalidStatus,
    InvalidURI,
)

from voiced.config.link import LinkConfig
from voiced.core import protocol as rt
from voiced.core.outbox import Outbox
from voiced.core.reconnect import FailureKind, classify
from voiced.core.status import LinkState
from voiced.errors import (
    ConnectionLostError,
    ConnectTimeoutError,
    RealtimeError,
    ServerError,
    SessionConfigRejectedError,
)
from voiced.link.endpoint import Endpoint
from voiced.link.errors import error_from_handshake
from voiced.logs import redact

log = logging.getLogger(__name__)

#: Largest frame accepted from the server; larger ones close the link with 1009 (then retry).
MAX_FRAME_BYTES = 4 * 1024 * 1024


def keepalive_s(dead_link_s: float) -> tuple[float, float, float]:
    """(ping interval, ping timeout, close timeout) so a silent peer is dropped in dead_link_s.

    Worst case: the peer dies just after a pong; the next ping leaves after the interval,
    times out after the timeout, then the closing handshake waits the close timeout.
    """
    return dead_link_s * 0.35, dead_link_s * 0.3, dead_link_s * 0.25


class SessionSetup:
    """Open → configure → carry over → deliver; mixed into RealtimeLink, which provides these."""

    endpoint: Endpoint
    config: LinkConfig
    ids: rt.EventIds
    outbox: Outbox
    _ws: ClientConnection | None
    _session: Callable[[], Mapping[str, Any]]
    _replay_items: Callable[[], list[dict[str, Any]]] | None

    async def _write(self, ws: ClientConnection, frame: str | bytes) -> None:
        raise NotImplementedError

    def _set_state(self, state: LinkState, detail: str) -> None:
        raise NotImplementedError

    def _dispatch(self, event: rt.ServerEvent) -> None:
        raise NotImplementedError

    async def _open(self, timeout_s: float) -> ClientConnection:
        """Handshake, then session.created → session.update → session.updated, in timeout_s."""
        ping_interval, ping_timeout, close_timeout = keepalive_s(self.config.dead_link_s)
        ws: ClientConnection | None = None
        try:
            async with asyncio.timeout(timeout_s):
                ws = await connect(
                    self.endpoint.url,
                    additional_headers=self.endpoint.headers,
                    open_timeout=None,
                    ping_interval=ping_interval,
                    ping_timeout=ping_timeout,
                    close_timeout=min(close_timeout, self.config.close_timeout_s),
                    max_size=MAX_FRAME_BYTES,
                    compression=None,
                    proxy=None,
                    logger=logging.getLogger("websockets.client"),
                )
                self._ws = ws
                self._set_state(LinkState.CONFIGURING, "configuring the session")
                await self._configure(ws)
                return ws
        except TimeoutError as exc:
            await _abort(ws)
            raise ConnectTimeoutError(
                f"no live session from {self.endpoint.host} within {timeout_s:g} s"
            ) from exc
        except RealtimeError:
            await _abort(ws)
            raise
        except (InvalidStatus, InvalidHandshake, InvalidURI, OSError, ConnectionClosed) as exc:
            await _abort(ws)
            raise error_from_handshake(exc, self.endpoint) from None
        except asyncio.CancelledError:  # close() during set-up: leave no connection behind
            if ws is not None:
                ws.transport.abort()
            raise

    async def _configure(self, ws: ClientConnection) -> None:
        await self._next_session_event(ws, (rt.SessionCreated,), None)
        update_id = await self._send_session(ws)
        while isinstance(
            await self._next_session_event(ws, (rt.SessionUpdated, rt.SessionCreated), update_id),
            rt.SessionCreated,
        ):  # a fresh session again: it gets the full configuration again
            update_id = await self._send_session(ws)

    async def _send_session(self, ws: ClientConnection) -> str:
        """The full session configuration, through the one write path; returns its id."""
        update_id = self.ids.next()
        await self._write(ws, rt.session_update(update_id, self._session()))
        return update_id

    async def _next_session_event(
        self,
        ws: ClientConnection,
        kinds: tuple[type[rt.SessionCreated] | type[rt.SessionUpdated], ...],
        update_id: str | None,
    ) -> rt.ServerEvent:
        async for message in ws:
            event = rt.parse_server_event(message)
            if isinstance(event, kinds):
                return event
            if isinstance(event, rt.ServerErrorEvent):
                failure = classify(
                    code=event.code,
                    message=redact(event.message),
                    error_type=event.error_type,
                    echoes_update=update_id is not None and event.client_event_id == update_id,
                )
                if failure.kind is not FailureKind.CONTINUE:
                    error_class = (
                        SessionConfigRejectedError
                        if failure.kind is FailureKind.CONFIG
                        else ServerError
                    )
                    raise error_class(
                        event.code or event.error_type, event.message[:300], failure=failure
                    )
            self._dispatch(event)
        raise ConnectionLostError(
            f"closed {ws.close_code} during set-up", ws.close_code, ws.close_reason or ""
        )

    async def _carry_over(self, ws: ClientConnection) -> None:
        """Replay the conversation so far into the new session, before any new turn."""
        if self._replay_items is None or not self.config.carry_over:
            return
        items = self._replay_items()
        if not items:
            return
        for item in items:
            await self._write(ws, rt.item_create(self.ids.next(), item))
        log.info(
            "carried the conversation over: %d items replayed into the new session",
            len(items),
            extra={"VOICED_EVENT": "carry_over", "VOICED_ITEMS": len(items)},
        )

    async def _deliver_outbox(self, ws: ClientConnection) -> None:
        """Send what was kept while offline, in order, before anything new.

        A frame leaves the outbox only once its send succeeded: what a drop interrupts stays
        for the next session.
        """
        if not len(self.outbox):
            return
        kept_ms, lost_ms = self.outbox.audio_ms, self.outbox.dropped_since_drain_ms
        while (head := self.outbox.head()) is not None:
            seq, frame = head
            await self._write(ws, frame)
            self.outbox.sent(seq)
        self.outbox.end_outage()
        log.info(
            "delivered %.1f s of audio kept while offline (%.1f s dropped)",
            kept_ms / 1000.0,
            lost_ms / 1000.0,
            extra={"VOICED_EVENT": "outbox"},
        )


async def _abort(ws: ClientConnection | None) -> None:
    """Drop `ws` without a closing handshake and wait (briefly) for its socket to go."""
    if ws is not None:
        ws.transport.abort()
        with contextlib.suppress(Exception):  # nothing to do about a failed abort
            async with asyncio.timeout(1.0):
                await ws.wait_closed()
