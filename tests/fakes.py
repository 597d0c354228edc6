"""Fakes of our own ports, modelled on gpiozero's MockPin: they drive inputs on a virtual
clock and record outputs with timestamps. They implement voiced.ports exactly."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from voiced.core.protocol import BYTES_PER_MS
from voiced.errors import VoicedError

FRAME_MS = 20


@dataclass
class VirtualClock:
    """Monotonic seconds that move only when a test moves them."""

    now_s: float = 1000.0

    def __call__(self) -> float:
        return self.now_s

    def advance(self, seconds: float) -> None:
        self.now_s += seconds


class FakeMicrophone:
    """ports.Microphone: frames only when the test speaks, each 20 ms of virtual time.

    `fail_start` makes start() raise as a missing sound card does."""

    def __init__(self, clock: VirtualClock, *, fail_start: VoicedError | None = None) -> None:
        self.clock = clock
        self.fail_start = fail_start
        self.started = False
        self._frames: asyncio.Queue[bytes | None] = asyncio.Queue()

    async def start(self) -> None:
        if self.fail_start is not None:
            raise self.fail_start
        self.started = True

    async def frames(self) -> AsyncIterator[bytes]:
        while True:
            frame = await self._frames.get()
            if frame is None:
                return
            yield frame

    async def speak(self, seconds: float, *, level: int = 1000) -> bytes:
        """Deliver `seconds` of audio, one 20 ms frame per 20 ms of virtual time; each frame
        is handed over (and the loop runs) before the clock moves on."""
        sent = bytearray()
        for i in range(round(seconds * 1000 / FRAME_MS)):
            frame = (((level + i) & 0x7FFF).to_bytes(2, "little")) * (FRAME_MS * BYTES_PER_MS // 2)
            self.clock.advance(FRAME_MS / 1000)
            await self._frames.put(frame)
            sent += frame
            await asyncio.sleep(0)
            await asyncio.sleep(0)
        return bytes(sent)

    async def stop(self) -> None:
        await self._frames.put(None)


@dataclass
class Played:
    response_id: str
    pcm: bytes
    at_s: float


@dataclass
class FakeSpeaker:
    """ports.Speaker: records what it was given to play, with virtual timestamps, and
    plays it out only when the test says (`play_out()`), as a real device would later."""

    clock: VirtualClock
    played: list[Played] = field(default_factory=list)
    flushes: list[float] = field(default_factory=list)
    finished: set[str] = field(default_factory=set)
    volume_percent: int = 50
    when_finished: Callable[[], None] | None = None
    far_end: Callable[[bytes, float], None] | None = None
    device_rate_hz: int | None = 24000
    _queued_ms: int = 0

    async def start(self) -> None:
        pass

    def play(self, response_id: str, pcm_24k: bytes) -> None:
        self.played.append(Played(response_id, pcm_24k, self.clock()))
        self._queued_ms += len(pcm_24k) // BYTES_PER_MS

    def finish(self, response_id: str) -> None:
        self.finished.add(response_id)

    def flush(self) -> int:
        self.flushes.append(self.clock())
        heard, self._queued_ms = self._queued_ms // 2, 0
        return heard

    def played_ms(self, response_id: str) -> int:
        return 0

    def is_playing(self) -> bool:
        return self._queued_ms > 0

    def play_out(self) -> None:
        """Everything queued has been heard: the device went quiet."""
        self._queued_ms = 0
        if self.when_finished is not None:
            self.when_finished()

    def step_volume(self, steps: int) -> int | None:
        self.volume_percent = max(0, min(100, self.volume_percent + 10 * steps))
        return self.volume_percent

    async def stop(self) -> None:
        pass


def drain(sock: socket.socket) -> list[str]:
    """Every sd_notify message received on `sock` so far."""
    out = []
    while True:
        try:
            out.append(sock.recv(4096).decode())
        except BlockingIOError:
            return out
