"""The conversation machine, without an event loop: events and times in, actions out."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from voiced.config.talk import TalkMode
from voiced.core.machine import MIN_COMMIT_BYTES, Act, Action, ConversationMachine, TalkSettings
from voiced.core.status import ButtonGesture, Gesture, LinkState, Status, TalkEvent

FRAME = 960  # 20 ms at 24 kHz s16le


def machine(mode: TalkMode = "hold", **kw: float) -> ConversationMachine:
    m = ConversationMachine(TalkSettings(mode=mode, **kw), now_s=0.0)  # type: ignore[arg-type]
    m.link_changed(LinkState.LIVE, "connected", 0.0)
    m.mic_opened(0.0)
    m.actions_to_do()
    return m


def acts(m: ConversationMachine) -> list[Act]:
    return [a.act for a in m.actions_to_do() if a.act is not Act.STATUS]


def press(m: ConversationMachine, at_s: float) -> None:
    m.button(ButtonGesture(Gesture.PRESS, at_s))


def release(m: ConversationMachine, at_s: float, held_s: float) -> None:
    m.button(ButtonGesture(Gesture.RELEASE, at_s, held_s=held_s, long=held_s >= 2.0))


def speak(m: ConversationMachine, start_s: float, seconds: float) -> int:
    """Frames every 20 ms for `seconds`; returns how many the machine let through."""
    n = int(seconds / 0.02)
    return sum(m.mic_frame(FRAME, start_s + i * 0.02) for i in range(n))


def answer(m: ConversationMachine, rid: str, at_s: float) -> None:
    """The server answers: response created, audio arrives and is played."""
    m.response_started(rid, at_s)
    assert m.response_audio(rid, at_s + 0.1)


def test_hold_ten_seconds_is_one_whole_turn() -> None:
    """Held 10 s (long press passing at 2 s): one turn, all 10 s committed, nothing cancelled."""
    m = machine()
    press(m, 1.0)
    assert acts(m) == [Act.MIC_ON]
    assert speak(m, 1.0, 10.0) == 500
    m.button(ButtonGesture(Gesture.LONG_PRESS, 3.0, held_s=2.0, long=True))
    assert acts(m) == []
    release(m, 11.0, 10.0)
    assert acts(m) == [Act.MIC_OFF, Act.COMMIT]
    assert m.turn_bytes == 500 * FRAME and m.turns == 1
    assert m.status is Status.THINKING


def test_release_goes_straight_from_listening_to_thinking() -> None:
    """No "ready" flashes between listening and thinking."""
    m = machine()
    press(m, 1.0)
    speak(m, 1.0, 1.0)
    m.actions_to_do()
    release(m, 2.0, 1.0)
    shown = [a.status for a in m.actions_to_do() if a.act is Act.STATUS]
    assert shown == [Status.THINKING]


def test_tap_during_a_reply_stops_it_and_sends_nothing() -> None:
    """The press barges in (flush → cancel+truncate → clear); the tap's release sends nothing."""
    m = machine()
    press(m, 1.0)
    speak(m, 1.0, 1.0)
    release(m, 2.0, 1.0)
    answer(m, "resp_1", 2.5)
    m.actions_to_do()
    assert m.status is Status.SPEAKING
    press(m, 3.0)
    assert acts(m) == [Act.FLUSH_SPEAKER, Act.INTERRUPT, Act.CLEAR_INPUT, Act.MIC_ON]
    speak(m, 3.0, 0.04)
    release(m, 3.05, 0.05)
    done = m.actions_to_do()
    assert [a.act for a in done if a.act is not Act.STATUS] == [
        Act.MIC_OFF,
        Act.CLEAR_INPUT,
        Act.NOTE,
    ]
    assert any(a.event == "cancel" and "tap" in a.detail for a in done)
    assert m.status is Status.READY and not m.busy and m.turns == 1
    # Late audio of the stopped response is not played, and does not make it busy again.
    assert not m.response_audio("resp_1", 3.1)
    assert m.status is Status.READY


def test_quick_tap_when_idle_leaves_ready_and_next_press_is_not_a_barge_in() -> None:
    """A 50 ms tap: nothing committed, status ready; the next press only opens a turn."""
    m = machine()
    press(m, 1.0)
    speak(m, 1.0, 0.04)
    release(m, 1.05, 0.05)
    assert Act.COMMIT not in acts(m)
    assert m.status is Status.READY and not m.busy
    press(m, 2.0)
    assert acts(m) == [Act.MIC_ON]


def test_toggle_quick_taps_send_nothing_and_leave_ready() -> None:
    """toggle: press, press 50 ms later: under 100 ms of audio, cleared, ready again."""
    m = machine("toggle")
    press(m, 1.0)
    release(m, 1.05, 0.05)
    speak(m, 1.0, 0.06)
    press(m, 1.1)
    got = acts(m)
    assert Act.COMMIT not in got and Act.CLEAR_INPUT in got
    assert m.status is Status.READY and not m.turn_open
    press(m, 2.0)
    assert acts(m) == [Act.MIC_ON]


def test_vad_taps_mute_and_unmute() -> None:
    """vad: a tap mutes (nothing forwarded), the next unmutes; status follows."""
    m = machine("vad")
    assert m.status is Status.LISTENING
    assert m.mic_frame(FRAME, 0.5)
    release(m, 1.05, 0.05)
    assert m.status is Status.MUTED and not m.mic_frame(FRAME, 1.1)
    release(m, 2.05, 0.05)
    assert m.status is Status.LISTENING and m.mic_frame(FRAME, 2.1)


def test_offline_turn_counts_what_was_let_through_whatever_the_link_does() -> None:
    """The link drops mid-turn and a reconnect fails 30 ms before the release: the turn
    (kept in the outbox) is committed whole."""
    m = machine()
    press(m, 1.0)
    assert speak(m, 1.0, 2.0) == 100
    m.link_changed(LinkState.OFFLINE, "reconnecting in 1 s", 2.0)
    assert m.status is Status.LISTENING  # the person is still heard
    assert speak(m, 2.0, 3.0) == 150
    m.link_changed(LinkState.CONNECTING, "connecting", 4.9)
    m.link_changed(LinkState.OFFLINE, "reconnecting in 2 s", 4.97)
    m.actions_to_do()
    release(m, 5.0, 4.0)
    assert acts(m) == [Act.MIC_OFF, Act.COMMIT]
    assert m.turn_bytes == 250 * FRAME
    assert m.status is Status.OFFLINE
    m.link_changed(LinkState.LIVE, "connected", 7.0)
    assert m.status is Status.THINKING


def test_turn_is_sent_at_max_turn_s() -> None:
    """A turn held past talk.max_turn_s is sent with a note; the late release does nothing."""
    m = machine(max_turn_s=120.0, mic_stall_s=1000.0)
    press(m, 1.0)
    speak(m, 1.0, 1.0)
    m.actions_to_do()
    assert m.next_deadline_s() == 121.0
    m.tick(121.0)
    done = m.actions_to_do()
    assert [a.act for a in done if a.act is not Act.STATUS] == [Act.NOTE, Act.MIC_OFF, Act.COMMIT]
    release(m, 130.0, 129.0)
    assert acts(m) == []


def test_short_turn_is_cleared_not_sent() -> None:
    """Under 100 ms let through: cleared, with a note, and never COMMIT."""
    m = machine()
    press(m, 1.0)
    speak(m, 1.0, 0.08)
    m.actions_to_do()
    release(m, 1.5, 0.5)
    done = m.actions_to_do()
    assert [a.act for a in done if a.act is not Act.STATUS] == [
        Act.MIC_OFF,
        Act.CLEAR_INPUT,
        Act.NOTE,
    ]
    assert m.turn_bytes < MIN_COMMIT_BYTES


def test_press_while_awaiting_cancels_the_answer_when_it_starts() -> None:
    """Sent, no response yet, pressed again: that response is cancelled when it starts."""
    m = machine()
    press(m, 1.0)
    speak(m, 1.0, 1.0)
    release(m, 2.0, 1.0)
    press(m, 2.1)
    m.actions_to_do()
    m.response_started("resp_late", 2.3)
    assert acts(m) == [Act.INTERRUPT]
    assert not m.response_audio("resp_late", 2.4)
    assert m.status is Status.LISTENING


def test_vad_gate_holds_while_speaking_and_for_the_echo_tail() -> None:
    """Half duplex: no frame forwarded while playing or within echo_tail_ms after."""
    m = machine("vad", echo_tail_ms=300.0)
    answer(m, "r1", 1.0)
    assert not m.mic_frame(FRAME, 1.5)
    m.response_done("r1", 2.0)
    m.playback_finished(2.5)
    assert not m.mic_frame(FRAME, 2.7)
    assert m.mic_frame(FRAME, 2.81)


def test_vad_speech_over_the_assistant_barges_in_without_the_gate() -> None:
    """Without half duplex, speech_started during playback: flush, then cancel+truncate."""
    m = machine("vad", half_duplex=False)
    answer(m, "r1", 1.0)
    m.actions_to_do()
    m.speech_started(1.5)
    assert acts(m) == [Act.FLUSH_SPEAKER, Act.INTERRUPT, Act.NOTE]


def test_gated_frames_keep_the_mic_alive() -> None:
    """vad, a 60 s reply with the gate closed: frames still arrive, so no stall."""
    m = machine("vad")
    answer(m, "r1", 1.0)
    for i in range(3000):
        now = 1.0 + i * 0.02
        assert not m.mic_frame(FRAME, now)
        m.tick(now)
    assert m.watchdog_ok() and m.status is Status.SPEAKING


def test_stall_and_known_fault() -> None:
    """An open mic with no frames for mic_stall_s is a stall (error, no watchdog); a known
    fault being retried is not; frames again end the stall."""
    m = machine(mic_stall_s=5.0)
    assert m.next_deadline_s() == 5.0
    m.tick(5.1)
    assert m.stalled and not m.watchdog_ok() and m.status is Status.ERROR
    m.mic_frame(FRAME, 6.0)
    assert m.watchdog_ok() and m.status is Status.READY
    m.audio_fault("microphone 'hw:1' vanished", 7.0)
    m.tick(60.0)
    assert m.watchdog_ok() and m.status is Status.ERROR
    assert m.detail == "error: microphone 'hw:1' vanished"


def test_link_failure_detail_says_error_once() -> None:
    """STATUS= reads "error: API key rejected", never "error: error: …"."""
    m = machine()
    m.link_changed(LinkState.FAILED, "API key rejected", 1.0)
    assert m.detail == "error: API key rejected"


def test_reload_changes_what_a_press_means() -> None:
    """hold → vad → hold: gestures and gate follow the mode at once."""
    m = machine()
    m.reconfigure(TalkSettings(mode="vad"), 1.0)
    release(m, 2.05, 0.05)
    assert m.muted
    release(m, 3.05, 0.05)
    assert not m.muted
    m.reconfigure(TalkSettings(mode="hold"), 4.0)
    m.actions_to_do()
    press(m, 5.0)
    assert acts(m) == [Act.MIC_ON] and m.turn_open
    assert m.mic_frame(FRAME, 5.1)


def test_ctl_release_in_toggle_mode_then_a_press_starts_a_new_turn() -> None:
    """One notion of "turn open": a turn ended by `voiced ctl release` is closed for the button."""
    m = machine("toggle")
    press(m, 1.0)
    speak(m, 1.0, 1.0)
    m.command(TalkEvent.TALK_END, 2.0)
    assert Act.COMMIT in acts(m)
    press(m, 3.0)
    got = acts(m)
    assert got[-1] is Act.MIC_ON and m.turn_open


EVENTS = st.sampled_from(
    ["press", "tap", "release", "long", "mute", "cancel", "toggle", "frame", "answer", "done",
     "played", "offline", "live", "tick"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(mode=st.sampled_from(["hold", "toggle", "vad"]), steps=st.lists(EVENTS, max_size=60))
def test_mic_leaves_only_while_the_status_says_so(mode: TalkMode, steps: list[str]) -> None:
    """Privacy: a frame is let through only while the status shown is listening (or, in
    vad, while not muted), whatever happened before."""
    m = machine(mode)
    t = 1.0
    for i, step in enumerate(steps):
        t += 0.05
        if step == "press":
            press(m, t)
        elif step in ("tap", "release", "long"):
            held = {"tap": 0.05, "release": 1.0, "long": 3.0}[step]
            release(m, t, held)
        elif step == "mute":
            m.command(TalkEvent.MUTE_TOGGLE, t)
        elif step == "cancel":
            m.command(TalkEvent.CANCEL, t)
        elif step == "toggle":
            m.command(TalkEvent.TOGGLE_TURN, t)
        elif step == "answer":  # may be one the person talked over: then it is not played
            m.response_started(f"r{i}", t)
            m.response_audio(f"r{i}", t)
        elif step == "done":
            m.response_done(f"r{i - 1}", t)
        elif step == "played":
            m.playback_finished(t)
        elif step == "offline":
            m.link_changed(LinkState.OFFLINE, "reconnecting", t)
        elif step == "live":
            m.link_changed(LinkState.LIVE, "connected", t)
        elif step == "tick":
            m.tick(t)
        forwarded = m.mic_frame(FRAME, t)
        shown: list[Action] = m.actions_to_do()
        del shown
        if forwarded:
            if mode == "vad":
                assert not m.muted
            else:
                assert m.status is Status.LISTENING
        if m.muted:
            assert not forwarded and m.status in (Status.MUTED, Status.ERROR)


def test_a_turn_with_a_dead_mic_says_why_nothing_was_sent() -> None:
    """The mic is being reopened: a press and release say what is wrong, not "too short"."""
    m = machine()
    m.audio_fault("microphone 'hw:1' vanished", 0.5)
    press(m, 1.0)
    release(m, 2.0, 1.0)
    notes = [a.detail for a in m.actions_to_do() if a.act is Act.NOTE]
    assert notes == ["nothing heard: microphone 'hw:1' vanished"]
