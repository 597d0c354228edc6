"""LoopbackVoice: plays back what you said. The default before any API key exists.

It has the whole voice API. Where loopback has nothing to do, the method is a documented
no-op: update_config / add_instructions / add_tools keep what they are given (so
`session_config` and `tools` read back) but nothing uses it; speak() and send_text() have
no voice to say anything with: they report the text as a transcript ("writing") only.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Mapping
from typing import Any

from voiced.core import protocol as rt
from voiced.core.session import deep_merge
from voiced.core.status import LinkState
from voiced.voice.base import Audio, RealtimeVoice, Tool

log = logging.getLogger(__name__)

#: Chunk size of the echoed response: 50 ms, like the real server's deltas.
CHUNK_BYTES = 50 * rt.BYTES_PER_MS
#: The longest turn kept (60 s); older input is dropped.
MAX_TURN_BYTES = 60_000 * rt.BYTES_PER_MS


class LoopbackVoice(RealtimeVoice):
    """A realtime provider with no server: each committed turn comes back as the response.

    Bring-up works before any account exists: press, speak, release, and hear yourself
    through the same speaker path the model would use.
    """

    def __init__(self, *, speaker: str = "alloy", pace_s: float = 0.0) -> None:
        super().__init__(speaker=speaker)
        self._buffer = bytearray()
        self._ids = itertools.count(1)
        self._reply: asyncio.Task[None] | None = None
        self.pace_s = pace_s
        """Wait between 50 ms chunks (0: as fast as the loop allows)."""
        self.live = False
        self.session_config: dict[str, Any] = {}
        self.tools: dict[str, Tool] = {}

    async def connect(self, timeout: float = 10.0, reconnect: bool = False) -> None:
        self.start()

    def start(self) -> None:
        self.live = True
        self.emit("state", LinkState.LIVE, "loopback (no server: your speech is played back)")

    async def send(self, audio: Audio) -> None:
        if isinstance(audio, bytes | bytearray | memoryview):
            self._take(bytes(audio))
            return
        async for chunk in audio:
            self._take(bytes(chunk))

    def _take(self, pcm: bytes) -> None:
        self._buffer += pcm
        self.tracker.on_appended(len(pcm))
        if len(self._buffer) > MAX_TURN_BYTES:
            del self._buffer[: len(self._buffer) - MAX_TURN_BYTES]

    async def answer(self) -> None:
        """Play the buffered turn back as the response (nothing when there is none)."""
        if not self._buffer:
            return
        turn = bytes(self._buffer)
        await self.clear_input()
        self.emit("writing", f"({rt.pcm_ms(len(turn)) / 1000:.1f} s of audio)", "user")
        response_id = f"loop_{next(self._ids)}"
        self._response_started(response_id)
        self._reply = self.spawn(self._play(response_id, turn), name="voiced-loopback-reply")

    async def _play(self, response_id: str, turn: bytes) -> None:
        item_id = f"item_{response_id}"
        try:
            for start in range(0, len(turn), CHUNK_BYTES):
                self._audio(response_id, item_id, turn[start : start + CHUNK_BYTES])
                await asyncio.sleep(self.pace_s)
            self._response_done(response_id, "completed")
        except asyncio.CancelledError:
            self._response_done(response_id, "cancelled")
            raise

    async def clear_input(self) -> None:
        self._buffer.clear()
        self.tracker.on_committed()

    async def interrupt(self, played_ms: int | None = None) -> None:
        if self._reply is not None and not self._reply.done():
            self._reply.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reply

    async def speak(self, text: str) -> None:
        """No voice to say it with: the text is reported as the assistant's transcript."""
        self.emit("writing", text, "assistant")

    async def send_text(self, text: str, *, respond: bool = True) -> None:
        """Reported as the user's transcript; loopback answers only audio."""
        self.emit("writing", text, "user")

    async def update_config(self, session: Mapping[str, Any]) -> None:
        """Kept (read back from `session_config`), used by nothing: there is no model."""
        self.session_config = deep_merge(self.session_config, session)

    async def add_instructions(self, instructions: str) -> None:
        await self.update_config({"instructions": instructions})

    async def add_tools(self, tools: Mapping[str, tuple[str, dict[str, Any], Tool]]) -> None:
        """Kept; never called (there is no model to call them)."""
        for name, (_, _, run) in tools.items():
            self.tools[name] = run

    def retry_now(self) -> None:
        """Nothing to reconnect: loopback is always live until closed."""

    @property
    def connected(self) -> bool:
        return self.live

    async def close(self) -> None:
        await self.interrupt()
        self.live = False
        self.emit("state", LinkState.CLOSED, "closed")
