"""Shared fixtures: the fake realtime server, with every client frame checked strictly."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from conformance import validate_client_frames
from fakeserver import FakeRealtimeServer

API_KEY = "sk-test-SECRET-0123456789abcdef"


@pytest.fixture
async def server() -> AsyncIterator[FakeRealtimeServer]:
    """A fake realtime server on loopback; at teardown every frame the client sent must
    validate against openai-python's event models made strict."""
    async with FakeRealtimeServer(api_key=API_KEY, pace="fast") as srv:
        yield srv
    for conn in srv.connections:
        validate_client_frames(conn.received)
