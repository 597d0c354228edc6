"""CompositeVoice: one object whose realtime methods go to its realtime provider."""

from __future__ import annotations

from typing import Any

from voiced.voice.base import Audio, Voice
from voiced.voice.events import Handler


class CompositeVoice(Voice):
    """Delegates connect/send/answer/close/interrupt and events to `realtime`.

    Without a realtime provider, connect() warns and returns at once (the base behaviour).
    """

    def __init__(self, *, realtime: Voice | None = None, speaker: str = "alloy") -> None:
        super().__init__(speaker=realtime.speaker if realtime is not None else speaker)
        self.realtime_provider = realtime
        self.realtime = bool(realtime is not None and realtime.realtime)

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
        if self.realtime_provider is None:
            await super().connect(timeout, reconnect)
        else:
            await self.realtime_provider.connect(timeout=timeout, reconnect=reconnect)

    async def send(self, audio: Audio) -> None:
        target = self.realtime_provider
        await (target.send(audio) if target is not None else super().send(audio))

    async def answer(self) -> None:
        target = self.realtime_provider
        await (target.answer() if target is not None else super().answer())

    async def interrupt(self, played_ms: int | None = None) -> None:
        if self.realtime_provider is not None:
            await self.realtime_provider.interrupt(played_ms)

    async def close(self) -> None:
        if self.realtime_provider is not None:
            await self.realtime_provider.close()

    def get_speakers(self) -> list[str]:
        target = self.realtime_provider
        return target.get_speakers() if target is not None else super().get_speakers()

    def __getattr__(self, name: str) -> Any:
        # update_config, add_instructions, add_tools, speak, … of the realtime provider.
        target = self.__dict__.get("realtime_provider")
        if target is None:
            raise AttributeError(name)
        return getattr(target, name)
