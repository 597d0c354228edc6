"""The conversation machine, without an event loop: events and times in, actions out."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voiced.config.talk import TalkMode
from voiced.core.machine import MIN_COMMIT_BYTES, Act, ConversationMachine, TalkSettings
from voiced.core.status import ButtonGesture, Gesture, LinkState, Status, TalkEvent

FRAME = 960  # 20 ms at 24 kHz s16le


def machine(mode: TalkMode = "hold", **kw: float) -> ConversationMachine:
    m = ConversationMachine(TalkSettings(mode=mode, **kw), now_s=0.0)  # type: ignore[arg-type]
    m.link_changed(LinkState.LIVE, "connected", 0.0)
    m.mic_opened(0.0)
    m.actions_to_do()
    return m


#: What the light shows, the speaker chimes and how often the mic is read: checked by
#: their own tests.
SHOWN = (Act.STATUS, Act.EARCON, Act.NOTICE, Act.MIC_PACE)


def acts(m: ConversationMachine) -> list[Act]:
    return [a.act for a in m.actions_to_do() if a.act not in SHOWN]


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
    assert [a.act for a in done if a.act not in SHOWN] == [
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
    assert [a.act for a in done if a.act not in SHOWN] == [Act.NOTE, Act.MIC_OFF, Act.COMMIT]
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
    assert [a.act for a in done if a.act not in SHOWN] == [
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
    ["press", "tap", "release", "long", "mute", "switch_on", "switch_off", "cancel", "toggle",
     "wake", "speech", "silence", "answer", "done", "played", "offline", "live", "failed",
     "tick", "later"]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(
    mode=st.sampled_from(["hold", "toggle", "vad", "wake"]),
    echo_cancel=st.booleans(),
    steps=st.lists(EVENTS, max_size=60),
)
def test_mic_leaves_only_while_the_status_says_so(
    mode: TalkMode, echo_cancel: bool, steps: list[str]
) -> None:
    """Privacy: whatever happened before, a frame is let through only while the status
    shown is listening (in vad: listening, or speaking with echo cancellation); never while
    muted, by button or switch."""
    m = ConversationMachine(TalkSettings(mode=mode, echo_cancel=echo_cancel), now_s=0.0)
    m.link_changed(LinkState.LIVE, "connected", 0.0)
    m.mic_opened(0.0)
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
        elif step in ("switch_on", "switch_off"):
            on = step == "switch_on"
            m.command(TalkEvent.HARD_MUTE_ON if on else TalkEvent.HARD_MUTE_OFF, t)
        elif step == "cancel":
            m.command(TalkEvent.CANCEL, t)
        elif step == "toggle":
            m.command(TalkEvent.TOGGLE_TURN, t)
        elif step == "wake":
            m.wake_word(t)
        elif step == "speech":
            m.speech_started(t)
        elif step == "silence":
            m.speech_stopped(t)
        elif step == "answer":  # may be one the person talked over: then it is not played
            m.response_started(f"r{i}", t)
            m.response_audio(f"r{i}", t)
        elif step == "done":
            m.response_done(f"r{i - 1}", t)
        elif step == "played":
            m.playback_finished(t)
        elif step in ("offline", "live", "failed"):
            state = {"offline": LinkState.OFFLINE, "live": LinkState.LIVE}.get(
                step, LinkState.FAILED
            )
            m.link_changed(state, step, t)
        elif step == "tick":
            m.tick(t)
        elif step == "later":
            t += 10.0
            m.tick(t)
        forwarded = m.mic_frame(FRAME, t)
        m.actions_to_do()
        if forwarded:
            allowed = {Status.LISTENING}
            if mode == "vad" and echo_cancel:
                allowed.add(Status.SPEAKING)
            assert m.status in allowed, (m.status, step)
        if m.muted or m.hard_muted:
            assert not forwarded and m.status in (Status.MUTED, Status.ERROR)


def test_a_turn_with_a_dead_mic_says_why_nothing_was_sent() -> None:
    """The mic is being reopened: a press and release say what is wrong, not "too short"."""
    m = machine()
    m.audio_fault("microphone 'hw:1' vanished", 0.5)
    press(m, 1.0)
    release(m, 2.0, 1.0)
    notes = [a.detail for a in m.actions_to_do() if a.act is Act.NOTE]
    assert notes == ["nothing heard: microphone 'hw:1' vanished"]


def shown(m: ConversationMachine) -> list[tuple[Act, str]]:
    """The sounds decided since the last call, with their names."""
    return [(a.act, a.detail) for a in m.actions_to_do() if a.act in (Act.EARCON, Act.NOTICE)]


def test_wake_turn_answer_follow_up_then_idle() -> None:
    """wake: the word opens listening (earcon), the server's VAD ends the turn (earcon
    "sent"), the answer plays, a follow-up window listens without the word, then idle."""
    m = machine("wake", follow_up_s=5.0)
    assert m.status is Status.READY and not m.mic_frame(FRAME, 0.5)
    m.wake_word(1.0)
    got = m.actions_to_do()
    assert [a.act for a in got if a.act is not Act.STATUS] == [Act.EARCON, Act.MIC_PACE, Act.MIC_ON]
    assert m.status is Status.LISTENING and speak(m, 1.0, 1.0) == 50
    m.speech_started(1.2)
    m.speech_stopped(2.0)
    assert acts(m) == [Act.MIC_OFF] and m.status is Status.THINKING and m.turns == 1
    answer(m, "r1", 2.5)
    assert m.status is Status.SPEAKING and not m.mic_frame(FRAME, 2.7)
    m.response_done("r1", 3.0)
    m.playback_finished(4.0)
    assert shown(m) == [(Act.EARCON, "listening")]
    assert m.status is Status.LISTENING and m.mic_frame(FRAME, 4.5)  # tail 300 ms passed
    assert m.next_deadline_s() == 9.0
    m.tick(9.0)
    assert acts(m) == [Act.MIC_OFF, Act.CLEAR_INPUT, Act.NOTE]
    assert m.status is Status.READY and not m.mic_frame(FRAME, 9.1)


def test_wake_follow_up_question_is_answered_without_the_word() -> None:
    """Speech inside the follow-up window is a new turn."""
    m = machine("wake", follow_up_s=5.0)
    m.wake_word(1.0)
    m.speech_started(1.1)
    m.speech_stopped(2.0)
    answer(m, "r1", 2.5)
    m.response_done("r1", 3.0)
    m.playback_finished(3.5)
    m.speech_started(5.0)
    m.actions_to_do()
    m.speech_stopped(6.0)
    assert acts(m) == [Act.MIC_OFF] and m.turns == 2 and m.status is Status.THINKING


def test_wake_with_nobody_speaking_goes_back_to_idle() -> None:
    """A false wake (nobody speaks for wake_listen_s) closes listening: nothing is sent."""
    m = machine("wake", mic_stall_s=100.0)
    m.wake_word(1.0)
    m.actions_to_do()
    m.tick(9.0)
    assert acts(m) == [Act.MIC_OFF, Act.CLEAR_INPUT, Act.NOTE] and m.turns == 0
    assert m.status is Status.READY


def test_wake_mode_button_talks_now_and_long_press_stops() -> None:
    """wake: a press listens without the word; a long press stops the assistant."""
    m = machine("wake")
    press(m, 1.0)
    assert m.status is Status.LISTENING
    m.speech_started(1.2)
    m.speech_stopped(2.0)
    answer(m, "r1", 2.2)
    m.actions_to_do()
    m.button(ButtonGesture(Gesture.LONG_PRESS, 3.0, held_s=2.0, long=True))
    assert acts(m)[:2] == [Act.FLUSH_SPEAKER, Act.INTERRUPT] and not m.busy


def test_wake_offline_turn_waits_in_the_outbox_with_the_notice() -> None:
    """Offline nothing ends a hands-free turn: when listening ends, what was said is the
    turn (kept in the outbox) and the offline notice plays."""
    m = machine("wake", mic_stall_s=100.0)
    m.link_changed(LinkState.OFFLINE, "reconnecting in 2 s", 0.5)
    m.wake_word(1.0)
    assert speak(m, 1.0, 2.0) == 100
    m.actions_to_do()
    m.tick(9.0)
    assert shown(m) == [(Act.NOTICE, "offline")]
    assert m.turns == 1 and m.busy


def test_sounds_for_sent_cancelled_error_and_the_notices() -> None:
    """hold: "sent" on a commit while live; "cancelled" on a cancel; "error" once when the
    status turns to error; the attention notice when a turn ends with the link stopped."""
    m = machine()
    press(m, 1.0)
    speak(m, 1.0, 1.0)
    m.actions_to_do()
    release(m, 2.0, 1.0)
    assert shown(m) == [(Act.EARCON, "sent")]
    m.command(TalkEvent.CANCEL, 2.5)
    assert shown(m) == [(Act.EARCON, "cancelled")]
    m.link_changed(LinkState.FAILED, "API key rejected", 3.0)
    assert shown(m) == [(Act.EARCON, "error")]
    press(m, 4.0)
    assert not m.mic_frame(FRAME, 4.1)  # the status says error: nothing leaves
    m.link_changed(LinkState.OFFLINE, "reconnecting", 4.2)
    speak(m, 4.2, 1.0)
    m.actions_to_do()
    release(m, 5.3, 1.3)
    got = m.actions_to_do()
    assert [(a.act, a.detail) for a in got if a.act in (Act.EARCON, Act.NOTICE)] == [
        (Act.NOTICE, "offline")
    ], got


def test_the_mute_switch_closes_the_capture_path() -> None:
    """Switch on: capture closed, status "muted (switch)", nothing forwarded, no stall, a
    press does nothing; switch off: capture opens again."""
    m = machine()
    press(m, 1.0)
    m.actions_to_do()
    m.command(TalkEvent.HARD_MUTE_ON, 1.5)
    assert acts(m) == [Act.MIC_OFF, Act.CLEAR_INPUT, Act.CAPTURE_OFF, Act.NOTE]
    assert m.status is Status.MUTED and m.detail == "muted (switch)"
    m.tick(60.0)
    assert m.watchdog_ok()
    press(m, 61.0)
    assert not m.turn_open and not m.mic_frame(FRAME, 61.1)
    assert [a.event for a in m.actions_to_do() if a.act is Act.NOTE] == ["muted"]
    m.command(TalkEvent.HARD_MUTE_OFF, 62.0)
    assert acts(m) == [Act.CAPTURE_ON, Act.NOTE] and m.status is Status.READY


def test_echo_cancel_lifts_the_gate_and_speech_interrupts() -> None:
    """vad with echo cancellation: frames flow during the answer, and speech over it stops
    it; without it the gate holds."""
    m = machine("vad", echo_cancel=True)
    answer(m, "r1", 1.0)
    assert m.status is Status.SPEAKING and m.mic_frame(FRAME, 1.2)
    m.actions_to_do()
    m.speech_started(1.5)
    assert acts(m) == [Act.FLUSH_SPEAKER, Act.INTERRUPT, Act.NOTE]
    gated = machine("vad", echo_cancel=False)
    answer(gated, "r1", 1.0)
    assert not gated.mic_frame(FRAME, 1.2)


def paces(m: ConversationMachine) -> list[int]:
    return [a.steps for a in m.actions_to_do() if a.act is Act.MIC_PACE]


@pytest.mark.parametrize(("mode", "rest_ms"), [("hold", 250), ("toggle", 250), ("wake", 80)])
def test_the_mic_is_read_in_bulk_at_rest_and_every_period_in_a_turn(
    mode: TalkMode, rest_ms: int
) -> None:
    """At rest the mic is read in bulk (few wake-ups); a turn reads every period; vad always
    every period (it always listens)."""
    m = ConversationMachine(TalkSettings(mode=mode, rest_read_ms=rest_ms), now_s=0.0)
    m.link_changed(LinkState.LIVE, "connected", 0.0)
    m.mic_opened(0.0)
    assert paces(m) == [rest_ms]
    if mode == "wake":
        m.wake_word(1.0)
    else:
        press(m, 1.0)
    assert paces(m) == [0]
    m.command(TalkEvent.CANCEL, 2.0)
    assert paces(m) == [rest_ms]
    vad = ConversationMachine(TalkSettings(mode="vad", rest_read_ms=0), now_s=0.0)
    vad.mic_opened(0.0)
    assert paces(vad) == [0]
