"""Echo cancellation on the mic path: WebRTC's AEC3 (pywebrtc-audio), optional noise suppression.

The speaker thread reports what it actually wrote and when it is heard
(`far_end(pcm, played_at_s)`); the mic thread hands each captured frame with the time its first
sample was captured (`process(near_pcm, captured_at_s)`) and forwards what comes back. Both
times are on one monotonic clock (seconds). The far end is looked up on a sample timeline
(`core.echo_ref`) at the near frame's own positions shifted `reference_lead_ms` into the
future: AEC3 needs the reference no later than its echo, so a played position reported up to
that much too late still cancels (the speaker has written that far ahead whenever its buffer
is longer than the lead). AEC3's own delay estimator finds the rest (lead plus acoustic path).

AEC3 works on 10 ms frames: a near chunk that is not a multiple of 10 ms leaves its remainder
for the next call, so the output of one call can be shorter or longer than its input (never
with the mic path's 10/20/40 ms frames). Not thread-safe beyond `far_end()`, which may be
called from another thread than `process()`.

    canceller = EchoCanceller(sample_rate_hz=24000, far_rate_hz=device_rate_hz, file=source)
    speaker thread:  canceller.far_end(period_pcm_mono, played_at_s=now + device_delay_s)
    mic thread:      clean = canceller.process(frame, captured_at_s=read_time - frame_s)
"""

from __future__ import annotations

import threading

import numpy as np

from voiced.audio.extras import require_echo_cancel
from voiced.audio.resample import StreamResampler
from voiced.config.echo import EchoCancelConfig
from voiced.core.echo_ref import FarEndTimeline, StreamClock
from voiced.core.preroll import ms_to_samples

FRAME_MS = 10
"""AEC3 processes 10 ms frames."""


class EchoCanceller:
    """AEC3 with a far-end reference aligned by played position (s16le mono; the far end may
    come at its device rate, resampled here)."""

    def __init__(
        self,
        *,
        sample_rate_hz: int = 24000,
        noise_suppression: bool = False,
        noise_suppression_level: int = 1,
        stream_delay_ms: int = 0,
        reference_lead_ms: float = 20.0,
        reference_capacity_ms: int = 2000,
        jitter_tolerance_ms: float = 5.0,
        far_rate_hz: int | None = None,
        file: str = "(defaults)",
    ) -> None:
        require_echo_cancel(file)
        from pywebrtc_audio import AudioProcessor

        self.sample_rate_hz = sample_rate_hz
        self.frame_samples = ms_to_samples(FRAME_MS, sample_rate_hz)
        self._processor = AudioProcessor(
            sample_rate=sample_rate_hz,
            echo_cancellation=True,
            noise_suppression=noise_suppression,
            ns_level=noise_suppression_level,
            stream_delay_ms=stream_delay_ms,
        )
        self._lead_samples = ms_to_samples(reference_lead_ms, sample_rate_hz)
        tolerance = ms_to_samples(jitter_tolerance_ms, sample_rate_hz)
        self._far = FarEndTimeline(ms_to_samples(reference_capacity_ms, sample_rate_hz))
        self.far_rate_hz = far_rate_hz or sample_rate_hz
        self._far_clock = StreamClock(ms_to_samples(jitter_tolerance_ms, self.far_rate_hz))
        self._far_resampler: StreamResampler | None = None
        self._far_out_start = 0  # where the current far stream's resampled output begins
        self._far_out_count = 0
        self._near_clock = StreamClock(tolerance)
        self._lock = threading.Lock()  # the far end is written from the speaker's thread
        self._pending = np.zeros(0, dtype=np.int16)
        self._pending_start = 0

    @classmethod
    def from_config(
        cls,
        config: EchoCancelConfig,
        *,
        sample_rate_hz: int = 24000,
        far_rate_hz: int | None = None,
        file: str = "(defaults)",
    ) -> EchoCanceller:
        """One built from the audio.echo_cancel keys (whether to build one at all is
        `config.enabled(talk_mode)`)."""
        return cls(
            sample_rate_hz=sample_rate_hz,
            noise_suppression=config.noise_suppression,
            noise_suppression_level=config.noise_suppression_level,
            reference_lead_ms=config.reference_lead_ms,
            far_rate_hz=far_rate_hz,
            file=file,
        )

    @property
    def speech_probability(self) -> float:
        """AEC3's (or the noise suppressor's) speech probability for the last frame, 0-1."""
        return float(self._processor.speech_probability)

    def far_end(self, pcm: bytes, played_at_s: float) -> None:
        """The speaker wrote `pcm` (mono s16le at `far_rate_hz`, e.g. the device rate); its
        first sample is heard at `played_at_s` (monotonic seconds)."""
        samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % 2], dtype="<i2")
        with self._lock:
            stamped = round(played_at_s * self.far_rate_hz)
            anchors = self._far_clock.reanchors
            start = self._far_clock.place(stamped, len(samples))
            if self.far_rate_hz == self.sample_rate_hz:
                self._far.write(start, samples)
                return
            if self._far_resampler is None or self._far_clock.reanchors != anchors:
                # A new far stream: soxr's output is time-aligned with its input from here on.
                self._far_resampler = StreamResampler(self.far_rate_hz, self.sample_rate_hz)
                self._far_out_start = round(start * self.sample_rate_hz / self.far_rate_hz)
                self._far_out_count = 0
            out = self._far_resampler.process(samples)
            self._far.write(self._far_out_start + self._far_out_count, out)
            self._far_out_count += len(out)

    def process(self, near_pcm: bytes, captured_at_s: float) -> bytes:
        """The mic frame with the speaker's echo removed (s16le; see the module doc on length)."""
        near = np.frombuffer(near_pcm[: len(near_pcm) - len(near_pcm) % 2], dtype="<i2")
        start = self._near_clock.place(self._to_sample(captured_at_s), len(near))
        if start != self._pending_start + len(self._pending):
            self._pending = np.zeros(0, dtype=np.int16)  # a gap: the partial frame is stale
            self._pending_start = start
        self._pending = np.concatenate([self._pending, near])
        usable = len(self._pending) - len(self._pending) % self.frame_samples
        if usable == 0:
            return b""
        block, self._pending = self._pending[:usable], self._pending[usable:]
        block_start = self._pending_start
        self._pending_start += usable
        with self._lock:
            far = self._far.read(block_start + self._lead_samples, usable)
        out = self._processor.process(np.ascontiguousarray(block), far)
        return np.asarray(out, dtype="<i2").tobytes()

    def reset(self) -> None:
        """Forget the echo path, the far end and any partial frame (e.g. after a reopen)."""
        with self._lock:
            self._far.clear()
            self._far_clock.reset()
            self._far_resampler = None
        self._near_clock.reset()
        self._processor.reset()
        self._pending = np.zeros(0, dtype=np.int16)

    def _to_sample(self, t_s: float) -> int:
        return round(t_s * self.sample_rate_hz)
