"""Half-duplex mic gating: in hands-free mode the assistant must not hear (and interrupt) itself.

Pure: the caller passes whether the speaker is playing and the time. The app asks `allow()` for
every mic frame before it sends it; see `voiced.audio.duplex.GatedMicrophone` for the wrapper.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class MicGate:
    """Forward mic frames unless the assistant is speaking (or just stopped) in vad mode.

    mode: the talk mode ("hold", "toggle", "vad"); push-to-talk modes are never gated, the
    person decides when to talk. half_duplex: talk.half_duplex. tail_ms: the gate stays
    closed this long after playback ends, so the room's echo is not heard as speech.
    """

    mode: str
    half_duplex: bool
    tail_ms: int = 300
    _last_playing_s: float | None = None

    @property
    def active(self) -> bool:
        return self.mode == "vad" and self.half_duplex

    def allow(self, *, speaker_playing: bool, now_s: float) -> bool:
        """Should a mic frame captured at `now_s` be forwarded?"""
        if speaker_playing:
            self._last_playing_s = now_s
        if not self.active:
            return True
        if speaker_playing:
            return False
        if self._last_playing_s is None:
            return True
        return (now_s - self._last_playing_s) * 1000.0 >= self.tail_ms
