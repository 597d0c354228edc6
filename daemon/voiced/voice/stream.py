"""One response's audio as an async iterator of 24 kHz s16le chunks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator


class SpeakerStream:
    """Yields the response's audio chunks as they arrive; ends when the response ends."""

    def __init__(self, response_id: str) -> None:
        self.response_id = response_id
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.ended = False

    def put(self, pcm: bytes) -> None:
        if not self.ended:
            self._queue.put_nowait(pcm)

    def end(self) -> None:
        if not self.ended:
            self.ended = True
            self._queue.put_nowait(None)

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[bytes]:
        while (chunk := await self._queue.get()) is not None:
            yield chunk

    async def read_all(self) -> bytes:
        return b"".join([chunk async for chunk in self])
