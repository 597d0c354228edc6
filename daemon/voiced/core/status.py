"""What the appliance is doing, as one value the panel, STATUS= and the control socket show."""

from __future__ import annotations

import enum


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


class TalkEvent(enum.Enum):
    """What a button (or the keyboard) asks of the conversation, decided from press gestures."""

    TALK_START = "talk_start"
    """Start capturing a user turn (hold: pressed; toggle: first press)."""
    TALK_END = "talk_end"
    """Commit the user turn and ask for a response (hold: released; toggle: second press)."""
    CANCEL = "cancel"
    """Long press: stop the current response and clear the turn."""
    MUTE_TOGGLE = "mute_toggle"
    """vad mode's button, or a mute button: stop / resume listening."""
    VOLUME_UP = "volume_up"
    VOLUME_DOWN = "volume_down"
