"""The echo-cancellation keys, meant for [audio] (audio.echo_cancel, audio.noise_suppression).

Kept in their own dataclass until the loader is reworked; the wiring merges them into
AudioConfig or reads them as a section. Not wired into the loader yet.
"""

from __future__ import annotations

from dataclasses import dataclass

from voiced.core.status import HANDS_FREE_MODES
from voiced.errors import ConfigError


@dataclass(frozen=True)
class EchoCancelConfig:
    echo_cancel: bool | None = None
    """WebRTC AEC3 on the mic path; None: on in the hands-free modes (wake, vad), off in hold
    and toggle. With it on, the half-duplex gate is off and speaking over the assistant
    interrupts it."""
    noise_suppression: bool = False
    """WebRTC noise suppression after echo cancellation (fans, hum)."""
    noise_suppression_level: int = 1
    """0-3: about 6, 12, 18, 21 dB of suppression."""
    reference_lead_ms: float = 20.0
    """The far-end reference is taken this much ahead of the played position, so a position
    estimate up to this much late still leaves AEC3 a causal reference (keep it below the
    speaker's buffer, audio.period_ms x audio.periods)."""

    def enabled(self, talk_mode: str) -> bool:
        """Whether echo cancellation runs in `talk_mode`."""
        if self.echo_cancel is None:
            return talk_mode in HANDS_FREE_MODES
        return self.echo_cancel

    def validate(self, file: str, prefix: str = "audio") -> None:
        def bad(key: str, problem: str, fix: str) -> ConfigError:
            return ConfigError(f"{prefix}.{key}", file, problem, fix)

        if self.noise_suppression_level not in (0, 1, 2, 3):
            raise bad("noise_suppression_level", "must be 0, 1, 2 or 3", "use 1")
        if not 0.0 <= self.reference_lead_ms <= 200.0:
            raise bad("echo_reference_lead_ms", "must be 0-200 ms", "use 20")
