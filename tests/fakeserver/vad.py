"""A simple energy VAD standing in for the server's ``server_vad`` turn detection.

Audio is 24 kHz s16le mono, examined in 10 ms frames. A frame is speech when
its RMS (full scale = 1.0) exceeds ``threshold * 0.1``: the session default
threshold 0.5 means -26 dBFS. Speech stops after ``silence_duration_ms`` of
frames below the threshold. Positions are absolute byte offsets into all the
audio appended on the connection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from fakeserver.events import BYTES_PER_MS

FRAME_MS = 10
FRAME_BYTES = FRAME_MS * BYTES_PER_MS


@dataclass(frozen=True)
class VadEdge:
    """Speech started or stopped; ``offset_bytes`` is where it was decided."""

    kind: Literal["started", "stopped"]
    audio_ms: int  # speech start (started) or end of the last speech frame (stopped)
    offset_bytes: int  # absolute offset of the frame end where the decision was made


class EnergyVad:
    """Frame-by-frame RMS detector; feed it appended audio, get edges back."""

    def __init__(
        self, *, threshold: float, silence_duration_ms: int, start_offset_bytes: int = 0
    ) -> None:
        self._rms_threshold = max(0.0, threshold) * 0.1
        self._silence_duration_ms = max(FRAME_MS, silence_duration_ms)
        self.reset(start_offset_bytes)

    def reset(self, offset_bytes: int) -> None:
        """Forget any pending partial frame and speech state; resume at ``offset_bytes``."""
        self._pending = bytearray()
        self._offset_bytes = offset_bytes
        self.speaking = False
        self._silence_ms = 0
        self._last_speech_end_bytes = offset_bytes

    def feed(self, audio: bytes) -> list[VadEdge]:
        """Examine newly appended audio and return the edges it produced, in order."""
        self._pending += audio
        edges: list[VadEdge] = []
        usable = len(self._pending) - len(self._pending) % FRAME_BYTES
        if usable == 0:
            return edges
        frames = np.frombuffer(bytes(self._pending[:usable]), dtype="<i2").astype(np.float64)
        del self._pending[:usable]
        frames = frames.reshape(-1, FRAME_BYTES // 2) / 32768.0
        rms_per_frame = np.sqrt(np.mean(frames * frames, axis=1))
        for rms in rms_per_frame:
            frame_start = self._offset_bytes
            self._offset_bytes += FRAME_BYTES
            if rms > self._rms_threshold:
                self._silence_ms = 0
                self._last_speech_end_bytes = self._offset_bytes
                if not self.speaking:
                    self.speaking = True
                    edges.append(
                        VadEdge("started", frame_start // BYTES_PER_MS, self._offset_bytes)
                    )
            elif self.speaking:
                self._silence_ms += FRAME_MS
                if self._silence_ms >= self._silence_duration_ms:
                    self.speaking = False
                    self._silence_ms = 0
                    edges.append(
                        VadEdge(
                            "stopped",
                            self._last_speech_end_bytes // BYTES_PER_MS,
                            self._offset_bytes,
                        )
                    )
        return edges
