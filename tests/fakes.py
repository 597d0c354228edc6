"""Fakes of our own ports, modelled on gpiozero's MockPin: they drive inputs on a virtual
clock and record outputs with timestamps. They implement voiced.ports exactly."""

from __future__ import annotations

import asyncio
import socket
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

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
        self.starts = 0
        self.paces: list[int] = []
        self._frames: asyncio.Queue[bytes | None] = asyncio.Queue()

    async def start(self) -> None:
        if self.fail_start is not None:
            raise self.fail_start
        self.started = True
        self.starts += 1

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

    def pace(self, read_every_ms: int) -> None:
        self.paces.append(read_every_ms)

    async def deliver(self, frame: bytes) -> None:
        """One frame, captured over the 20 ms that end now (the clock moves first)."""
        self.clock.advance(len(frame) / BYTES_PER_MS / 1000)
        await self._frames.put(frame)
        await asyncio.sleep(0)
        await asyncio.sleep(0)

    async def say(self, pcm: bytes) -> None:
        """Deliver `pcm` (24 kHz s16le mono) as 20 ms frames on the virtual clock."""
        step = FRAME_MS * BYTES_PER_MS
        for i in range(0, len(pcm) - step + 1, step):
            self.clock.advance(FRAME_MS / 1000)
            await self._frames.put(pcm[i : i + step])
            await asyncio.sleep(0)
            await asyncio.sleep(0)

    async def stop(self) -> None:
        self.started = False
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

    def sounds(self) -> list[str]:
        """The earcons and notices given to play, by name, in order."""
        return [
            p.response_id.split("_", 2)[2]
            for p in self.played
            if p.response_id.startswith("sound_")
        ]

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


class RoomSpeaker(FakeSpeaker):
    """A FakeSpeaker that really plays, like a device with a buffer: each `step()` writes the
    next 20 ms of what it was given (silence when nothing is queued) `ahead_steps` periods
    before it is heard, reports it then as the echo canceller's far end (with the time it
    will be heard), and returns the period heard now; `flush()` drops what is queued."""

    def __init__(self, clock: VirtualClock, *, ahead_steps: int = 3) -> None:
        super().__init__(clock)
        self._pending = bytearray()
        self._device: deque[tuple[bytes, bool]] = deque()
        self._ahead_steps = ahead_steps
        self.heard = bytearray()
        self.heard_ms = 0
        """Of what it was given (not the silence between), how much has been heard."""

    def play(self, response_id: str, pcm_24k: bytes) -> None:
        super().play(response_id, pcm_24k)
        self._pending += pcm_24k

    def flush(self) -> int:
        self.flushes.append(self.clock())
        self._pending.clear()
        self._device = deque((bytes(len(c)), False) for c, _ in self._device)
        return self.heard_ms

    def is_playing(self) -> bool:
        return bool(self._pending) or any(given for _, given in self._device)

    def step(self, nbytes: int, now_s: float) -> bytes:
        was_playing = self.is_playing()
        given = bool(self._pending)
        written = bytes(self._pending[:nbytes]).ljust(nbytes, b"\0")
        del self._pending[:nbytes]
        period_s = nbytes / BYTES_PER_MS / 1000
        if self.far_end is not None:
            self.far_end(written, now_s + self._ahead_steps * period_s)
        self._device.append((written, given))
        heard, real = (
            self._device.popleft()
            if len(self._device) > self._ahead_steps
            else (bytes(nbytes), False)
        )
        self.heard += heard
        self.heard_ms += len(heard) // BYTES_PER_MS if real else 0
        if was_playing and not self.is_playing() and self.when_finished is not None:
            self.when_finished()
        return heard


class EchoRoom:
    """The speaker's sound comes back into the mic through a room (`response`, an impulse
    response at 24 kHz), mixed with what a person says near the mic."""

    def __init__(
        self, speaker: RoomSpeaker, mic: FakeMicrophone, response: npt.NDArray[np.float64]
    ) -> None:
        self.speaker, self.mic, self.response = speaker, mic, response
        self._far = np.zeros(len(response), dtype=np.float64)

    async def run(self, near: npt.NDArray[np.int16]) -> None:
        """20 ms at a time: the speaker plays, the room echoes, the mic captures echo + near."""
        step = FRAME_MS * BYTES_PER_MS // 2
        for i in range(0, len(near) - step + 1, step):
            played = self.speaker.step(step * 2, self.mic.clock())
            far = np.frombuffer(played, dtype="<i2").astype(np.float64)
            history = np.concatenate([self._far[-(len(self.response) - 1) :], far])
            echo = np.convolve(history, self.response)[len(history) - step : len(history)]
            self._far = history
            frame = np.clip(echo + near[i : i + step], -32768, 32767).astype("<i2")
            await self.mic.deliver(frame.tobytes())
