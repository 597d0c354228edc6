"""The ALSA speaker: 24 kHz deltas → soxr → jitter buffer → a writer thread → the device.

The event loop only resamples and queues (`play()` never blocks). The writer thread writes one
period at a time (blocking, so the device paces it), silence when there is nothing to play, and
records what it wrote in the playout ledger; a barge-in `flush()` is acted on after the write
in flight, so playback stops within one period. The jitter buffer and ledger are pure core
objects shared under one lock that is never held across I/O.

    speaker = AlsaSpeaker(config.audio, volume=volume, on_fault=report)
    await speaker.start()              # raises AudioDeviceError: busy / missing / permission
    speaker.play("resp_1", pcm_24k); speaker.finish("resp_1")
    heard_ms = speaker.flush()         # barge-in
    await speaker.stop()
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Any

import alsaaudio
import numpy as np

from voiced.audio.capture import FaultHandler
from voiced.audio.errors import AudioDeviceError
from voiced.audio.mixer import Volume
from voiced.audio.pcm import (
    XRUN_STREAK_LOST,
    Granted,
    PcmOpener,
    close_quietly,
    device_error,
    open_speaker,
)
from voiced.audio.reopen import call_on_loop, reopen_with_backoff
from voiced.audio.resample import StreamResampler
from voiced.config.audio import AudioConfig
from voiced.core.audio_choice import MODEL_RATE_HZ, Fault
from voiced.core.jitter import JitterBuffer, Segment
from voiced.core.playout import PlayoutLedger, ms_to_frames

log = logging.getLogger(__name__)


class _Idle:
    """_write_loop's word for "nothing to play for a while": rest the device."""


_IDLE = _Idle()


class AlsaSpeaker:
    """ports.Speaker over an ALSA playback device."""

    def __init__(
        self,
        config: AudioConfig,
        *,
        volume: Volume | None = None,
        on_fault: FaultHandler | None = None,
        opener: PcmOpener | None = None,
        clock: Callable[[], float] = time.monotonic,
        random_source: Callable[[], float] = random.random,
        keep_running: bool = True,
    ) -> None:
        """keep_running: write silence while idle so the device never stops (no pop, no lost
        first syllable on amplifiers that sleep); False: wait for audio instead (file-backed
        devices, which have no real-time pacing)."""
        self.config = config
        self._keep_running = keep_running
        self._wake = threading.Event()
        self.volume = volume
        self._on_fault = on_fault
        self._opener = opener
        self._clock = clock
        self._random = random_source
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pcm: Any = None
        self.granted: Granted | None = None
        self._jitter = JitterBuffer(prebuffer_frames=0)
        self._ledger = PlayoutLedger(rate_hz=MODEL_RATE_HZ)
        self._resamplers: dict[str, StreamResampler] = {}
        self._flush_requested_s: float | None = None
        self._last_response: str | None = None
        self.when_finished: Callable[[], None] | None = None
        """Called on the loop when what was queued has all been heard (playback ended)."""
        self.far_end: Callable[[bytes, float], None] | None = None
        """Called in the writer thread with each period written (mono, device rate) and the
        time its first sample is heard: the echo canceller's reference."""
        self._was_playing = False
        self.xruns = 0
        """Device underruns (ALSA EPIPE), recovered."""
        self.reopens = 0
        self.flush_latencies_s: list[float] = []
        """flush() call → device dropped its queue, per flush (for the benchmark)."""
        self.process_s = 0.0

    # -- ports.Speaker ---------------------------------------------------------------------
    async def start(self) -> None:
        if self._thread is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._stopping.clear()
        self._pcm, granted = await asyncio.to_thread(self._open)
        self._adopt(granted)
        self._thread = threading.Thread(target=self._run, name="voiced-speaker", daemon=True)
        self._thread.start()

    def play(self, response_id: str, pcm_24k: bytes) -> None:
        if self.granted is None:
            return
        with self._lock:
            if not self._jitter.push(response_id, b""):
                return  # flushed or finished: late audio of a cancelled response
        resampler = self._resamplers.get(response_id)
        if resampler is None:
            resampler = StreamResampler(
                MODEL_RATE_HZ, self.granted.rate_hz, quality=self.config.resample_quality
            )
            self._resamplers[response_id] = resampler
        data = resampler.bytes_out(pcm_24k)
        with self._lock:
            self._jitter.push(response_id, data)
        self._wake.set()

    def finish(self, response_id: str) -> None:
        resampler = self._resamplers.pop(response_id, None)
        tail = resampler.bytes_out(b"", last=True) if resampler is not None else b""
        with self._lock:
            if tail:
                self._jitter.push(response_id, tail)
            self._jitter.finish(response_id)
        self._wake.set()

    def flush(self) -> int:
        now = self._clock()
        with self._lock:
            dropped = self._jitter.flush()
            target = dropped[0] if dropped else self._last_response
            played = self._ledger.played_ms(target, now) if target else 0
            if target is not None:
                self._jitter.forget(target)
            if dropped or self._ledger.queued_total(now) > 0:
                self._flush_requested_s = now
        for response_id in dropped:
            self._resamplers.pop(response_id, None)
        self._wake.set()
        return played

    def step_volume(self, steps: int) -> int | None:
        return self.volume.step(steps) if self.volume is not None else None

    def played_ms(self, response_id: str) -> int:
        with self._lock:
            return self._ledger.played_ms(response_id, self._clock())

    def is_playing(self) -> bool:
        """True while a response is queued or its audio is still in the device."""
        with self._lock:
            if self._jitter.has_audio:
                return True
            last = self._last_response
            return last is not None and (
                self._ledger.played_total(self._clock()) < self._ledger.end_frame(last)
            )

    async def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            await asyncio.to_thread(thread.join, 5.0)

    # -- stats -----------------------------------------------------------------------------
    @property
    def underruns(self) -> int:
        """Times a response ran dry mid-stream (network too slow), filled with silence."""
        return self._jitter.underruns

    @property
    def device_rate_hz(self) -> int | None:
        return self.granted.rate_hz if self.granted else None

    # -- the writer thread -----------------------------------------------------------------
    def _open(self) -> tuple[Any, Granted]:
        return open_speaker(self.config, self._opener)

    def _adopt(self, granted: Granted) -> None:
        """Use a (re)opened device: rate-dependent state follows the granted rate."""
        with self._lock:
            if self.granted is None or self.granted.rate_hz != granted.rate_hz:
                self._jitter.flush()
                self._jitter = JitterBuffer(
                    prebuffer_frames=ms_to_frames(self.config.prebuffer_ms, granted.rate_hz)
                )
                self._ledger = PlayoutLedger(rate_hz=granted.rate_hz)
                self._resamplers.clear()
            self.granted = granted

    def _run(self) -> None:
        started = time.thread_time()
        try:
            while not self._stopping.is_set():
                lost = self._write_loop()
                if lost is None:
                    break
                if isinstance(lost, _Idle):
                    self._rest()
                    continue
                self._recover(lost)
        except Exception:
            log.exception("speaker writer crashed")
        finally:
            if self._pcm is not None:
                close_quietly(self._pcm)
                self._pcm = None
            self.process_s = time.thread_time() - started

    def _rest(self) -> None:
        """Nothing played for audio.speaker_idle_s: close the device (no wake-ups at rest)
        until there is something to play, then open it again."""
        close_quietly(self._pcm)
        self._pcm = None
        log.debug("speaker closed while idle")
        while not self._stopping.is_set():
            self._wake.wait()
            self._wake.clear()
            with self._lock:
                if self._jitter.has_audio:
                    break
        if self._stopping.is_set():
            return
        try:
            self._pcm, granted = self._open()
        except AudioDeviceError as lost:
            self._recover(lost)
            return
        self._adopt(granted)

    def _write_loop(self) -> AudioDeviceError | _Idle | None:
        """Write until stopped (None), idle long enough to rest (_IDLE), or the device is
        lost (the error)."""
        assert self.granted is not None
        device = self.config.output_device
        period, channels = self.granted.period_frames, self.granted.channels
        buffer_frames = self.granted.buffer_frames
        keep_running = self._keep_running
        streak = 0
        idle = False
        rest_after_s = self.config.speaker_idle_s if keep_running else 0.0
        last_sound_s = self._clock()
        while not self._stopping.is_set():
            with self._lock:
                flush_at, self._flush_requested_s = self._flush_requested_s, None
                waiting = not keep_running and not self._jitter.would_play()
                if not waiting:
                    if not keep_running:
                        self._wake.clear()
                    segments = self._jitter.pull(period)
            if flush_at is not None:
                self._drop(flush_at)
            if waiting:
                idle = True
                self._check_finished()
                self._wake.wait(0.1)
                self._wake.clear()
                continue
            mono = self._mono(segments)
            data = self._for_device(mono, channels)
            try:
                written = self._pcm.write(data)
                if written < 0 and idle:  # it ran dry while we waited: expected
                    written = self._pcm.write(data)
                if written < 0:  # underrun: pyalsaaudio re-prepared; write again once
                    self.xruns += 1
                    streak += 1
                    if streak == 1:
                        log.warning("speaker underrun on %s (recovered)", device)
                    if streak >= XRUN_STREAK_LOST:
                        return AudioDeviceError.describe(
                            device=device,
                            fault=Fault.GONE,
                            alsa_text=f"{streak} underruns in a row",
                            config_key="audio.output_device",
                        )
                    written = self._pcm.write(data)
                    if written < 0:
                        continue
                streak = 0
                idle = False
                avail = self._pcm.avail()
            except alsaaudio.ALSAAudioError as exc:
                return device_error(device, exc, capture=False, config_key="audio.output_device")
            queued = max(0, buffer_frames - int(avail))
            if self.far_end is not None:  # heard once what is queued before it has played
                rate = self.granted.rate_hz
                self.far_end(mono, self._clock() + (queued - len(mono) // 2) / rate)
            with self._lock:
                self._ledger.record(segments, queued_frames=queued, now_s=self._clock())
                for seg in segments:
                    if seg.response_id is not None:
                        self._last_response = seg.response_id
                        last_sound_s = self._clock()
                quiet = not self._jitter.has_audio
            self._check_finished()
            if rest_after_s and quiet and self._clock() - last_sound_s >= rest_after_s:
                return _IDLE
        return None

    def _check_finished(self) -> None:
        """Writer thread: tell the loop once, when playing turns to not playing."""
        playing = self.is_playing()
        if self._was_playing and not playing and self.when_finished is not None:
            call_on_loop(self._loop, self.when_finished)
        self._was_playing = playing

    def _drop(self, flush_at: float) -> None:
        self._pcm.drop()
        now = self._clock()
        with self._lock:
            self._ledger.discard_queued(now_s=now)
        self.flush_latencies_s.append(now - flush_at)

    def _mono(self, segments: list[Segment]) -> bytes:
        """One period as it is heard (software gain applied), mono."""
        data = segments[0].pcm if len(segments) == 1 else b"".join(s.pcm for s in segments)
        gain = self.volume.software_gain if self.volume is not None else 1.0
        if gain == 1.0:
            return data
        samples = np.frombuffer(data, dtype="<i2")
        return np.clip(samples * gain, -32768, 32767).astype("<i2").tobytes()

    def _for_device(self, mono: bytes, channels: int) -> bytes:
        if channels == 1:
            return mono
        return np.repeat(np.frombuffer(mono, dtype="<i2"), channels).tobytes()

    def _recover(self, lost: AudioDeviceError) -> None:
        cfg = self.config
        log.warning("speaker lost: %s", lost)
        close_quietly(self._pcm)
        self._pcm = None
        now = self._clock()
        with self._lock:
            for response_id in self._jitter.flush():
                self._resamplers.pop(response_id, None)
            self._ledger.discard_queued(now_s=now)
        self._report(lost)
        opened = reopen_with_backoff(
            self._open,
            what="speaker",
            device=cfg.output_device,
            stopping=self._stopping,
            min_s=cfg.reopen_min_s,
            max_s=cfg.reopen_max_s,
            rand=self._random,
        )
        if opened is None:
            return
        self._pcm, granted = opened
        self._adopt(granted)
        self.reopens += 1
        self._report(None)

    def _report(self, error: AudioDeviceError | None) -> None:
        if self._on_fault is not None:
            call_on_loop(self._loop, self._on_fault, error)
