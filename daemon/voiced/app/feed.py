"""Everything the parts report, into the conversation machine, with the time it happened;
then what the machine decided, out through the Carrier. On the event loop only."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from voiced.app.actions import Carrier
from voiced.core.machine import ConversationMachine
from voiced.core.status import ButtonGesture, LinkState, PanelInput
from voiced.panel.timer import DeadlineTimer
from voiced.ports import Microphone, Speaker
from voiced.voice import RealtimeVoice

if TYPE_CHECKING:  # the hands-free adapters are imported only where they are used
    from voiced.audio.aec import EchoCanceller
    from voiced.audio.wake import WakeWordDetector

log = logging.getLogger(__name__)


class Feed:
    """The machine's inputs: panel and control requests, voice events, mic frames, audio
    faults, playback ends and its own deadlines."""

    def __init__(
        self,
        machine: ConversationMachine,
        carrier: Carrier,
        speaker: Speaker | None,
        clock: Callable[[], float],
    ) -> None:
        self.machine = machine
        self.carrier = carrier
        self.speaker = speaker
        self._clock = clock
        self._timer: DeadlineTimer | None = None
        self._handlers: dict[str, Callable[..., None]] = {}
        self.canceller: EchoCanceller | None = None
        """Echo cancellation of each frame before anything else sees it (set once the
        speaker's rate is known)."""
        self.detector: WakeWordDetector | None = None
        """wake mode: the wake-word detector, fed while the appliance is not listening."""
        if speaker is not None:
            speaker.when_finished = lambda: self.feed(machine.playback_finished)

    def start_timer(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = DeadlineTimer(loop, self._clock, self.machine.next_deadline_s, self.tick)

    def stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def feed(self, method: Callable[..., None], *args: Any) -> None:
        """Call a machine input with the time now, then carry out what it decided."""
        method(*args, self._clock())
        self.after()

    def after(self) -> None:
        self.carrier.carry_out(self.machine.actions_to_do())
        if self._timer is not None:
            self._timer.rearm()

    def tick(self, now_s: float) -> None:
        self.machine.tick(now_s)
        self.after()

    def on_input(self, event: PanelInput) -> None:
        """From the panel and the control socket (always on the loop's thread)."""
        if isinstance(event, ButtonGesture):
            self.machine.button(event)  # stamped where the edge happened
            self.after()
        else:
            self.feed(self.machine.command, event)

    # ---- the voice ----------------------------------------------------------------------

    def wire(self, voice: RealtimeVoice) -> None:
        m = self.machine
        self._handlers = {
            "state": lambda state, detail: self.feed(m.link_changed, LinkState(state), detail),
            "response_started": lambda rid: self.feed(m.response_started, rid),
            "speaking": self._on_audio,
            "response_done": self._on_response_done,
            "speech_started": lambda: self.feed(m.speech_started),
            "speech_stopped": lambda: self.feed(m.speech_stopped),
            "writing": self._on_writing,
        }
        for event, handler in self._handlers.items():
            voice.on(event, handler)

    def unwire(self, voice: RealtimeVoice) -> None:
        for event, handler in self._handlers.items():
            voice.off(event, handler)

    def _on_audio(self, pcm: bytes, response_id: str) -> None:
        if self.machine.response_audio(response_id, self._clock()) and self.speaker is not None:
            self.speaker.play(response_id, pcm)
        self.after()

    def _on_response_done(self, response_id: str, status: str) -> None:
        if self.speaker is not None:
            self.speaker.finish(response_id)
        log.info(
            "response %s",
            status,
            extra={"VOICED_EVENT": "response_done", "VOICED_RESPONSE_STATUS": status},
        )
        self.feed(self.machine.response_done, response_id)
        if self.speaker is None or not self.speaker.is_playing():
            self.feed(self.machine.playback_finished)  # nothing (left) to hear

    def _on_writing(self, text: str, role: str) -> None:
        if role == "user":
            log.info(
                "heard: %s", text[:200], extra={"VOICED_EVENT": "transcript", "VOICED_ROLE": role}
            )

    # ---- audio --------------------------------------------------------------------------

    def on_audio_fault(self, err: object) -> None:
        """A device was lost (being reopened), or works again (None)."""
        problem = None if err is None else str(err)
        if problem is None and self.machine.audio_problem is not None:
            log.info("audio works again", extra={"VOICED_EVENT": "audio_ok"})
        elif problem is not None:
            # The first report of a problem at ERROR; the same again (every retry) at DEBUG.
            same = problem == self.machine.audio_problem
            log.log(
                logging.DEBUG if same else logging.ERROR,
                "audio: %s",
                problem,
                extra={"VOICED_EVENT": "audio_fault"},
            )
        self.feed(self.machine.audio_fault, problem)

    async def pump_mic(self, mic: Microphone, frame_s: float) -> None:
        """Every captured frame: echo-cancelled, heard by the wake-word detector while not
        listening, then to the machine; those it lets through, to the session. Returns when
        the microphone is stopped."""
        machine, send, clock = self.machine, self.carrier.send_audio, self._clock
        async for captured in mic.frames():
            now_s = clock()
            frame = captured
            if self.canceller is not None:
                frame = self.canceller.process(captured, captured_at_s=now_s - frame_s)
                if not frame:
                    continue
            woke = self.detector is not None and self._wake(frame, now_s)
            if machine.mic_frame(len(frame), now_s) and not woke:
                send(frame)
            if machine.has_actions:  # a stall just ended: show it
                self.after()

    def _wake(self, frame: bytes, now_s: float) -> bool:
        """Feed the detector while nothing is forwarded; on the wake word, open listening and
        send what was said after it (this frame included)."""
        detector, machine = self.detector, self.machine
        assert detector is not None
        if machine.settings.mode != "wake" or machine.turn_open:
            return False
        for detection in detector.feed(frame):
            log.info(
                "wake word %r (%.2f)",
                detection.wake_word,
                detection.probability,
                extra={"VOICED_EVENT": "wake", "VOICED_MODEL": detection.model},
            )
            machine.wake_word(now_s)
            self.after()
            if machine.turn_open:
                self.carrier.send_audio(detector.preroll(detection))
                detector.reset()
                return True
        return False
