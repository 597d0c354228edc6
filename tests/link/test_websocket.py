"""The link against a real websockets server: connect, configure, reconnect, give up."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from linkkit import FAST, Recorder, configured, make_link
from voiced.config.link import LinkConfig
from voiced.core import protocol as rt
from voiced.errors import (
    ConnectionRefusedByPeer,
    ConnectTimeoutError,
    CredentialsRejectedError,
    HTTPStatusError,
    ServerError,
)
from voiced.link import LinkState

from conftest import API_KEY, checked_server, wait_until
from fakeserver import FakeRealtimeServer, Faults, SilentTCPServer


async def test_connect_sends_full_session_after_created(server: FakeRealtimeServer) -> None:
    """connect() returns live with the full session applied, sent right after session.created."""
    rec = Recorder()
    link = make_link(server.url, rec)
    await link.connect(timeout_s=5.0, reconnect=False)
    assert link.state is LinkState.LIVE
    conn = server.connections[0]
    assert conn.received_types[0] == "session.update"
    assert conn.session["audio"]["output"]["voice"] == "coral"
    assert conn.session["instructions"] == "Be brief."
    assert conn.session["audio"]["input"]["turn_detection"] is None
    assert conn.headers["Authorization"] == f"Bearer {API_KEY}"
    assert "OpenAI-Beta" not in conn.headers
    await link.close()


@pytest.mark.parametrize("close_code", [1001, 1011, 1012, 1013])
async def test_reconnects_after_close_codes(server: FakeRealtimeServer, close_code: int) -> None:
    """After a retryable close the link reconnects and re-sends the full session."""
    rec = Recorder()
    link = make_link(server.url, rec)
    await link.connect(timeout_s=5.0, reconnect=True)
    await server.drop_all(code=close_code)
    await server.wait_for_connections(2)
    await wait_until(lambda: link.live and link.connections == 2)
    second = server.connections[1]
    assert configured(second)
    assert second.session["audio"]["output"]["voice"] == "coral"
    await link.close()


async def test_reconnects_after_abrupt_drop(server: FakeRealtimeServer) -> None:
    """A TCP reset (close 1006 on our side) is retried like any network error."""
    rec = Recorder()
    link = make_link(server.url, rec)
    await link.connect(timeout_s=5.0, reconnect=True)
    for driver in list(server._drivers):  # a TCP reset, no closing handshake
        driver.ws.transport.abort()
    await server.wait_for_connections(2)
    await wait_until(lambda: link.live and link.connections == 2)
    assert configured(server.connections[1])
    await link.close()


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_retries_5xx_handshakes(server: FakeRealtimeServer, status: int) -> None:
    """Refused handshakes with 5xx are retried until the server accepts."""
    rec = Recorder()
    link = make_link(server.url, rec)
    await link.connect(timeout_s=5.0, reconnect=True)
    server.faults = Faults(reject_status=status, reject_first_n=2)
    await server.drop_all(code=1011)
    await wait_until(lambda: link.live and link.connections == 2)
    assert server.handshake_attempts == 4  # first accept, two refusals, then accepted
    assert configured(server.connections[1])
    await link.close()


async def test_session_expired_reconnects_with_session(server: FakeRealtimeServer) -> None:
    """The server's session cap (error session_expired, close 1001) starts a new session."""
    rec = Recorder()
    link = make_link(server.url, rec)
    server.faults = Faults(session_expired_after_s=0.3)
    await link.connect(timeout_s=5.0, reconnect=True)
    server.faults = Faults()
    await server.wait_for_connections(2)
    await wait_until(lambda: link.live and link.connections == 2)
    assert server.connections[0].close_code == 1001
    assert configured(server.connections[1])
    await link.close()


async def test_garbage_never_crashes(server: FakeRealtimeServer) -> None:
    """Garbage frames are counted and ignored; the session stays up and events flow."""
    rec = Recorder()
    link = make_link(server.url, rec)
    server.faults = Faults(garbage=True)
    await link.connect(timeout_s=5.0, reconnect=True)
    await link.send_frame(rt.response_create(link.ids.next()))
    await wait_until(lambda: any(isinstance(e, rt.ResponseDone) for e in rec.events))
    assert link.violations >= 3
    assert link.live and link.connections == 1
    await link.close()


async def test_oversized_frame_reconnects(server: FakeRealtimeServer) -> None:
    """A frame over the size limit closes that connection (1009); the link reconnects."""
    rec = Recorder()
    link = make_link(server.url, rec)
    await link.connect(timeout_s=5.0, reconnect=True)
    server.faults = Faults(oversized_frame_bytes=5 * 1024 * 1024)
    await server.drop_all(code=1012)
    await server.wait_for_connections(3, timeout=10.0)
    server.faults = Faults()
    await wait_until(lambda: link.live and link.connections == 2, 10.0)
    assert len(server.connections) >= 3
    assert server.connections[1].close_code == 1009
    await link.close()


async def test_rejected_key_raises_and_is_not_retried(server: FakeRealtimeServer) -> None:
    """401 raises CredentialsRejectedError at once; no second attempt is made."""
    rec = Recorder()
    link = make_link(server.url, rec, key="sk-wrong-key-000000")
    with pytest.raises(CredentialsRejectedError) as info:
        await link.connect(timeout_s=5.0, reconnect=True)
    assert info.value.status == 401
    assert "sk-wrong-key-000000" not in str(info.value)
    await asyncio.sleep(0.5)
    assert server.handshake_attempts == 1


@pytest.mark.parametrize(
    ("faults", "error"),
    [
        (Faults(reject_status=403), CredentialsRejectedError),
        (Faults(error_then_close=("invalid_api_key", "invalid_request_error", 1008)), ServerError),
        (Faults(error_then_close=("insufficient_quota", "insufficient_quota", 1008)), ServerError),
        (
            Faults(
                reject_status=429,
                reject_body='{"error":{"code":"insufficient_quota",'
                '"message":"You exceeded your current quota"}}',
            ),
            HTTPStatusError,
        ),
    ],
)
async def test_fatal_faults_stop_a_running_link(
    server: FakeRealtimeServer, faults: Faults, error: type[Exception]
) -> None:
    """Fatal faults during reconnection stop retrying: FAILED state, error event, no more tries."""
    rec = Recorder()
    link = make_link(server.url, rec)
    await link.connect(timeout_s=5.0, reconnect=True)
    server.faults = faults
    await server.drop_all(code=1011)
    await wait_until(lambda: link.state is LinkState.FAILED)
    attempts = server.handshake_attempts
    await asyncio.sleep(0.6)  # several backoff periods of FAST
    assert server.handshake_attempts == attempts == 2
    assert len(rec.errors) == 1 and isinstance(rec.errors[0], error)
    await link.close()


async def test_accept_then_close_respects_backoff() -> None:
    """A server that accepts, sends an error and closes is retried within the backoff.

    websockets' own `async for ws in connect()` reconnected 2,052 times in 3 s here.
    """
    async with checked_server() as srv:
        srv.faults = Faults(error_then_close=("server_error", "server_error", 1011))
        rec = Recorder()
        link = make_link(srv.url, rec, config=LinkConfig())  # real defaults: 1 s, ×2
        link.start()
        await asyncio.sleep(3.0)
        await link.close()
        # t=0, then ≤1 s, ≤2 s more, ≤4 s more: at most 3 attempts fit in 3 s.
        assert 2 <= srv.handshake_attempts <= 3


async def test_connected_then_closed_counts_as_failure() -> None:
    """Sessions that die before the healthy uptime back off too (no tight loop)."""
    async with checked_server() as srv:
        srv.faults = Faults(close_after_s=0.05, close_code=1011)
        rec = Recorder()
        link = make_link(srv.url, rec, config=LinkConfig())
        link.start()
        await asyncio.sleep(3.0)
        await link.close()
        assert 2 <= len(srv.connections) <= 3
        gaps = [b - a for a, b in zip(srv.attempt_times, srv.attempt_times[1:], strict=False)]
        assert all(gap >= 0.5 for gap in gaps)


async def test_rate_limit_waits_retry_after(server: FakeRealtimeServer) -> None:
    """429 with Retry-After: the next attempt waits at least that long."""
    rec = Recorder()
    link = make_link(server.url, rec)
    await link.connect(timeout_s=5.0, reconnect=True)
    server.faults = Faults(reject_status=429, retry_after_s=0.8, reject_first_n=1)
    await server.drop_all(code=1013)
    await wait_until(lambda: link.live and link.connections == 2, 5.0)
    gap = server.attempt_times[2] - server.attempt_times[1]
    assert gap >= 0.75
    await link.close()


async def test_connect_times_out_against_silent_tcp() -> None:
    """A server that accepts TCP and never answers: connect() raises within its timeout."""
    async with SilentTCPServer() as silent:
        rec = Recorder()
        link = make_link(silent.url, rec)
        started = time.monotonic()
        with pytest.raises(ConnectTimeoutError):
            await link.connect(timeout_s=0.5, reconnect=True)
        assert time.monotonic() - started < 2.0
        assert silent.accepted >= 1


@pytest.mark.parametrize(
    "faults", [Faults(silent_after_handshake=True), Faults(no_session_updated=True)]
)
async def test_connect_timeout_covers_the_session(
    server: FakeRealtimeServer, faults: Faults
) -> None:
    """The timeout covers session.created and session.updated, not just the handshake."""
    server.faults = faults
    link = make_link(server.url, Recorder())
    with pytest.raises(ConnectTimeoutError):
        await link.connect(timeout_s=0.5, reconnect=False)


async def test_refused_connection_is_typed() -> None:
    """Nothing listening: a typed ConnectionRefusedByPeer, at once."""
    async with checked_server() as srv:
        url = srv.url
    link = make_link(url, Recorder())
    with pytest.raises(ConnectionRefusedByPeer):
        await link.connect(timeout_s=2.0, reconnect=True)


async def test_buffered_audio_arrives_after_reconnect(server: FakeRealtimeServer) -> None:
    """Audio sent while the link is down is delivered, in order, after the new session."""
    rec = Recorder()
    link = make_link(
        server.url,
        rec,
        config=LinkConfig(backoff_initial_s=0.3, backoff_max_s=0.3, healthy_uptime_s=10.0),
    )
    await link.connect(timeout_s=5.0, reconnect=True)
    server.faults = Faults(reject_status=503, reject_first_n=1)
    await server.drop_all(code=1011)
    await wait_until(lambda: link.state is LinkState.OFFLINE)
    chunks = [bytes([i]) * 960 for i in range(10)]
    for chunk in chunks:
        await link.send_frame(rt.input_audio_append(link.ids.next(), chunk), audio_ms=20)
    await link.send_frame(rt.input_audio_commit(link.ids.next()))
    await wait_until(lambda: link.live and link.connections == 2)
    await asyncio.sleep(0.1)
    second = server.connections[1]
    assert second.received_types[0] == "session.update"
    assert second.received_types[1:12] == ["input_audio_buffer.append"] * 10 + [
        "input_audio_buffer.commit"
    ]
    assert second.committed_audio == [b"".join(chunks)]
    await link.close()


async def test_offline_buffer_drops_oldest(server: FakeRealtimeServer) -> None:
    """Past the offline bound the oldest audio is dropped and counted."""
    rec = Recorder()
    link = make_link(
        server.url,
        rec,
        config=LinkConfig(backoff_initial_s=0.5, backoff_max_s=0.5, offline_buffer_s=0.1),
    )
    await link.connect(timeout_s=5.0, reconnect=True)
    await server.drop_all(code=1011)
    await wait_until(lambda: link.state is LinkState.OFFLINE)
    for i in range(10):
        await link.send_frame(rt.input_audio_append(link.ids.next(), bytes([i]) * 960), audio_ms=20)
    assert link.outbox.dropped_audio_ms == pytest.approx(100)
    await wait_until(lambda: link.live and link.connections == 2)
    await asyncio.sleep(0.1)
    assert bytes(server.connections[1].input_audio) == b"".join(
        bytes([i]) * 960 for i in range(5, 10)
    )
    await link.close()


async def test_close_sends_1000_promptly(server: FakeRealtimeServer) -> None:
    """close() closes with 1000 and returns within the close timeout."""
    link = make_link(server.url, Recorder())
    await link.connect(timeout_s=5.0, reconnect=True)
    started = time.monotonic()
    await link.close()
    assert time.monotonic() - started < FAST.close_timeout_s
    await server.connections[0].closed.wait()
    assert server.connections[0].close_code == 1000
    await asyncio.sleep(0.3)
    assert len(server.connections) == 1  # closing is not a drop: no reconnect


async def test_close_returns_on_a_dead_link(server: FakeRealtimeServer) -> None:
    """Even when the peer stopped answering, close() returns within the close timeout."""
    server.faults = Faults(stop_pongs_after_s=0.1)
    link = make_link(server.url, Recorder())
    await link.connect(timeout_s=5.0, reconnect=True)
    await asyncio.sleep(0.3)
    started = time.monotonic()
    await link.close()
    assert time.monotonic() - started <= FAST.close_timeout_s + 0.3


async def test_dead_link_detected_by_keepalive(server: FakeRealtimeServer) -> None:
    """A peer that stops answering pings is declared dead within dead_link_s; then retried."""
    config = LinkConfig(dead_link_s=1.0, backoff_initial_s=0.05, backoff_max_s=0.1)
    rec = Recorder()
    link = make_link(server.url, rec, config=config)
    server.faults = Faults(stop_pongs_after_s=0.2)
    await link.connect(timeout_s=5.0, reconnect=True)
    server.faults = Faults()
    went_live = time.monotonic()
    await wait_until(lambda: link.state is not LinkState.LIVE, 5.0)
    detected_s = time.monotonic() - went_live
    assert detected_s <= 0.2 + config.dead_link_s + 0.3
    await wait_until(lambda: link.live and link.connections == 2, 5.0)
    await link.close()


async def test_rotation_only_when_idle(server: FakeRealtimeServer) -> None:
    """Proactive rotation waits for idleness, then opens a fresh, configured session."""
    idle = False
    link = make_link(server.url, Recorder(), rotate_after_s=0.2, is_idle=lambda: idle)
    await link.connect(timeout_s=5.0, reconnect=True)
    await asyncio.sleep(0.8)
    assert len(server.connections) == 1
    idle = True
    await wait_until(lambda: link.connections == 2 and link.live, 3.0)
    assert server.connections[0].close_code == 1000
    assert configured(server.connections[1])
    await link.close()


async def test_azure_uses_api_key_header(server: FakeRealtimeServer) -> None:
    """Azure authenticates with `api-key`, never with a Bearer header."""
    url = f"ws://127.0.0.1:{server.port}/openai/v1/realtime"
    link = make_link(url, Recorder(), provider="azure")
    await link.connect(timeout_s=5.0, reconnect=False)
    headers = server.connections[0].headers
    assert headers["api-key"] == API_KEY
    assert "Authorization" not in headers
    assert "model=gpt-realtime" in server.connections[0].path
    await link.close()


async def test_no_secret_in_debug_logs(
    server: FakeRealtimeServer, caplog: pytest.LogCaptureFixture
) -> None:
    """At DEBUG, across handshake, session, rejection and close, the key never appears."""
    caplog.set_level(logging.DEBUG)
    for name in ("websockets", "websockets.client"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    rec = Recorder()
    link = make_link(server.url, rec)
    await link.connect(timeout_s=5.0, reconnect=True)
    await server.drop_all(code=1011)
    await wait_until(lambda: link.live and link.connections == 2)
    await link.close()
    bad = make_link(server.url, Recorder(), key="sk-another-SECRET-987654")
    with pytest.raises(CredentialsRejectedError) as info:
        await bad.connect(timeout_s=5.0, reconnect=False)
    assert caplog.records, "nothing was logged: the check would prove nothing"
    text = caplog.text + str(info.value) + repr(link.endpoint)
    assert API_KEY not in text
    assert "sk-another-SECRET-987654" not in text
    assert logging.getLogger("websockets.client").getEffectiveLevel() > logging.DEBUG
