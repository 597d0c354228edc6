"""The conversation machine: the one place that decides the conversation. Pure, no I/O.

In the shape of websockets' sans-I/O protocol: inputs are timestamped events (button
gestures, commands, mic frames, the wake word, link state, response started/audio/done,
speech started/stopped, playback finished, audio faults), each fed through a method;
outputs are actions (voiced.core.acts), taken with `actions_to_do()` and carried out in
order by the daemon. Timers are the caller's job: after feeding anything, ask
`next_deadline_s()` and call `tick(now_s)` then.

It owns: the talk mode (and so what a gesture means), the turn (one notion of "turn open",
shared by buttons, keys, `voiced ctl` and the wake word), the 100 ms minimum commit (counted
per turn from the frames it let through, whatever the link does meanwhile: frames kept in
the outbox count), the barge-in order (flush → cancel + truncate → clear), the half-duplex
gate, "assistant busy", mute (soft and the switch), earcons and notices, mic liveness (what
the watchdog reports) and the status.

Privacy: a frame is let through only while the status shown is listening, or, in vad, while
the appliance is live, unmuted and (with echo cancellation) possibly talking.
"""

from __future__ import annotations

from collections import deque

from voiced.core.acts import Act, Action, TalkSettings
from voiced.core.gestures import meaning
from voiced.core.protocol import BYTES_PER_MS, MIN_COMMIT_MS
from voiced.core.status import ButtonGesture, LinkState, Status, TalkEvent

MIN_COMMIT_BYTES = MIN_COMMIT_MS * BYTES_PER_MS
#: Responses remembered as stopped (their late audio is dropped); bounded over months.
STOPPED_IDS_KEPT = 8

__all__ = ["MIN_COMMIT_BYTES", "Act", "Action", "ConversationMachine", "TalkSettings"]


class ConversationMachine:
    """See the module docstring. Every input method takes the time it happened at."""

    def __init__(self, settings: TalkSettings, *, now_s: float) -> None:
        self.settings = settings
        self.link = LinkState.IDLE
        self.link_detail = "connecting"
        self.ever_live = False
        self.live_since_s = now_s
        self.turn_open_at_s: float | None = None
        self.turn_bytes = 0
        """Mic audio forwarded in the open turn."""
        self.muted = False
        self.hard_muted = False
        """The mute switch is on: the capture device is closed."""
        self.heard_speech = False
        """wake: the server heard the person start since listening opened."""
        self.listen_until_s: float | None = None
        """wake: listening ends here unless the person starts speaking."""
        self.awaiting_since_s: float | None = None
        """A turn was sent and no response has started yet."""
        self.response_id: str | None = None
        self.playing = False
        self.played_until_s: float | None = None
        self._cancel_next_response = False
        self._stopped: deque[str] = deque(maxlen=STOPPED_IDS_KEPT)
        self.audio_problem: str | None = None
        self.mic_open = False
        self.last_mic_s = now_s
        self.stalled = False
        self.stall_text = ""
        self._pace_ms: int | None = None
        self.turns = 0
        """Turns sent (committed) since start."""
        self.status = Status.STARTING
        self.detail = "starting"
        self._actions: list[Action] = []

    # ---- outputs ------------------------------------------------------------------------

    def actions_to_do(self) -> list[Action]:
        """The actions decided since the last call, in the order to carry them out."""
        actions, self._actions = self._actions, []
        return actions

    @property
    def has_actions(self) -> bool:
        return bool(self._actions)

    @property
    def turn_open(self) -> bool:
        return self.turn_open_at_s is not None

    @property
    def busy(self) -> bool:
        """The assistant is answering: a turn was sent, a response runs, or it is heard."""
        return self.awaiting_since_s is not None or self.response_id is not None or self.playing

    def watchdog_ok(self) -> bool:
        """The daemon does what its status says (a stalled mic is not; a known fault is)."""
        return not self.stalled

    def next_deadline_s(self) -> float | None:
        s = self.settings
        deadlines: list[float] = []
        if self.turn_open_at_s is not None:
            deadlines.append(self.turn_open_at_s + s.max_turn_s)
        if self.listen_until_s is not None:
            deadlines.append(self.listen_until_s)
        if self.mic_open and self.audio_problem is None and not self.stalled:
            deadlines.append(self.last_mic_s + s.mic_stall_s)
        if self.awaiting_since_s is not None and self.link is LinkState.LIVE:
            deadlines.append(max(self.awaiting_since_s, self.live_since_s) + s.answer_timeout_s)
        return min(deadlines) if deadlines else None

    # ---- inputs: people -----------------------------------------------------------------

    def button(self, gesture: ButtonGesture) -> None:
        """The talk button's gesture, read in the current mode."""
        for event in meaning(self.settings.mode, gesture, tap_s=self.settings.tap_s):
            self._command(event, gesture.at_s, tap=gesture.held_s < self.settings.tap_s)
        self._show(gesture.at_s)

    def command(self, event: TalkEvent, now_s: float) -> None:
        """A request from `voiced ctl`, a key or an extra button."""
        self._command(event, now_s)
        self._show(now_s)

    def _command(self, event: TalkEvent, now_s: float, *, tap: bool = False) -> None:
        if event is TalkEvent.VOLUME_UP or event is TalkEvent.VOLUME_DOWN:
            self._do(Act.VOLUME, steps=1 if event is TalkEvent.VOLUME_UP else -1)
        elif event is TalkEvent.MUTE_TOGGLE:
            self._toggle_mute()
        elif event is TalkEvent.CANCEL:
            self._cancel(tap=tap)
        elif event is TalkEvent.TOGGLE_TURN:
            self._command(TalkEvent.TALK_END if self.turn_open else TalkEvent.TALK_START, now_s)
        elif event is TalkEvent.TALK_START:
            self._talk_start(now_s)
        elif event is TalkEvent.TALK_END:
            self._talk_end(now_s)
        elif event is TalkEvent.HARD_MUTE_ON or event is TalkEvent.HARD_MUTE_OFF:
            self._hard_mute(event is TalkEvent.HARD_MUTE_ON)

    def wake_word(self, now_s: float) -> None:
        """wake: the detector heard the wake word (the daemon then sends its pre-roll)."""
        if self.settings.mode == "wake":
            self._talk_start(now_s)
        self._show(now_s)

    def _talk_start(self, now_s: float) -> None:
        if self.muted or self.hard_muted:
            self._note("muted", "muted: unmute to talk")
            return
        mode = self.settings.mode
        if mode == "vad":
            if self.busy:  # hands-free: "let me talk" stops the assistant
                self._stop_assistant()
            return
        if self.turn_open:
            if mode == "wake" and not self.heard_speech:
                self.listen_until_s = now_s + self.settings.wake_listen_s
            return
        if self.busy:
            self._stop_assistant()
            self._do(Act.CLEAR_INPUT)
        self._open(now_s, listen_s=self.settings.wake_listen_s)

    def _pace(self) -> None:
        """Read the mic every period while a turn is open (or always, in vad), in bulk at
        rest: the appliance costs almost nothing while nobody talks."""
        if not self.mic_open:
            return
        pace_ms = 0 if self.turn_open or self.settings.mode == "vad" else self.settings.rest_read_ms
        if pace_ms != self._pace_ms:
            self._pace_ms = pace_ms
            self._do(Act.MIC_PACE, steps=pace_ms)

    def _open(self, now_s: float, *, listen_s: float) -> None:
        self.turn_open_at_s = now_s
        self.turn_bytes = 0
        if self.settings.mode == "wake":
            self.heard_speech = False
            self.listen_until_s = now_s + listen_s
            self._do(Act.EARCON, detail="listening")
        self._pace()
        self._do(Act.MIC_ON)

    def _close(self) -> None:
        self.turn_open_at_s = None
        self.listen_until_s = None
        self._do(Act.MIC_OFF)
        self._pace()

    def _talk_end(self, now_s: float) -> None:
        mode = self.settings.mode
        if mode == "vad" or self.turn_open_at_s is None:
            return
        self._close()
        if mode == "wake":  # the server ends a hands-free turn; stopping early drops it
            self._do(Act.CLEAR_INPUT)
            self._note("cancel", "stopped listening")
            return
        if self.turn_bytes < MIN_COMMIT_BYTES:
            self._do(Act.CLEAR_INPUT)
            heard_ms = self.turn_bytes / BYTES_PER_MS
            if heard_ms == 0 and self.audio_problem is not None:
                self._note("turn_short", f"nothing heard: {self.audio_problem}")
            else:
                self._note(
                    "turn_short",
                    f"turn too short ({heard_ms:.0f} ms < {MIN_COMMIT_MS} ms): not sent",
                )
            return
        self._do(Act.COMMIT, detail=f"{self.turn_bytes / BYTES_PER_MS:.0f} ms")
        self._sent(now_s)

    def _sent(self, now_s: float) -> None:
        """A turn left (or waits in the outbox): the sound for it, or the notice why no
        answer comes soon."""
        self.turns += 1
        self.awaiting_since_s = now_s
        if self.link is LinkState.FAILED:
            self._do(Act.NOTICE, detail="attention")
        elif self.link is not LinkState.LIVE:
            self._do(Act.NOTICE, detail="offline")
        else:
            self._do(Act.EARCON, detail="sent")

    def _cancel(self, *, tap: bool) -> None:
        busy, had_turn = self.busy, self.turn_open
        if busy:
            self._stop_assistant()
        if had_turn:
            self._close()
        if had_turn or self.settings.mode == "vad":
            self._do(Act.CLEAR_INPUT)
        if busy or had_turn:
            self._note("cancel", "tap: nothing sent" if tap else "cancelled")
            if not tap:
                self._do(Act.EARCON, detail="cancelled")

    def _toggle_mute(self) -> None:
        if self.muted:
            self.muted = False
            self._note("unmute", "unmuted")
            return
        if self.turn_open:  # muting means "stop listening": the open turn is dropped
            self._close()
            self._do(Act.CLEAR_INPUT)
        self.muted = True
        self._note("mute", "muted")

    def _hard_mute(self, on: bool) -> None:
        if on == self.hard_muted:
            return
        self.hard_muted = on
        if on:
            if self.turn_open:
                self._close()
                self._do(Act.CLEAR_INPUT)
            self.mic_open = False  # closed on purpose: not a stall
            self._do(Act.CAPTURE_OFF)
            self._note("mute", "muted by the switch: the microphone is closed")
        else:
            self._do(Act.CAPTURE_ON)
            self._note("unmute", "mute switch off: the microphone opens again")

    def _stop_assistant(self) -> None:
        """Barge-in: flush the speaker, then cancel + truncate what was heard."""
        if self.response_id is None and self.awaiting_since_s is not None:
            self._cancel_next_response = True  # sent, not started: stop it when it starts
        if self.response_id is not None:
            self._stopped.append(self.response_id)
        self._do(Act.FLUSH_SPEAKER)
        self._do(Act.INTERRUPT)
        self.response_id = None
        self.awaiting_since_s = None
        self.playing = False

    # ---- inputs: audio ------------------------------------------------------------------

    def mic_frame(self, nbytes: int, now_s: float) -> bool:
        """A captured frame arrived: forward it to the session? (Every frame comes here,
        forwarded or not: that is how the mic counts as alive.)"""
        self.last_mic_s = now_s
        if self.stalled:
            self.stalled = False
            self._show(now_s)
        if self.muted or self.hard_muted:
            return False
        # Only while the status shown says the appliance listens (privacy, by construction).
        status = self.status
        if self.settings.mode == "vad":
            talking = status is Status.SPEAKING and not self.settings.gate
            return (status is Status.LISTENING or talking) and not self._gated(now_s)
        if self.turn_open_at_s is None or status is not Status.LISTENING or self._gated(now_s):
            return False
        self.turn_bytes += nbytes
        return True

    def _gated(self, now_s: float) -> bool:
        """The half-duplex gate (hands-free modes only): closed while the assistant speaks
        and for echo_tail_ms after."""
        if not self.settings.gate:
            return False
        if self.playing:
            return True
        until = self.played_until_s
        return until is not None and (now_s - until) * 1000.0 < self.settings.echo_tail_ms

    def mic_opened(self, now_s: float) -> None:
        self.mic_open = True
        self.last_mic_s = now_s
        self._pace_ms = None  # a new device: tell it
        self._pace()
        self._show(now_s)

    def audio_fault(self, problem: str | None, now_s: float) -> None:
        """A device is lost and being reopened (`problem`), or works again (None). A known
        fault is not a stall."""
        self.audio_problem = problem
        self.last_mic_s = now_s
        self._show(now_s)

    def playback_finished(self, now_s: float) -> None:
        """The speaker played everything it was given."""
        if self.playing:
            self.playing = False
            self.played_until_s = now_s
            s = self.settings
            quiet = not (self.busy or self.turn_open or self.muted or self.hard_muted)
            if s.mode == "wake" and s.follow_up_s > 0 and quiet:
                self._open(now_s, listen_s=s.follow_up_s)  # a follow-up needs no wake word
            self._show(now_s)

    # ---- inputs: the session ------------------------------------------------------------

    def link_changed(self, state: LinkState, detail: str, now_s: float) -> None:
        self.link, self.link_detail = state, detail
        if state is LinkState.LIVE:
            self.ever_live = True
            self.live_since_s = now_s
        self._show(now_s)

    def response_started(self, response_id: str, now_s: float) -> None:
        if self._cancel_next_response:
            self._cancel_next_response = False
            self._stopped.append(response_id)
            self.response_id = response_id
            self._do(Act.INTERRUPT)  # the answer to a turn the person talked over
            self.response_id = None
            return
        if response_id in self._stopped:
            return
        self.response_id = response_id
        self.awaiting_since_s = None
        self._show(now_s)

    def response_audio(self, response_id: str, now_s: float) -> bool:
        """Audio of `response_id` arrived: play it? (Not when that response was stopped.)"""
        if response_id in self._stopped:
            return False
        if self.response_id is None:
            self.response_id = response_id
        self.awaiting_since_s = None
        if not self.playing:
            self.playing = True
            self._show(now_s)
        return True

    def response_done(self, response_id: str, now_s: float) -> None:
        if response_id == self.response_id:
            self.response_id = None
        if response_id not in self._stopped:
            self.awaiting_since_s = None
        self._show(now_s)

    def speech_started(self, now_s: float) -> None:
        """The server heard the person start talking; over the assistant, that stops it."""
        if self.settings.mode == "wake" and self.turn_open:
            self.heard_speech = True
            self.listen_until_s = None
        if self.settings.hands_free and self.playing:
            self._stop_assistant()
            self._note("barge_in", "interrupted by voice")
        self._show(now_s)

    def speech_stopped(self, now_s: float) -> None:
        """The server heard the person stop: in wake mode that ends the turn (the server
        commits it and answers)."""
        if self.settings.mode == "wake" and self.turn_open and self.heard_speech:
            self._close()
            self._sent(now_s)
        self._show(now_s)

    # ---- time and configuration ---------------------------------------------------------

    def tick(self, now_s: float) -> None:
        s = self.settings
        until = self.listen_until_s
        if until is not None and now_s >= until and self.turn_open:
            self._listen_timeout(now_s)
        opened = self.turn_open_at_s
        if opened is not None and now_s >= opened + s.max_turn_s:
            self._note("turn_max", f"turn reached talk.max_turn_s ({s.max_turn_s:g} s): sent")
            self._talk_end(now_s)
        if (
            self.mic_open
            and self.audio_problem is None
            and not self.stalled
            and now_s - self.last_mic_s > s.mic_stall_s
        ):
            self.stalled = True
            self.stall_text = f"no audio from the microphone for {now_s - self.last_mic_s:.0f} s"
            self._note("audio_stalled", self.stall_text)
        waiting = self.awaiting_since_s
        if (
            waiting is not None
            and self.link is LinkState.LIVE
            and now_s - max(waiting, self.live_since_s) >= s.answer_timeout_s
        ):
            self.awaiting_since_s = None
            self._note("no_answer", f"no answer from the server in {s.answer_timeout_s:g} s")
        self._show(now_s)

    def _listen_timeout(self, now_s: float) -> None:
        """wake: nobody spoke in time. Offline nothing can say the turn ended: what was said
        waits in the outbox as the turn, and the notice says so."""
        self._close()
        if self.link is not LinkState.LIVE and self.turn_bytes >= MIN_COMMIT_BYTES:
            self._sent(now_s)
            return
        self._do(Act.CLEAR_INPUT)
        self._note("listen_end", "nothing said: waiting for the wake word")

    def reconfigure(self, settings: TalkSettings, now_s: float) -> None:
        """A reload: the new mode governs gestures, the gate and the turn from now on."""
        if settings.mode != self.settings.mode and self.turn_open:
            self._close()
            self._do(Act.CLEAR_INPUT)
        self.settings = settings
        self._pace()
        self._show(now_s)

    # ---- status -------------------------------------------------------------------------

    def _derive(self, now_s: float) -> tuple[Status, str]:
        if self.link is LinkState.FAILED:
            return Status.ERROR, f"error: {self.link_detail}"
        if self.audio_problem is not None:
            return Status.ERROR, f"error: {self.audio_problem}"
        if self.stalled:
            return Status.ERROR, f"error: {self.stall_text}"
        if self.hard_muted:
            return Status.MUTED, "muted (switch)"
        if self.muted:
            return Status.MUTED, "muted"
        live = self.link is LinkState.LIVE
        if self.turn_open:
            return Status.LISTENING, "connected, listening" if live else "listening (offline)"
        if not live:
            status = Status.OFFLINE if self.ever_live else Status.CONNECTING
            return status, self.link_detail or status.value
        if self.playing:
            status = Status.SPEAKING
        elif self.settings.mode == "vad":
            status = Status.LISTENING  # the mic is live: say so, busy or not
        elif self.busy:
            status = Status.THINKING
        else:
            status = Status.READY
        return status, f"connected, {status.value}"

    def _show(self, now_s: float) -> None:
        status, detail = self._derive(now_s)
        if status is Status.ERROR and self.status is not Status.ERROR:
            self._do(Act.EARCON, detail="error")
        if status is not self.status or detail != self.detail:
            self.status, self.detail = status, detail
            self._do(Act.STATUS, status=status, detail=detail)

    def _do(
        self, act: Act, *, status: Status | None = None, detail: str = "", steps: int = 0
    ) -> None:
        self._actions.append(Action(act, status=status, detail=detail, steps=steps))

    def _note(self, event: str, detail: str) -> None:
        self._actions.append(Action(Act.NOTE, event=event, detail=detail))
