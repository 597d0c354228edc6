"""CompositeVoice: one object whose realtime methods go to its realtime provider."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from voiced.voice.base import Audio, Tool, Voice
from voiced.voice.events import Handler


class CompositeVoice(Voice):
    """Delegates every method of the voice API, and the events, to `realtime`.

    Without a realtime provider each call behaves as the base class does: connect() warns
    and returns at once.
    """

    def __init__(self, *, realtime: Voice | None = None, speaker: str = "alloy") -> None:
        super().__init__(speaker=realtime.speaker if realtime is not None else speaker)
        self.realtime_provider = realtime
        self.realtime = bool(realtime is not None and realtime.realtime)

    @property
    def _target(self) -> Voice:
        """The provider, or this object's base behaviour when there is none."""
        return self.realtime_provider if self.realtime_provider is not None else _BASE

    def on(self, event: str, handler: Handler) -> None:
        if self.realtime_provider is not None:
            self.realtime_provider.on(event, handler)
        else:
            super().on(event, handler)

    def off(self, event: str, handler: Handler | None = None) -> None:
        if self.realtime_provider is not None:
            self.realtime_provider.off(event, handler)
        else:
            super().off(event, handler)

    async def connect(self, timeout: float = 10.0, reconnect: bool = False) -> None:
        await self._target.connect(timeout=timeout, reconnect=reconnect)

    def start(self) -> None:
        self._target.start()

    async def send(self, audio: Audio) -> None:
        await self._target.send(audio)

    async def answer(self) -> None:
        await self._target.answer()

    async def clear_input(self) -> None:
        await self._target.clear_input()

    async def interrupt(self, played_ms: int | None = None) -> None:
        await self._target.interrupt(played_ms)

    async def speak(self, text: str) -> None:
        await self._target.speak(text)

    async def send_text(self, text: str, *, respond: bool = True) -> None:
        await self._target.send_text(text, respond=respond)

    async def update_config(self, session: Mapping[str, Any]) -> None:
        await self._target.update_config(session)

    async def add_instructions(self, instructions: str) -> None:
        await self._target.add_instructions(instructions)

    async def add_tools(self, tools: Mapping[str, tuple[str, dict[str, Any], Tool]]) -> None:
        await self._target.add_tools(tools)

    def retry_now(self) -> None:
        self._target.retry_now()

    @property
    def connected(self) -> bool:
        return self._target.connected

    async def close(self) -> None:
        await self._target.close()

    def get_speakers(self) -> list[str]:
        return self._target.get_speakers()


_BASE = Voice()
"""The behaviour without a realtime provider (warnings, nothing sent)."""
