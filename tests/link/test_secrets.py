"""No secret in any text that leaves the library: logs (library mode), errors, states."""

from __future__ import annotations

import logging

import pytest

from hostile import error
from linkkit import Recorder, make_link
from voiced.link import LinkState

from conftest import API_KEY, wait_until
from fakeserver import FakeRealtimeServer

OTHER_KEY = "sk-proj-NEVERREGISTERED0123456789"


async def test_echoed_key_is_masked_in_library_mode(
    server: FakeRealtimeServer, caplog: pytest.LogCaptureFixture
) -> None:
    """A server echoing the key in errors and a close reason: no log line, error or state
    detail shows it, with only the application's own handler (no daemon logging set-up)."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="voiced")
    rec = Recorder()
    link = make_link(server.url, rec)
    await link.connect(timeout_s=5.0, reconnect=True)
    await server.push(
        error("invalid_value", f"Bad key {API_KEY} and {OTHER_KEY}", "invalid_request_error"),
        error("session_expired", f"bye {API_KEY}", "invalid_request_error"),
    )
    await wait_until(lambda: link.connections == 2 and link.live)
    await server.drop_all(code=1008)  # no reason: then one with the key as its reason
    await wait_until(lambda: link.connections == 3 and link.live)
    for conn in list(server._drivers):
        await conn.ws.close(1008, f"auth failed for {API_KEY}")
    await wait_until(lambda: link.state is LinkState.FAILED)
    texts = [caplog.text, link.detail, *(d for _, d in rec.states), *map(str, rec.errors)]
    assert any("auth failed for ***" in t for t in texts)  # the reason itself got through
    for text in texts:
        assert API_KEY not in text
        assert OTHER_KEY not in text
    await link.close()


async def test_voice_error_events_and_logs_hold_no_key(
    server: FakeRealtimeServer, caplog: pytest.LogCaptureFixture
) -> None:
    """The library's "error" event and its warning line mask an echoed key."""
    from hostile import make_voice

    caplog.set_level(logging.DEBUG, logger="voiced")
    voice = make_voice(server)
    errors: list[Exception] = []
    voice.on("error", errors.append)
    await voice.connect(timeout=5.0, reconnect=True)
    await server.push(error("server_error", f"echo {API_KEY} / {OTHER_KEY}"))
    await wait_until(lambda: bool(errors))
    assert "echo *** / ***" in str(errors[0])
    assert API_KEY not in caplog.text and OTHER_KEY not in caplog.text
    assert "echo ***" in caplog.text
    await voice.close()
