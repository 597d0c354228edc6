"""Shared fixtures: the fake realtime server, with every client frame checked strictly."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from conformance import validate_client_frames
from fakeserver import FakeRealtimeServer

API_KEY = "sk-test-SECRET-0123456789abcdef"


async def wait_until(
    predicate: Callable[[], object], timeout_s: float = 5.0, period_s: float = 0.01
) -> None:
    """Poll `predicate` on the loop until it is true; fail the test after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(period_s)


@contextlib.asynccontextmanager
async def checked_server(**kw: Any) -> AsyncIterator[FakeRealtimeServer]:
    """A fake realtime server on loopback; when it ends, every frame the client sent must
    validate against openai-python's event models made strict."""
    kw.setdefault("api_key", API_KEY)
    async with FakeRealtimeServer(**kw) as srv:
        yield srv
    for conn in srv.connections:
        validate_client_frames(conn.received)


@pytest.fixture
async def server() -> AsyncIterator[FakeRealtimeServer]:
    """The fake realtime server, as fast as possible, frames checked strictly at teardown."""
    async with checked_server(pace="fast") as srv:
        yield srv
