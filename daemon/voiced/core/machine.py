"""The conversation machine: the one place that decides the conversation. Pure, no I/O.

In the shape of websockets' sans-I/O protocol: inputs are timestamped events (button
gestures, commands, mic frames, link state, response started/audio/done, speech started,
playback finished, audio faults), each fed through a method; outputs are actions, taken
with `actions_to_do()` and carried out in order by the daemon. Timers are the caller's
job: after feeding anything, ask `next_deadline_s()` and call `tick(now_s)` then.

It owns: the talk mode (and so what a gesture means), the turn (one notion of "turn open",
shared by buttons, keys and `voiced ctl`), the 100 ms minimum commit (counted per turn from
the frames it let through, whatever the link does meanwhile: frames kept in the outbox
count), the barge-in order (flush → cancel + truncate → clear), the half-duplex mic gate,
"assistant busy", mic liveness (what the watchdog reports) and the status.
"""

from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass

from voiced.config import Config
from voiced.config.talk import TalkMode
from voiced.core.gestures import meaning
from voiced.core.protocol import BYTES_PER_MS, MIN_COMMIT_MS
from voiced.core.status import ButtonGesture, LinkState, Status, TalkEvent

MIN_COMMIT_BYTES = MIN_COMMIT_MS * BYTES_PER_MS
#: Responses remembered as stopped (their late audio is dropped); bounded over months.
STOPPED_IDS_KEPT = 8


class Act(enum.Enum):
    MIC_ON = "mic_on"
    """A turn opened: frames are forwarded from now on (mic_frame() says so per frame)."""
    MIC_OFF = "mic_off"
    """The turn closed: frames are no longer forwarded."""
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
    """What the machine needs of the configuration ([talk], audio.echo_tail_ms)."""

    mode: TalkMode = "hold"
    tap_s: float = 0.3
    """hold: a press released sooner is a tap: it sends nothing, only stops the assistant."""
    max_turn_s: float = 120.0
    """A turn held open this long is sent."""
    half_duplex: bool = True
    """vad: do not forward the mic while the assistant speaks (and `echo_tail_ms` after)."""
    echo_tail_ms: float = 300.0
    mic_stall_s: float = 5.0
    """An open mic silent this long (no frames, no known fault) is a stall."""
    answer_timeout_s: float = 30.0
    """A sent turn with no response this long after the link is live is given up."""

    @classmethod
    def of(cls, config: Config) -> TalkSettings:
        talk = config.talk
        return cls(
            mode=talk.mode,
            tap_s=talk.tap_s,
            max_turn_s=talk.max_turn_s,
            half_duplex=talk.half_duplex,
            echo_tail_ms=config.audio.echo_tail_ms,
        )


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

    def _talk_start(self, now_s: float) -> None:
        if self.muted:
            self._note("muted", "muted: unmute to talk")
            return
        if self.settings.mode == "vad":
            if self.busy:  # hands-free: "let me talk" stops the assistant
                self._stop_assistant()
            return
        if self.turn_open:
            return
        if self.busy:
            self._stop_assistant()
            self._do(Act.CLEAR_INPUT)
        self.turn_open_at_s = now_s
        self.turn_bytes = 0
        self._do(Act.MIC_ON)

    def _talk_end(self, now_s: float) -> None:
        if self.settings.mode == "vad" or self.turn_open_at_s is None:
            return
        self.turn_open_at_s = None
        self._do(Act.MIC_OFF)
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
        self.turns += 1
        self.awaiting_since_s = now_s
        self._do(Act.COMMIT, detail=f"{self.turn_bytes / BYTES_PER_MS:.0f} ms")

    def _cancel(self, *, tap: bool) -> None:
        busy, had_turn = self.busy, self.turn_open
        if busy:
            self._stop_assistant()
        if had_turn:
            self.turn_open_at_s = None
            self._do(Act.MIC_OFF)
        if had_turn or self.settings.mode == "vad":
            self._do(Act.CLEAR_INPUT)
        if busy or had_turn:
            self._note("cancel", "tap: nothing sent" if tap else "cancelled")

    def _toggle_mute(self) -> None:
        if self.muted:
            self.muted = False
            self._note("unmute", "unmuted")
            return
        if self.turn_open:  # muting means "stop listening": the open turn is dropped
            self.turn_open_at_s = None
            self._do(Act.MIC_OFF)
            self._do(Act.CLEAR_INPUT)
        self.muted = True
        self._note("mute", "muted")

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
        if self.muted:
            return False
        if self.settings.mode == "vad":
            return not self._gated(now_s)
        if self.turn_open_at_s is None:
            return False
        self.turn_bytes += nbytes
        return True

    def _gated(self, now_s: float) -> bool:
        s = self.settings
        if not s.half_duplex:
            return False
        if self.playing:
            return True
        until = self.played_until_s
        return until is not None and (now_s - until) * 1000.0 < s.echo_tail_ms

    def mic_opened(self, now_s: float) -> None:
        self.mic_open = True
        self.last_mic_s = now_s
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
        """The server heard the user start talking (vad): over the assistant, that stops it."""
        if self.settings.mode == "vad" and self.playing:
            self._stop_assistant()
            self._note("barge_in", "interrupted by voice")
            self._show(now_s)

    # ---- time and configuration ---------------------------------------------------------

    def tick(self, now_s: float) -> None:
        s = self.settings
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

    def reconfigure(self, settings: TalkSettings, now_s: float) -> None:
        """A reload: the new mode governs gestures, the gate and the turn from now on."""
        if settings.mode != self.settings.mode and self.turn_open:
            self.turn_open_at_s = None
            self._do(Act.MIC_OFF)
            self._do(Act.CLEAR_INPUT)
        self.settings = settings
        self._show(now_s)

    # ---- status -------------------------------------------------------------------------

    def _derive(self, now_s: float) -> tuple[Status, str]:
        if self.link is LinkState.FAILED:
            return Status.ERROR, f"error: {self.link_detail}"
        if self.audio_problem is not None:
            return Status.ERROR, f"error: {self.audio_problem}"
        if self.stalled:
            return Status.ERROR, f"error: {self.stall_text}"
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
        elif self.busy:
            status = Status.THINKING
        else:
            status = Status.LISTENING if self.settings.mode == "vad" else Status.READY
        return status, f"connected, {status.value}"

    def _show(self, now_s: float) -> None:
        status, detail = self._derive(now_s)
        if status is not self.status or detail != self.detail:
            self.status, self.detail = status, detail
            self._do(Act.STATUS, status=status, detail=detail)

    def _do(
        self, act: Act, *, status: Status | None = None, detail: str = "", steps: int = 0
    ) -> None:
        self._actions.append(Action(act, status=status, detail=detail, steps=steps))

    def _note(self, event: str, detail: str) -> None:
        self._actions.append(Action(Act.NOTE, event=event, detail=detail))
