"""What the conversation machine decides (actions) and what it needs to know (settings)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from voiced.config import Config
from voiced.core.status import HANDS_FREE_MODES, Status, TalkMode


class Act(enum.Enum):
    MIC_ON = "mic_on"
    """A turn (or hands-free listening) opened: mic_frame() lets frames through from now."""
    MIC_OFF = "mic_off"
    """It closed: frames are no longer forwarded."""
    MIC_PACE = "mic_pace"
    """Read the mic every period (`steps` = 0) or, at rest, in bulk every `steps` ms."""
    FLUSH_SPEAKER = "flush_speaker"
    """Stop the speaker within a period; remember the ms it played of the response."""
    INTERRUPT = "interrupt"
    """Cancel the response and truncate it at the ms the last flush reported."""
    CLEAR_INPUT = "clear_input"
    """Forget the audio appended since the last commit."""
    COMMIT = "commit"
    """Commit the turn and ask for the answer."""
    STATUS = "status"
    """Show `status` / `detail` (light, STATUS=, `voiced ctl status`)."""
    VOLUME = "volume"
    """Change the volume by `steps`."""
    EARCON = "earcon"
    """Play the short sound named `detail` (an Earcon value) through the speaker."""
    NOTICE = "notice"
    """Say the spoken notice named `detail` (a Notice value) through the speaker."""
    CAPTURE_OFF = "capture_off"
    """The mute switch is on: close the capture device itself."""
    CAPTURE_ON = "capture_on"
    """The mute switch is off: open the capture device again."""
    NOTE = "note"
    """Something a person may want in the journal: `event` and `detail`."""


@dataclass(frozen=True, slots=True)
class Action:
    act: Act
    status: Status | None = None
    detail: str = ""
    event: str = ""
    steps: int = 0


@dataclass(frozen=True, slots=True)
class TalkSettings:
    """What the machine needs of the configuration ([talk], [wake], [audio])."""

    mode: TalkMode = "hold"
    tap_s: float = 0.3
    """hold: a press released sooner is a tap: it sends nothing, only stops the assistant."""
    max_turn_s: float = 120.0
    """A turn held open this long is sent."""
    half_duplex: bool = True
    """Hands-free without echo cancellation: do not forward the mic while the assistant
    speaks (and `echo_tail_ms` after)."""
    echo_cancel: bool = False
    """The mic is echo-cancelled: no gate; speech over the assistant interrupts it."""
    echo_tail_ms: float = 300.0
    follow_up_s: float = 5.0
    """wake: after an answer, listen this long without the wake word (0: not at all)."""
    wake_listen_s: float = 8.0
    """wake: after the wake word (or a press), give up when nobody speaks this long."""
    mic_stall_s: float = 5.0
    """An open mic silent this long (no frames, no known fault) is a stall."""
    answer_timeout_s: float = 30.0
    """A sent turn with no response this long after the link is live is given up."""
    rest_read_ms: int = 250
    """At rest (no turn open) the mic is read this often, in bulk; 0: every period."""

    @property
    def hands_free(self) -> bool:
        return self.mode in HANDS_FREE_MODES

    @property
    def gate(self) -> bool:
        """The half-duplex gate applies (hands-free, no echo cancellation)."""
        return self.hands_free and self.half_duplex and not self.echo_cancel

    @classmethod
    def of(cls, config: Config) -> TalkSettings:
        talk, audio = config.talk, config.audio
        return cls(
            mode=talk.mode,
            tap_s=talk.tap_s,
            max_turn_s=talk.max_turn_s,
            half_duplex=talk.half_duplex,
            echo_cancel=audio.echo().enabled(talk.mode),
            echo_tail_ms=audio.echo_tail_ms,
            follow_up_s=config.wake.follow_up_s,
            rest_read_ms={"vad": 0, "wake": config.wake.batch_ms}.get(
                talk.mode, audio.mic_idle_read_ms
            ),
        )
