"""Our clients under the link benchmark (project venv): the public voice API and the bare link.

``--client voiced-voice``: ``OpenAIRealtimeVoice`` as users run it: ``send(pcm)`` per 20 ms,
``answer()`` for the response, audio received through the "speaking" event (already decoded).
``--client voiced-link``: ``RealtimeLink`` alone: ``send_frame(input_audio_append(...))``
and an ``on_event`` callback receiving parsed ``AudioDelta`` events.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from importlib.metadata import version
from typing import Any

from link_common import main

from voiced.core import protocol as rt
from voiced.link import RealtimeLink, realtime_endpoint
from voiced.voice import OpenAIRealtimeVoice

CONNECT_TIMEOUT_S = 10.0


def _versions() -> dict[str, str]:
    return {
        "python": sys.version.split()[0],
        "voiced": version("voiced"),
        "websockets": version("websockets"),
    }


class VoiceClient:
    """The full public voice API path."""

    name = "voiced-voice"

    def __init__(self, args: argparse.Namespace, session: dict[str, Any]) -> None:
        self.voice = OpenAIRealtimeVoice(
            url=args.url, api_key=args.api_key, provider="compatible", session_config=session
        )
        self.done = asyncio.Event()
        self.deltas = 0
        self.delta_bytes = 0
        self.voice.on("speaking", self._speaking)
        self.voice.on("response_done", self._response_done)

    def _speaking(self, pcm: bytes, response_id: str) -> None:
        self.deltas += 1
        self.delta_bytes += len(pcm)

    def _response_done(self, response_id: str, status: str) -> None:
        self.done.set()

    async def open(self) -> None:
        await self.voice.connect(timeout=CONNECT_TIMEOUT_S)

    async def append(self, pcm: bytes) -> None:
        await self.voice.send(pcm)

    async def request_response(self) -> None:
        await self.voice.answer()

    async def close(self) -> None:
        await self.voice.close()

    def versions(self) -> dict[str, str]:
        return _versions()


class LinkClient:
    """The bare link: protocol encoder/parser plus the supervised WebSocket."""

    name = "voiced-link"

    def __init__(self, args: argparse.Namespace, session: dict[str, Any]) -> None:
        endpoint = realtime_endpoint(
            provider="compatible", model="gpt-realtime", api_key=args.api_key, url=args.url
        )
        self.link = RealtimeLink(endpoint, session=lambda: session, on_event=self._on_event)
        self.done = asyncio.Event()
        self.deltas = 0
        self.delta_bytes = 0

    def _on_event(self, event: rt.ServerEvent) -> None:
        if isinstance(event, rt.AudioDelta):
            self.deltas += 1
            self.delta_bytes += len(event.pcm)
        elif isinstance(event, rt.ResponseDone):
            self.done.set()

    async def open(self) -> None:
        await self.link.connect(timeout_s=CONNECT_TIMEOUT_S, reconnect=False)

    async def append(self, pcm: bytes) -> None:
        frame = rt.input_audio_append(self.link.ids.next(), pcm)
        await self.link.send_frame(frame, audio_ms=rt.pcm_ms(len(pcm)))

    async def request_response(self) -> None:
        await self.link.send_frame(rt.response_create(self.link.ids.next()))

    async def close(self) -> None:
        await self.link.close()

    def versions(self) -> dict[str, str]:
        return _versions()


def make_client(args: argparse.Namespace, session: dict[str, Any]) -> VoiceClient | LinkClient:
    if args.client == VoiceClient.name:
        return VoiceClient(args, session)
    if args.client == LinkClient.name:
        return LinkClient(args, session)
    raise SystemExit(f"unknown client {args.client!r}")


if __name__ == "__main__":
    main(make_client)
