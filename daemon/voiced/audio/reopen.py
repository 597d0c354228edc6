"""What capture and playback share off the loop: reopening a lost device with backoff, and
handing a call to the event loop from a thread."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from voiced.audio.errors import AudioDeviceError
from voiced.core.reconnect import backoff_delay_s

log = logging.getLogger(__name__)

T = TypeVar("T")


def call_on_loop(
    loop: asyncio.AbstractEventLoop | None, fn: Callable[..., Any], *args: Any
) -> None:
    """Schedule `fn(*args)` on `loop` from any thread; nothing when the loop is gone."""
    if loop is None or loop.is_closed():
        return
    with contextlib.suppress(RuntimeError):  # loop closed between the check and the call
        loop.call_soon_threadsafe(fn, *args)


def reopen_with_backoff(
    open_device: Callable[[], T],
    *,
    what: str,
    device: str,
    stopping: threading.Event,
    min_s: float,
    max_s: float,
    rand: Callable[[], float],
) -> T | None:
    """Call `open_device` with jittered backoff until it works (its result) or `stopping`
    is set (None). Attempts are logged at DEBUG; the return at WARNING."""
    failures = 0
    while not stopping.is_set():
        failures += 1
        delay = backoff_delay_s(failures, initial_s=min_s, max_s=max_s, jitter=rand())
        if stopping.wait(delay):
            return None
        try:
            opened = open_device()
        except AudioDeviceError as exc:
            log.debug("%s reopen %d failed: %s", what, failures, exc)
            continue
        log.warning("%s back after %d attempts: %s", what, failures, device)
        return opened
    return None
