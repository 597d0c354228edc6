"""A small event emitter: handlers may be plain functions or coroutine functions."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)

Handler = Callable[..., Any]


class Emitter:
    """`on(event, handler)`, `off(event, handler)`, `emit(event, *args)`.

    A failing handler is logged and never breaks the emitter. Coroutine handlers run as
    tasks that the emitter keeps strong references to until they finish.
    """

    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    def on(self, event: str, handler: Handler) -> None:
        self._handlers.setdefault(event, []).append(handler)

    def off(self, event: str, handler: Handler | None = None) -> None:
        if handler is None:
            self._handlers.pop(event, None)
        elif handler in self._handlers.get(event, []):
            self._handlers[event].remove(handler)

    def listens(self, event: str) -> bool:
        return bool(self._handlers.get(event))

    def emit(self, event: str, *args: Any) -> None:
        for handler in tuple(self._handlers.get(event, ())):
            try:
                result = handler(*args)
            except Exception:
                log.exception("%r handler failed", event)
                continue
            if result is not None and inspect.isawaitable(result):  # most handlers: None
                self.spawn(result, name=f"voiced-on-{event}")

    def spawn(self, awaitable: Awaitable[Any], *, name: str) -> asyncio.Task[Any]:
        """Run `awaitable` as a named task, strongly referenced until it ends."""
        task = asyncio.ensure_future(awaitable)
        task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("event handler failed", exc_info=task.exception())
