"""The hands-free parts a configuration asks for: the wake-word detector (talk.mode = "wake")
and echo cancellation (audio.echo_cancel, on by default in wake and vad). Each is imported
and built only when asked for; a missing package is a ConfigError naming the key."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from voiced.audio.extras import require_echo_cancel
from voiced.config import Config
from voiced.core.audio_choice import MODEL_RATE_HZ

if TYPE_CHECKING:
    from voiced.audio.aec import EchoCanceller
    from voiced.audio.wake import WakeWordDetector


@dataclass
class HandsFree:
    detector: WakeWordDetector | None = None
    echo_canceller: Callable[[int], EchoCanceller] | None = None
    """Makes the canceller for the speaker's device rate (Hz), once that is known."""


def hands_free(config: Config) -> HandsFree:
    """What `config` needs (nothing for push-to-talk without audio.echo_cancel)."""
    parts = HandsFree()
    if config.talk.mode == "wake":
        from voiced.audio.wake import WakeWordDetector

        parts.detector = WakeWordDetector(
            config.wake, input_rate_hz=MODEL_RATE_HZ, file=config.source
        )
    echo = config.audio.echo()
    if echo.enabled(config.talk.mode):
        require_echo_cancel(config.source)  # now, not when the speaker opens
        from voiced.audio.aec import EchoCanceller

        def make(rate_hz: int) -> EchoCanceller:
            return EchoCanceller.from_config(
                echo, sample_rate_hz=MODEL_RATE_HZ, far_rate_hz=rate_hz, file=config.source
            )

        parts.echo_canceller = make
    return parts
