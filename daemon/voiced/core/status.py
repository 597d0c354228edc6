"""The values that cross layers: what the appliance shows, what a person asks, the link state.

State crosses layers as these enums, never as strings.
"""

from __future__ import annotations

import enum
from typing import Literal

from voiced.core.record import Record

TalkMode = Literal["hold", "toggle", "vad", "wake"]
"""hold: press to talk; toggle: press, talk, press; vad: hands-free, always listening;
wake: hands-free after an offline wake word."""
HANDS_FREE_MODES: tuple[TalkMode, ...] = ("vad", "wake")


class Status(enum.Enum):
    STARTING = "starting"
    CONNECTING = "connecting"
    READY = "ready"
    LISTENING = "listening"
    THINKING = "thinking"
    SPEAKING = "speaking"
    MUTED = "muted"
    OFFLINE = "offline"
    """Reconnecting: the link is down and being retried."""
    ERROR = "error"
    """Needs a person: bad key, bad config, dead hardware."""


class LinkState(enum.StrEnum):
    """The realtime session's state. A str enum, so library users may compare with strings."""

    IDLE = "idle"
    CONNECTING = "connecting"
    CONFIGURING = "configuring"
    LIVE = "live"
    OFFLINE = "offline"
    FAILED = "failed"
    """Stopped on a fatal error: a person must act (then reload or `voiced ctl reconnect`)."""
    CLOSED = "closed"


class TalkEvent(enum.Enum):
    """What a person asks of the conversation, whatever the talk mode: `voiced ctl`, keys,
    extra buttons, and the talk button once its gesture is read in the mode (core/gestures)."""

    TALK_START = "talk_start"
    """Open a turn now (stopping the assistant if it is busy)."""
    TALK_END = "talk_end"
    """Send the open turn: commit it and ask for the answer."""
    TOGGLE_TURN = "toggle_turn"
    """TALK_START when no turn is open, else TALK_END (the keyboard's Enter)."""
    CANCEL = "cancel"
    """Stop the assistant and drop the open turn (nothing is sent)."""
    MUTE_TOGGLE = "mute_toggle"
    """Stop / resume listening."""
    VOLUME_UP = "volume_up"
    VOLUME_DOWN = "volume_down"
    HARD_MUTE_ON = "hard_mute_on"
    """A mute switch was closed: the capture path is closed until it opens again."""
    HARD_MUTE_OFF = "hard_mute_off"


class Gesture(enum.Enum):
    """What the talk button did, debounced, in no particular mode."""

    PRESS = "press"
    RELEASE = "release"
    LONG_PRESS = "long_press"
    """Still held `talk.long_press_s` after the press (fires while held)."""


class ButtonGesture(Record):
    """A talk-button gesture at `at_s` (monotonic seconds); RELEASE carries how long it was
    held and whether LONG_PRESS fired during the press."""

    gesture: Gesture
    at_s: float
    held_s: float = 0.0
    long: bool = False


PanelInput = TalkEvent | ButtonGesture
"""What a panel (GPIO, keyboard) hands the daemon."""
