"""Baseline client: plain ``websockets`` + ``json`` + ``base64``, nothing else.

Runs under either venv (project: websockets 17; peer: the websockets openai-python pins),
which separates the cost of the websockets version from the cost of the client library.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import sys
from importlib.metadata import version
from typing import Any

from link_common import main
from websockets.asyncio.client import ClientConnection, connect


class PlainClient:
    """The least a Python client can do: dumps/loads and base64, one reader task."""

    def __init__(self, args: argparse.Namespace, session: dict[str, Any]) -> None:
        self.name = args.client
        self.url = args.url
        self.api_key = args.api_key
        self.session = session
        self.done = asyncio.Event()
        self.deltas = 0
        self.delta_bytes = 0
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._updated = asyncio.Event()
        self._counter = 0

    def _next_id(self) -> str:
        self._counter += 1
        return f"evt_p{self._counter}"

    async def open(self) -> None:
        self._ws = await connect(
            self.url,
            additional_headers={"Authorization": f"Bearer {self.api_key}"},
            compression=None,
            max_size=None,
        )
        self._reader = asyncio.create_task(self._read(self._ws))
        update = {"type": "session.update", "event_id": self._next_id(), "session": self.session}
        await self._ws.send(json.dumps(update))
        await asyncio.wait_for(self._updated.wait(), 10.0)

    async def _read(self, ws: ClientConnection) -> None:
        async for message in ws:
            event = json.loads(message)
            kind = event["type"]
            if kind == "response.output_audio.delta":
                pcm = base64.b64decode(event["delta"])
                self.deltas += 1
                self.delta_bytes += len(pcm)
            elif kind == "response.done":
                self.done.set()
            elif kind == "session.updated":
                self._updated.set()
            elif kind == "error":
                print(f"{self.name}: server error {event}", file=sys.stderr)

    async def append(self, pcm: bytes) -> None:
        assert self._ws is not None
        audio = base64.b64encode(pcm).decode("ascii")
        event = {"type": "input_audio_buffer.append", "event_id": self._next_id(), "audio": audio}
        await self._ws.send(json.dumps(event))

    async def request_response(self) -> None:
        assert self._ws is not None
        await self._ws.send(json.dumps({"type": "response.create", "event_id": self._next_id()}))

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)

    def versions(self) -> dict[str, str]:
        return {"python": sys.version.split()[0], "websockets": version("websockets")}


if __name__ == "__main__":
    main(PlainClient)
