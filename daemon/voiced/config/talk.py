"""[talk]: how a conversation turn starts and ends."""

from __future__ import annotations

from dataclasses import dataclass

from voiced.core.status import TalkMode

__all__ = ["TalkConfig", "TalkMode"]


@dataclass(frozen=True)
class TalkConfig:
    mode: TalkMode = "hold"
    """hold: press to talk, release to send; toggle: press, talk, press; vad: hands-free;
    wake: hands-free after the wake word ([wake])."""
    long_press_s: float = 2.0
    """toggle and vad: holding this long stops the assistant and drops the turn (hold mode
    has no long press: hold as long as you talk)."""
    tap_s: float = 0.3
    """hold: a press released sooner is a tap: it sends nothing and only stops the assistant."""
    max_turn_s: float = 120.0
    """A turn still open after this long is sent (with a log line)."""
    debounce_ms: float = 30.0
    vad_threshold: float = 0.6
    vad_silence_duration_ms: int = 800
    half_duplex: bool = True
    """In vad mode, gate the mic while the assistant speaks so it cannot interrupt itself."""
