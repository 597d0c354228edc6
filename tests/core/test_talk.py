"""Talk modes: gestures in, actions out; and the one status the appliance shows."""

from __future__ import annotations

import pytest

from voiced.core.status import Status, TalkEvent
from voiced.core.talk import Action, Phase, TalkMachine, derive_status


def test_hold_press_release_sends_a_turn() -> None:
    """hold: TALK_START forwards the mic, TALK_END sends the turn."""
    m = TalkMachine("hold")
    assert m.on_event(TalkEvent.TALK_START, assistant_busy=False) == [Action.START_TURN]
    assert m.forwards_mic()
    assert m.on_event(TalkEvent.TALK_END, assistant_busy=False) == [Action.END_TURN]
    assert not m.forwards_mic()


def test_press_while_assistant_speaks_barges_in() -> None:
    """Pressing while the assistant talks stops it first."""
    m = TalkMachine("toggle")
    assert m.on_event(TalkEvent.TALK_START, assistant_busy=True) == [
        Action.BARGE_IN,
        Action.START_TURN,
    ]


def test_repeated_edges_are_idempotent() -> None:
    """A second TALK_START or a stray TALK_END does nothing."""
    m = TalkMachine("hold")
    assert m.on_event(TalkEvent.TALK_END, assistant_busy=False) == []
    m.on_event(TalkEvent.TALK_START, assistant_busy=False)
    assert m.on_event(TalkEvent.TALK_START, assistant_busy=False) == []


def test_long_press_cancels() -> None:
    """CANCEL stops the response and forgets the turn in any mode."""
    m = TalkMachine("hold")
    m.on_event(TalkEvent.TALK_START, assistant_busy=False)
    assert m.on_event(TalkEvent.CANCEL, assistant_busy=True) == [Action.CANCEL]
    assert m.phase is Phase.IDLE


def test_vad_button_mutes() -> None:
    """vad: the mic is open until the button mutes it (the echo gate is core/duplex.py's)."""
    m = TalkMachine("vad")
    assert m.forwards_mic()
    assert m.on_event(TalkEvent.TALK_START, assistant_busy=False) == [Action.MUTE]
    assert not m.forwards_mic()
    assert m.on_event(TalkEvent.MUTE_TOGGLE, assistant_busy=False) == [Action.UNMUTE]


@pytest.mark.parametrize(
    ("kw", "status"),
    [
        ({"link_state": "connecting", "ever_live": False}, Status.CONNECTING),
        ({"link_state": "offline", "ever_live": True}, Status.OFFLINE),
        ({"link_state": "connecting", "ever_live": True}, Status.OFFLINE),
        ({"link_state": "failed"}, Status.ERROR),
        ({"phase": Phase.LISTENING}, Status.LISTENING),
        ({"speaking": True}, Status.SPEAKING),
        ({"thinking": True}, Status.THINKING),
        ({}, Status.READY),
        ({"mode": "vad"}, Status.LISTENING),
        ({"phase": Phase.MUTED, "link_state": "offline"}, Status.MUTED),
    ],
)
def test_status_derivation(kw: dict[str, object], status: Status) -> None:
    """Link state, talk phase and playback decide one status."""
    args: dict[str, object] = {
        "link_state": "live",
        "phase": Phase.IDLE,
        "speaking": False,
        "thinking": False,
        "mode": "hold",
        "ever_live": True,
    }
    args.update(kw)
    assert derive_status(**args) is status  # type: ignore[arg-type]
