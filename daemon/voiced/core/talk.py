"""Talk modes as a pure state machine: button gestures in, conversation actions out."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from voiced.config.talk import TalkMode
from voiced.core.status import Status, TalkEvent


class Phase(enum.Enum):
    IDLE = "idle"
    LISTENING = "listening"
    """A push-to-talk turn is being captured."""
    MUTED = "muted"
    """vad mode, mic off by the user's choice."""


class Action(enum.Enum):
    BARGE_IN = "barge_in"
    """Stop what the assistant is saying (flush the speaker, cancel + truncate)."""
    START_TURN = "start_turn"
    """Forward mic frames to the session from now on."""
    END_TURN = "end_turn"
    """Stop forwarding and ask for the answer (commit + response.create)."""
    CANCEL = "cancel"
    """Long press: stop the response, forget the turn."""
    MUTE = "mute"
    UNMUTE = "unmute"
    VOLUME_UP = "volume_up"
    VOLUME_DOWN = "volume_down"


@dataclass
class TalkMachine:
    mode: TalkMode
    phase: Phase = Phase.IDLE

    def on_event(self, event: TalkEvent, *, assistant_busy: bool) -> list[Action]:
        """What to do for `event`; `assistant_busy`: a response is playing or pending."""
        if event is TalkEvent.VOLUME_UP:
            return [Action.VOLUME_UP]
        if event is TalkEvent.VOLUME_DOWN:
            return [Action.VOLUME_DOWN]
        if event is TalkEvent.CANCEL:
            self.phase = Phase.MUTED if self.phase is Phase.MUTED else Phase.IDLE
            return [Action.CANCEL]
        if event is TalkEvent.MUTE_TOGGLE:
            if self.phase is Phase.MUTED:
                self.phase = Phase.IDLE
                return [Action.UNMUTE]
            actions = [Action.END_TURN] if self.phase is Phase.LISTENING else []
            self.phase = Phase.MUTED
            return [*actions, Action.MUTE]
        if self.mode == "vad":
            # Hands-free: the button is a mute switch; talk events act as mute toggles.
            return self.on_event(TalkEvent.MUTE_TOGGLE, assistant_busy=assistant_busy)
        if event is TalkEvent.TALK_START:
            if self.phase is Phase.LISTENING:
                return []
            self.phase = Phase.LISTENING
            return [Action.BARGE_IN, Action.START_TURN] if assistant_busy else [Action.START_TURN]
        if event is TalkEvent.TALK_END:
            if self.phase is not Phase.LISTENING:
                return []
            self.phase = Phase.IDLE
            return [Action.END_TURN]
        return []

    def forwards_mic(self) -> bool:
        """Whether a captured frame goes to the session now (the half-duplex gate for vad
        mode sits in front of this, in the microphone: see core/duplex.py)."""
        if self.mode == "vad":
            return self.phase is not Phase.MUTED
        return self.phase is Phase.LISTENING


def derive_status(
    *,
    link_state: str,
    phase: Phase,
    speaking: bool,
    thinking: bool,
    mode: TalkMode,
    ever_live: bool,
    audio_ok: bool = True,
) -> Status:
    """The one status the light, STATUS= and `voiced ctl status` show."""
    if link_state == "failed" or not audio_ok:
        return Status.ERROR
    if phase is Phase.MUTED:
        return Status.MUTED
    if link_state in ("offline",) or (link_state != "live" and ever_live):
        return Status.OFFLINE
    if link_state != "live":
        return Status.CONNECTING
    if phase is Phase.LISTENING:
        return Status.LISTENING
    if speaking:
        return Status.SPEAKING
    if thinking:
        return Status.THINKING
    return Status.LISTENING if mode == "vad" else Status.READY
