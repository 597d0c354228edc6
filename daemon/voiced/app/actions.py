"""Carry out the conversation machine's actions: the speaker, the panel, STATUS= and the
journal at once on the loop; the voice's calls (and mic frames) in order through one queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable

from voiced.app.notify import Notifier
from voiced.app.sounds import Sounds
from voiced.core.machine import Act, Action, ConversationMachine
from voiced.core.status import Status
from voiced.errors import RealtimeError
from voiced.ports import Microphone, Panel, Speaker
from voiced.voice import RealtimeVoice

log = logging.getLogger(__name__)

#: Mic frames waiting for the sender (10 s at 20 ms); past that the oldest are dropped.
MAX_QUEUED_FRAMES = 500

Job = bytes | tuple[Act, int | None]


class Carrier:
    """The one place the machine's decisions turn into I/O."""

    def __init__(
        self,
        machine: ConversationMachine,
        voice: RealtimeVoice,
        speaker: Speaker | None,
        panel: Panel,
        notifier: Notifier,
        *,
        mic: Microphone | None = None,
        sounds: Sounds | None = None,
        on_capture: Callable[[bool], None] | None = None,
    ) -> None:
        """sounds: earcons and notices (None: silent). on_capture: open (True) or close
        (False) the capture device, for the mute switch."""
        self.machine = machine
        self.voice = voice
        self.speaker = speaker
        self.panel = panel
        self.notifier = notifier
        self.mic = mic
        self.sounds = sounds
        self.on_capture = on_capture
        self.stopping = False
        self._sound_ids = 0
        self.dropped_frames = 0
        self._jobs: deque[Job] = deque()
        self._frames = 0
        self._ready = asyncio.Event()
        self._played_ms: int | None = None
        self._shown: Status | None = None

    # ---- at once, on the loop -----------------------------------------------------------

    def carry_out(self, actions: list[Action]) -> None:
        for action in actions:
            act = action.act
            if act is Act.STATUS:
                self._show(action)
            elif act is Act.FLUSH_SPEAKER:
                self._played_ms = self.speaker.flush() if self.speaker is not None else None
            elif act is Act.INTERRUPT:
                self._queue((act, self._played_ms))
                self._played_ms = None
            elif act is Act.COMMIT:
                log.info("turn sent (%s)", action.detail, extra={"VOICED_EVENT": "turn_end"})
                self._queue((act, None))
            elif act is Act.CLEAR_INPUT:
                self._queue((act, None))
            elif act is Act.MIC_ON:
                log.info("listening", extra={"VOICED_EVENT": "turn_start"})
            elif act is Act.MIC_PACE:
                if self.mic is not None:
                    self.mic.pace(action.steps)
            elif act is Act.VOLUME:
                self._volume(action.steps)
            elif act is Act.EARCON or act is Act.NOTICE:
                self._play_sound(act, action.detail)
            elif act is Act.CAPTURE_OFF or act is Act.CAPTURE_ON:
                if self.on_capture is not None:
                    self.on_capture(act is Act.CAPTURE_ON)
            elif act is Act.NOTE:
                log.info("%s", action.detail, extra={"VOICED_EVENT": action.event})

    def _show(self, action: Action) -> None:
        status = action.status
        assert status is not None
        if self.stopping:
            return  # the last STATUS= stays "stopping"
        if status is not self._shown:
            self._shown = status
            log.info(
                "status %s",
                status.value,
                extra={"VOICED_EVENT": "status", "VOICED_STATUS": status.value},
            )
            self.panel.show(status)
        self.notifier.status(action.detail)

    def _play_sound(self, act: Act, name: str) -> None:
        """An earcon or a notice, through the speaker path (so echo cancellation hears it)."""
        if self.sounds is None or self.speaker is None:
            return
        pcm = self.sounds.earcon(name) if act is Act.EARCON else self.sounds.notice(name)
        if not pcm:
            return
        if act is Act.NOTICE:
            log.info("notice: %s", name, extra={"VOICED_EVENT": "notice"})
        self._sound_ids += 1
        sound_id = f"sound_{self._sound_ids}_{name}"
        self.speaker.play(sound_id, pcm)
        self.speaker.finish(sound_id)

    def _volume(self, steps: int) -> None:
        percent = self.speaker.step_volume(steps) if self.speaker is not None else None
        if percent is None:
            log.info("no volume control on this speaker")
        else:
            log.info("volume %d%%", percent, extra={"VOICED_EVENT": "volume"})

    # ---- in order, through the sender ---------------------------------------------------

    def send_audio(self, frame: bytes) -> None:
        """A mic frame the machine let through: to the session, after what came before."""
        if self._frames >= MAX_QUEUED_FRAMES:
            self.dropped_frames += 1
            if self.dropped_frames == 1:  # once per episode; the sender says when it ends
                log.warning(
                    "the session is not taking audio: dropping mic frames",
                    extra={"VOICED_EVENT": "audio_drop"},
                )
            return
        self._frames += 1
        self._queue(frame)

    def _queue(self, job: Job) -> None:
        self._jobs.append(job)
        self._ready.set()

    async def run_sender(self) -> None:
        """The one task that calls the voice: frames and requests, in the order decided."""
        while True:
            await self._ready.wait()
            while self._jobs:
                job = self._jobs.popleft()
                try:
                    await self._send(job)
                except RealtimeError as exc:
                    level = logging.DEBUG if isinstance(job, bytes) else logging.WARNING
                    log.log(level, "%s not sent: %s", _what(job), exc)
            self._ready.clear()
            if self.dropped_frames:
                log.info(
                    "the session takes audio again (%d mic frames were dropped)",
                    self.dropped_frames,
                )
                self.dropped_frames = 0

    async def _send(self, job: Job) -> None:
        if isinstance(job, bytes):
            self._frames -= 1
            await self.voice.send(job)
            return
        act, played_ms = job
        if act is Act.COMMIT:
            await self.voice.answer()
        elif act is Act.CLEAR_INPUT:
            await self.voice.clear_input()
        elif act is Act.INTERRUPT:
            await self.voice.interrupt(played_ms)

    async def replace_voice(
        self,
        voice: RealtimeVoice,
        *,
        unwire: Callable[[RealtimeVoice], None],
        wire: Callable[[RealtimeVoice], None],
    ) -> None:
        """A reloaded configuration: close the old session (its events no longer reach the
        machine), then wire and use the new one. Frames queued for the old one are dropped."""
        old, self.voice = self.voice, voice
        unwire(old)
        self._jobs = deque(j for j in self._jobs if not isinstance(j, bytes))
        self._frames = 0
        if self.speaker is not None:
            self.speaker.flush()
        with contextlib.suppress(RealtimeError):
            await old.close()
        wire(voice)


def _what(job: Job) -> str:
    return "mic frame" if isinstance(job, bytes) else job[0].value
