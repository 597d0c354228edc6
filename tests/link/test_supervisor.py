"""The supervisor cannot die and connect() always settles: drops in set-up and delivery."""

from __future__ import annotations

import asyncio
import json
import logging
import time

import pytest

from linkkit import FAST, Recorder, make_link
from voiced.config.link import LinkConfig
from voiced.core import protocol as rt
from voiced.errors import ConnectionLostError, RealtimeError, SessionConfigRejectedError
from voiced.link import LinkState

from conftest import wait_until
from fakeserver import FakeRealtimeServer, Faults

CHUNK_BYTES = 24_000  # 0.5 s per append
CHUNKS = 400  # 12.8 MB of frames: more than loopback's socket buffers hold
SLOW = LinkConfig(
    backoff_initial_s=0.05,
    backoff_max_s=0.1,
    healthy_uptime_s=10.0,
    connect_timeout_s=2.0,
    close_timeout_s=0.5,
    offline_buffer_s=CHUNKS * 0.5,
)


def _chunk_indexes(frames: list[str]) -> list[int]:
    """The first byte of each appended chunk (the chunk's index), in arrival order."""
    import base64

    out = []
    for frame in frames:
        event = json.loads(frame)
        if event["type"] == "input_audio_buffer.append":
            out.append(int.from_bytes(base64.b64decode(event["audio"])[:2], "big"))
    return out


async def test_drop_during_first_setup_settles_connect(server: FakeRealtimeServer) -> None:
    """A reset right after session.update: connect() raises a typed error, promptly."""
    server.faults = Faults(reset_after_received=1)
    link = make_link(server.url, Recorder())
    started = time.monotonic()
    with pytest.raises(ConnectionLostError):
        await link.connect(timeout_s=3.0, reconnect=True)
    assert time.monotonic() - started < 3.0 + FAST.close_timeout_s
    assert link.state is LinkState.FAILED


async def test_drops_during_reconfiguration_are_retried(server: FakeRealtimeServer) -> None:
    """Resets during set-up after a reconnect are failures like others; the link recovers."""
    link = make_link(server.url, Recorder())
    await link.connect(timeout_s=5.0, reconnect=True)
    server.faults = Faults(reset_after_received=1)
    await server.drop_all(code=1011)
    await wait_until(lambda: server.handshake_attempts >= 4)
    assert link.state is not LinkState.LIVE
    server.faults = Faults()
    await wait_until(lambda: link.live, 5.0)
    assert link._task is not None and not link._task.done()
    await link.close()


async def test_drop_during_outbox_delivery_keeps_the_rest(server: FakeRealtimeServer) -> None:
    """A reset mid-delivery: the supervisor lives on, the unsent rest arrives next session."""
    rec = Recorder()
    link = make_link(server.url, rec, config=SLOW)
    await link.connect(timeout_s=5.0, reconnect=True)
    server.faults = Faults(reject_status=503, reject_first_n=1)
    await server.drop_all(code=1011)
    await wait_until(lambda: link.state is LinkState.OFFLINE)
    for i in range(CHUNKS):
        pcm = i.to_bytes(2, "big") + bytes(CHUNK_BYTES - 2)
        await link.send_frame(rt.input_audio_append(link.ids.next(), pcm), audio_ms=500)
    await link.send_frame(rt.input_audio_commit(link.ids.next()))
    server.faults = Faults(reset_after_received=4, stall_before_reset=True)
    await wait_until(lambda: len(server.connections) >= 2, 5.0)
    server.faults = Faults()
    await wait_until(lambda: link.live and link.connections >= 2, 5.0)
    await wait_until(lambda: len(link.outbox) == 0)
    last = server.connections[-1]
    await wait_until(lambda: "input_audio_buffer.commit" in last.received_types)
    assert last.received_types[0] == "session.update"
    indexes = _chunk_indexes(last.received)
    assert indexes and indexes == list(range(indexes[0], CHUNKS))  # the rest, in order
    assert indexes[0] > 0  # the drop really came mid-delivery
    assert link._task is not None and not link._task.done()
    await link.close()


async def test_unexpected_error_is_logged_once_and_retried(
    server: FakeRealtimeServer, caplog: pytest.LogCaptureFixture
) -> None:
    """A bug in the session hook is logged with its traceback and retried, not fatal."""
    calls = 0

    def session() -> dict[str, object]:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise KeyError("boom")
        return {"type": "realtime"}

    link = make_link(server.url, Recorder(), session=session)
    await link.connect(timeout_s=5.0, reconnect=True)
    await server.drop_all(code=1011)
    await wait_until(lambda: link.live and link.connections == 2, 5.0)
    unexpected = [r for r in caplog.records if "unexpected KeyError" in r.getMessage()]
    assert len(unexpected) == 1 and unexpected[0].exc_info is not None
    await link.close()


async def test_every_reconnect_is_logged_at_info_or_above(
    server: FakeRealtimeServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Each attempt: one VOICED_EVENT=reconnect entry; the first WARNING, later ones INFO."""
    caplog.set_level(logging.DEBUG, logger="voiced")
    link = make_link(server.url, Recorder())
    await link.connect(timeout_s=5.0, reconnect=True)
    server.faults = Faults(reject_status=503, reject_first_n=3)
    await server.drop_all(code=1011)
    await wait_until(lambda: link.live and link.connections == 2, 5.0)
    entries = [r for r in caplog.records if getattr(r, "VOICED_EVENT", None) == "reconnect"]
    assert [r.VOICED_ATTEMPT for r in entries] == [1, 2, 3, 4]  # type: ignore[attr-defined]
    assert [r.levelno for r in entries] == [logging.WARNING] + [logging.INFO] * 3
    await link.close()


async def test_close_while_connecting_settles_connect(server: FakeRealtimeServer) -> None:
    """close() during the first connect: connect() raises instead of waiting forever."""
    server.faults = Faults(silent_after_handshake=True)
    link = make_link(server.url, Recorder())
    pending = asyncio.create_task(link.connect(timeout_s=30.0, reconnect=True))
    await wait_until(lambda: link.state is LinkState.CONFIGURING)
    await link.close()
    with pytest.raises(RealtimeError):
        async with asyncio.timeout(2.0):
            await pending


async def test_transient_error_on_reconfiguration_retries(server: FakeRealtimeServer) -> None:
    """A server_error echoing our session.update after a reconnect retries, never stops."""
    rec = Recorder()
    link = make_link(server.url, rec)
    await link.connect(timeout_s=5.0, reconnect=True)
    server.faults = Faults(error_on_session_update=("server_error", "server_error"))
    await server.drop_all(code=1011)
    await wait_until(lambda: len(server.connections) >= 3)
    assert link.state is not LinkState.FAILED
    server.faults = Faults()
    await wait_until(lambda: link.live, 5.0)
    assert not rec.errors
    await link.close()


async def test_invalid_configuration_stops_with_the_servers_message(
    server: FakeRealtimeServer,
) -> None:
    """An invalid_value echoing our session.update is a configuration error: the link stops."""
    rec = Recorder()
    link = make_link(server.url, rec)
    await link.connect(timeout_s=5.0, reconnect=True)
    server.faults = Faults(error_on_session_update=("invalid_value", "invalid_request_error"))
    await server.drop_all(code=1011)
    await wait_until(lambda: link.state is LinkState.FAILED)
    attempts = server.handshake_attempts
    await asyncio.sleep(0.3)
    assert server.handshake_attempts == attempts
    assert len(rec.errors) == 1 and isinstance(rec.errors[0], SessionConfigRejectedError)
    assert "Fault: invalid_value" in str(rec.errors[0]) and rec.errors[0].fatal
    await link.close()
