"""The ALSA microphone: a reader thread, one channel, resampled to 24 kHz, fixed frames.

The thread does the blocking reads and the DSP and hands finished frames to the event loop
with `call_soon_threadsafe`; the loop never waits on ALSA. A device that vanishes is closed
and reopened with backoff while frames simply pause; `on_fault` hears about it on the loop.

    mic = AlsaMicrophone(config.audio, on_fault=lambda err: ...)   # err None: recovered
    await mic.start()                  # raises AudioDeviceError: busy / missing / permission
    async for frame in mic.frames():   # 24 kHz s16le mono, config.frame_ms each
        ...
    await mic.stop()
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any

import alsaaudio
import numpy as np

from voiced.audio.errors import AudioDeviceError
from voiced.audio.pcm import (
    XRUN_STREAK_LOST,
    Granted,
    PcmOpener,
    close_quietly,
    device_error,
    open_mic,
)
from voiced.audio.reopen import call_on_loop, reopen_with_backoff
from voiced.audio.resample import StreamResampler
from voiced.config.audio import AudioConfig
from voiced.core.audio_choice import MODEL_RATE_HZ, Fault, db_to_gain

log = logging.getLogger(__name__)

FaultHandler = Callable[[AudioDeviceError | None], None]
"""Called on the loop: an error when a device is lost (or cannot be reopened), None once it
works again."""


class AlsaMicrophone:
    """ports.Microphone over an ALSA capture device."""

    def __init__(
        self,
        config: AudioConfig,
        *,
        on_fault: FaultHandler | None = None,
        opener: PcmOpener | None = None,
        queue_frames: int = 50,
        read_limit_frames: int | None = None,
        random_source: Callable[[], float] = random.random,
    ) -> None:
        """queue_frames: frames held for a slow consumer before the oldest are dropped.
        read_limit_frames: stop after this many device frames and end `frames()` (a recording
        of known length, or a file-backed device, which never reaches EOF)."""
        self.config = config
        self._on_fault = on_fault
        self._opener = opener
        self._read_limit = read_limit_frames
        self._random = random_source
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=queue_frames)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._pcm: Any = None
        self.granted: Granted | None = None
        self.xruns = 0
        """Capture overruns (the reader fell behind), recovered."""
        self.dropped_frames = 0
        """Frames dropped because the consumer fell behind."""
        self.reopens = 0
        self.frame_bytes = MODEL_RATE_HZ * config.frame_ms // 1000 * 2
        self._read_every_ms = 0
        """0: read every period; else at rest: in bulk, this often (set by pace())."""
        self._pace_changed = threading.Event()
        self._generation = 0
        """Bumped when reading turns from bulk to every period: older batches are dropped."""
        self.process_s = 0.0
        """CPU time the reader thread spent (thread_time), for the benchmark."""

    # -- ports.Microphone ------------------------------------------------------------------
    async def start(self) -> None:
        if self._thread is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._stopping.clear()
        while not self._queue.empty():  # what a stop left (its end-of-stream marks)
            self._queue.get_nowait()
        self._pcm, self.granted = await asyncio.to_thread(self._open)
        self._thread = threading.Thread(target=self._run, name="voiced-mic", daemon=True)
        self._thread.start()

    async def frames(self) -> AsyncIterator[bytes]:
        while True:
            frame = await self._queue.get()
            if frame is None:
                return
            yield frame

    def pace(self, read_every_ms: int) -> None:
        """0: hand over every period (a turn is open or may open any moment); else read in
        bulk this often (at rest: a few wake-ups a second). Turning to 0 drops what was read
        in bulk and not yet handed over: it was captured before the turn."""
        if read_every_ms == 0 and self._read_every_ms != 0:
            self._generation += 1
            while not self._queue.empty():
                self._queue.get_nowait()
        self._read_every_ms = read_every_ms
        self._pace_changed.set()

    async def stop(self) -> None:
        self._stopping.set()
        self._pace_changed.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            await asyncio.to_thread(thread.join, 5.0)
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait(None)

    # -- the reader thread -----------------------------------------------------------------
    def _open(self) -> tuple[Any, Granted]:
        return open_mic(self.config, self._opener)

    def _run(self) -> None:
        import time

        started = time.thread_time()
        try:
            self._read_loop()
        except Exception:  # a bug, not a device fault: say so loudly, end the stream
            log.exception("microphone reader crashed")
        finally:
            if self._pcm is not None:
                close_quietly(self._pcm)
                self._pcm = None
            self.process_s = time.thread_time() - started
            self._post(None)

    def _read_loop(self) -> None:
        while not self._stopping.is_set():
            assert self._pcm is not None and self.granted is not None
            convert = _Converter(self.config, self.granted, self.frame_bytes)
            lost = self._read_device(convert)
            if lost is None:
                return
            self._recover(lost)

    def _read_device(self, convert: _Converter) -> AudioDeviceError | None:
        """Read until stopped or done (None) or the device is lost (the error): every period
        while a turn may be open, in bulk every `pace()` ms at rest."""
        cfg = self.config
        assert self.granted is not None
        period = self.granted.period_frames
        streak = 0
        frames_read = 0
        while not self._stopping.is_set():
            every_ms = self._read_every_ms
            if every_ms:
                buffer_ms = 1000 * self.granted.buffer_frames / self.granted.rate_hz
                self._pace_changed.wait(min(every_ms, buffer_ms / 2) / 1000)
                self._pace_changed.clear()
                bulk = self._read_every_ms != 0
                generation = self._generation
                if not bulk:  # a press: what is buffered (at most the buffer) was said before
                    with contextlib.suppress(alsaaudio.ALSAAudioError):
                        for _ in range(self.granted.buffer_frames // period):
                            if self._pcm.avail() < period:
                                break
                            self._pcm.read()
                    continue
            else:
                generation = self._generation
            batch: list[bytes] = []
            # One period, or at rest what the pause let in (an unpaced device, a file,
            # always has more: never more than the pause's worth).
            reads_left = -(-every_ms * self.granted.rate_hz // (1000 * period)) + 1
            while True:
                try:
                    n, data = self._pcm.read()
                except alsaaudio.ALSAAudioError as exc:
                    return device_error(
                        cfg.input_device, exc, capture=True, config_key="audio.input_device"
                    )
                if n < 0:
                    self.xruns += 1
                    streak += 1
                    if streak == 1:
                        log.warning("mic overrun on %s (recovered)", cfg.input_device)
                    if streak >= XRUN_STREAK_LOST:
                        return AudioDeviceError.describe(
                            device=cfg.input_device,
                            fault=Fault.GONE,
                            alsa_text=f"{streak} overruns in a row",
                            config_key="audio.input_device",
                        )
                    break
                if n > 0:
                    streak = 0
                    if self._read_limit is not None:
                        n = min(n, self._read_limit - frames_read)
                        data = data[: n * self.granted.channels * 2]
                    frames_read += n
                    done = self._read_limit is not None and frames_read >= self._read_limit
                    batch += convert.frames(data, last=done)
                    if done:
                        self._post_frames(batch, generation)
                        return None
                reads_left -= 1
                if not every_ms or reads_left <= 0 or self._pcm.avail() < period:
                    break
            if batch:
                # One hand-off per read (or per bulk read at rest): one loop wake-up, however
                # many frames it holds.
                self._post_frames(batch, generation)
        return None

    def _recover(self, lost: AudioDeviceError) -> None:
        """Close the lost device and reopen it with backoff until it works or we stop."""
        cfg = self.config
        log.warning("microphone lost: %s", lost)
        close_quietly(self._pcm)
        self._pcm = None
        self._report(lost)
        opened = reopen_with_backoff(
            self._open,
            what="microphone",
            device=cfg.input_device,
            stopping=self._stopping,
            min_s=cfg.reopen_min_s,
            max_s=cfg.reopen_max_s,
            rand=self._random,
        )
        if opened is None:
            return
        self._pcm, self.granted = opened
        self.reopens += 1
        self._report(None)

    # -- crossing into the loop ------------------------------------------------------------
    def _post(self, frame: bytes | None) -> None:
        call_on_loop(self._loop, self._deliver, frame)

    def _post_frames(self, frames: list[bytes], generation: int) -> None:
        call_on_loop(self._loop, self._deliver_frames, frames, generation)

    def _deliver_frames(self, frames: list[bytes], generation: int) -> None:
        if generation != self._generation:
            return  # read at rest before a press, handed over after it: not the turn's
        for frame in frames:
            self._deliver(frame)

    def _deliver(self, frame: bytes | None) -> None:
        if self._queue.full():
            self._queue.get_nowait()
            self.dropped_frames += 1
            if self.dropped_frames == 1:
                log.warning("mic frames dropped: the consumer is not keeping up")
        self._queue.put_nowait(frame)

    def _report(self, error: AudioDeviceError | None) -> None:
        if self._on_fault is not None:
            call_on_loop(self._loop, self._on_fault, error)


class _Converter:
    """One device's reads → 24 kHz mono frames of `frame_bytes` (the channel picked, gain,
    soxr), keeping what is left over for the next read."""

    def __init__(self, config: AudioConfig, granted: Granted, frame_bytes: int) -> None:
        self.channels, self.channel = granted.channels, config.input_channel
        self.resampler = StreamResampler(
            granted.rate_hz, MODEL_RATE_HZ, quality=config.resample_quality
        )
        self.gain = db_to_gain(config.mic_gain_db) if config.mic_gain_db else None
        self.exact = self.channels == 1 and self.resampler.passthrough and self.gain is None
        self.frame_bytes = frame_bytes
        self.pending = bytearray()

    def frames(self, data: bytes, *, last: bool = False) -> list[bytes]:
        if self.exact:
            self.pending += data
        else:
            samples = np.frombuffer(data, dtype="<i2")
            if self.channels > 1:
                samples = np.ascontiguousarray(samples[self.channel :: self.channels])
            if self.gain is not None:
                samples = np.clip(samples * self.gain, -32768, 32767).astype(np.int16)
            self.pending += self.resampler.process(samples, last=last).tobytes()
        size = self.frame_bytes
        whole = len(self.pending) - len(self.pending) % size
        if whole == 0:
            return []
        chunk = bytes(self.pending[:whole])
        del self.pending[:whole]
        return [chunk[i : i + size] for i in range(0, whole, size)]
