"""The peer under the link benchmark: openai-python's realtime client (runs in .venv-peer).

``AsyncOpenAI(websocket_base_url="ws://127.0.0.1:PORT/v1")`` and
``client.realtime.connect(model="gpt-realtime")``; the same session.update as ours,
``conn.input_audio_buffer.append(audio=<base64>)`` per 20 ms, ``conn.response.create()``,
and ``async for event in conn`` with every ``response.output_audio.delta`` decoded by
``base64.b64decode`` (its event model holds base64; ours hands out bytes: same work).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import sys
from importlib.metadata import version
from typing import Any

import openai
from link_common import main
from openai import AsyncOpenAI


class OpenAIPeerClient:
    name = "openai-python"

    def __init__(self, args: argparse.Namespace, session: dict[str, Any]) -> None:
        http_base = args.base_url.replace("ws://", "http://", 1)
        # Both URLs on loopback: nothing can leave the machine, even by mistake.
        self.client = AsyncOpenAI(
            api_key=args.api_key, base_url=http_base, websocket_base_url=args.base_url
        )
        self.session = session
        self.done = asyncio.Event()
        self.deltas = 0
        self.delta_bytes = 0
        self._stack = contextlib.AsyncExitStack()
        self._conn: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._updated = asyncio.Event()

    async def open(self) -> None:
        manager = self.client.realtime.connect(model="gpt-realtime")
        self._conn = await self._stack.enter_async_context(manager)
        self._reader = asyncio.create_task(self._read())
        await self._conn.session.update(session=self.session)
        await asyncio.wait_for(self._updated.wait(), 10.0)

    async def _read(self) -> None:
        async for event in self._conn:
            kind = event.type
            if kind == "response.output_audio.delta":
                pcm = base64.b64decode(event.delta)
                self.deltas += 1
                self.delta_bytes += len(pcm)
            elif kind == "response.done":
                self.done.set()
            elif kind == "session.updated":
                self._updated.set()
            elif kind == "error":
                print(f"{self.name}: server error {event}", file=sys.stderr)

    async def append(self, pcm: bytes) -> None:
        await self._conn.input_audio_buffer.append(audio=base64.b64encode(pcm).decode("ascii"))

    async def request_response(self) -> None:
        await self._conn.response.create()

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
        await self._stack.aclose()
        await self.client.close()

    def versions(self) -> dict[str, str]:
        return {
            "python": sys.version.split()[0],
            "openai": openai.__version__,
            "websockets": version("websockets"),
            "pydantic": version("pydantic"),
        }


if __name__ == "__main__":
    main(OpenAIPeerClient)
