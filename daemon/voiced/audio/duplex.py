"""Half-duplex: a Microphone wrapper that drops frames while the assistant is speaking.

The app wraps the mic once, in vad mode or always (the gate is a no-op outside vad mode):

    gate = MicGate(mode=config.talk.mode, half_duplex=config.talk.half_duplex,
                   tail_ms=config.audio.echo_tail_ms)
    mic = GatedMicrophone(AlsaMicrophone(config.audio), speaker, gate)

Frames are dropped (not delayed), so what the model hears is only what the room says after
the assistant (and its echo tail) went quiet. `gated_frames` counts them.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from typing import Protocol

from voiced.core.duplex import MicGate
from voiced.ports import Microphone


class PlayingState(Protocol):
    def is_playing(self) -> bool: ...


class GatedMicrophone:
    """ports.Microphone: `inner`'s frames, minus those the gate closes on."""

    def __init__(
        self,
        inner: Microphone,
        speaker: PlayingState,
        gate: MicGate,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.inner = inner
        self.speaker = speaker
        self.gate = gate
        self._clock = clock
        self.gated_frames = 0

    async def start(self) -> None:
        await self.inner.start()

    async def frames(self) -> AsyncIterator[bytes]:
        async for frame in self.inner.frames():
            if self.gate.allow(speaker_playing=self.speaker.is_playing(), now_s=self._clock()):
                yield frame
            else:
                self.gated_frames += 1

    async def stop(self) -> None:
        await self.inner.stop()
