"""The daemon: wires voice, mic, speaker and panel; talks to systemd; never dies quietly.

Only the event loop touches the talk machine and the voice. Adapters deliver into the loop
(the panel's `on_talk` runs on the loop; the mic's frames are an async iterator).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from voiced.app.control import ControlServer
from voiced.app.notify import Notifier
from voiced.config import Config
from voiced.core.status import Status, TalkEvent
from voiced.core.talk import Action, Phase, TalkMachine, derive_status
from voiced.errors import RealtimeError, VoicedError
from voiced.ports import Microphone, Panel, Speaker
from voiced.voice import RealtimeVoice

log = logging.getLogger(__name__)

#: How long without a mic frame before the audio path counts as stalled (watchdog).
MIC_STALL_S = 5.0


class Daemon:
    """One appliance: run() until SIGTERM; SIGHUP calls `reload` (given by the CLI)."""

    def __init__(
        self,
        config: Config,
        *,
        voice: RealtimeVoice,
        mic: Microphone | None,
        speaker: Speaker | None,
        panel: Panel,
        notifier: Notifier | None = None,
        reload: Callable[[], Config] | None = None,
        make_voice: Callable[[Config], RealtimeVoice] | None = None,
        control_path: Path | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.voice = voice
        self.mic = mic
        self.speaker = speaker
        self.panel = panel
        self.notifier = notifier or Notifier()
        self._reload = reload
        self._make_voice = make_voice
        self.control = (
            ControlServer(
                control_path, status=self.snapshot, talk=self.on_talk, reconnect=self.retry_link
            )
            if control_path is not None
            else None
        )
        self._clock = clock
        self.talk = TalkMachine(config.talk.mode)
        self.link_state = "connecting"
        self.link_detail = ""
        self.ever_live = False
        self.status = Status.STARTING
        self.status_detail = "starting"
        self.thinking = False
        self.last_mic_frame_s = clock()
        self.audio_problem: str | None = None
        """Why the mic or speaker is not working right now (being reopened), or None."""
        self._stop = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()
        self.turns = 0
        self._wire_voice()

    # ---- wiring ---------------------------------------------------------------------------

    def _voice_handlers(self) -> dict[str, Callable[..., None]]:
        return {
            "state": self._on_link_state,
            "speaking": self._on_audio,
            "response_started": self._on_response_started,
            "response_done": self._on_response_done,
            "speech_started": self._on_speech_started,
            "writing": self._on_writing,
            "error": self._on_error,
        }

    def _wire_voice(self) -> None:
        for event, handler in self._voice_handlers().items():
            self.voice.on(event, handler)

    async def _replace_voice(self, voice: RealtimeVoice) -> None:
        """A reloaded configuration (new key, URL, model, session): a fresh session."""
        old = self.voice
        for event, handler in self._voice_handlers().items():
            old.off(event, handler)
        if self.speaker is not None:
            self.speaker.flush()
        with contextlib.suppress(Exception):
            await old.close()
        self.voice = voice
        self.thinking = False
        self.link_state, self.link_detail = "connecting", "connecting"
        self._wire_voice()
        voice.start()

    def _on_link_state(self, state: str, detail: str) -> None:
        self.link_state, self.link_detail = state, detail
        if state == "live":
            self.ever_live = True
        self._refresh()

    def _on_audio(self, pcm: bytes, response_id: str) -> None:
        self.thinking = False
        if self.speaker is not None:
            self.speaker.play(response_id, pcm)
        self._refresh()

    def _on_response_started(self, response_id: str) -> None:
        self.thinking = True
        self._refresh()

    def _on_response_done(self, response_id: str, status: str) -> None:
        self.thinking = False
        if self.speaker is not None:
            self.speaker.finish(response_id)
        log.info(
            "response %s",
            status,
            extra={"VOICED_EVENT": "response_done", "VOICED_RESPONSE_STATUS": status},
        )
        self._refresh()

    def _on_speech_started(self) -> None:
        # Hands-free barge-in: the server heard the user over the assistant.
        if self.speaker is not None and self.speaker.is_playing():
            self._spawn(self._barge_in(), "voiced-barge-in")

    def _on_writing(self, text: str, role: str) -> None:
        if role == "user":
            log.info(
                "heard: %s", text[:200], extra={"VOICED_EVENT": "transcript", "VOICED_ROLE": role}
            )

    def _on_error(self, exc: RealtimeError) -> None:
        self._refresh()

    def on_audio_fault(self, err: object) -> None:
        """From the audio adapters (on the loop): a device was lost, or works again (None)."""
        if err is None:
            if self.audio_problem is not None:
                log.info("audio works again", extra={"VOICED_EVENT": "audio_ok"})
            self.audio_problem = None
            self.last_mic_frame_s = self._clock()
        else:
            # First report of a problem at ERROR; the same one again (every retry) at DEBUG.
            level = logging.DEBUG if str(err) == self.audio_problem else logging.ERROR
            self.audio_problem = str(err)
            log.log(level, "audio: %s", err, extra={"VOICED_EVENT": "audio_fault"})
        self._refresh()

    # ---- talk -----------------------------------------------------------------------------

    def _assistant_busy(self) -> bool:
        playing = self.speaker is not None and self.speaker.is_playing()
        return playing or self.thinking

    def on_talk(self, event: TalkEvent) -> None:
        """From the panel (always on the loop's thread)."""
        actions = self.talk.on_event(event, assistant_busy=self._assistant_busy())
        log.debug("talk %s → %s", event.value, [a.value for a in actions])
        if actions:
            self._spawn(self._act(actions), f"voiced-talk-{event.value}")
        self._refresh()

    async def _act(self, actions: list[Action]) -> None:
        for action in actions:
            try:
                await self._do(action)
            except RealtimeError as exc:
                log.warning("%s failed: %s", action.value, exc)

    async def _do(self, action: Action) -> None:
        if action is Action.BARGE_IN:
            await self._barge_in()
        elif action is Action.START_TURN:
            log.info("listening", extra={"VOICED_EVENT": "turn_start"})
        elif action is Action.END_TURN:
            self.turns += 1
            self.thinking = True
            log.info("turn sent", extra={"VOICED_EVENT": "turn_end"})
            await self.voice.answer()
        elif action is Action.CANCEL:
            await self._barge_in()
            await self.voice.clear_input()
            self.thinking = False
            log.info("cancelled", extra={"VOICED_EVENT": "cancel"})
        elif action in (Action.MUTE, Action.UNMUTE):
            log.info(
                "%s",
                "muted" if action is Action.MUTE else "unmuted",
                extra={"VOICED_EVENT": action.value},
            )
        elif action in (Action.VOLUME_UP, Action.VOLUME_DOWN):
            volume = getattr(self.speaker, "volume", None)
            if volume is not None:
                percent = volume.step(+1 if action is Action.VOLUME_UP else -1)
                log.info("volume %d%%", percent, extra={"VOICED_EVENT": "volume"})
        self._refresh()

    async def _barge_in(self) -> None:
        played_ms = self.speaker.flush() if self.speaker is not None else None
        await self.voice.interrupt(played_ms)
        self.thinking = False

    async def _pump_mic(self) -> None:
        """Captured frames → the session, as the talk machine allows."""
        if self.mic is None:
            return
        async for frame in self.mic.frames():
            self.last_mic_frame_s = self._clock()
            if self.talk.forwards_mic():
                try:
                    await self.voice.send(frame)
                except RealtimeError as exc:
                    log.debug("mic frame not sent: %s", exc)

    # ---- status ---------------------------------------------------------------------------

    def _refresh(self) -> None:
        if self._stop.is_set():
            return  # stopping: the last STATUS= stays "stopping"
        speaking = self.speaker is not None and self.speaker.is_playing()
        status = derive_status(
            link_state=self.link_state,
            phase=self.talk.phase,
            speaking=speaking,
            thinking=self.thinking,
            mode=self.config.talk.mode,
            ever_live=self.ever_live,
            audio_ok=self.audio_problem is None,
        )
        detail = self._status_line(status)
        if status is not self.status:
            log.info(
                "status %s",
                status.value,
                extra={"VOICED_EVENT": "status", "VOICED_STATUS": status.value},
            )
            self.panel.show(status)
        self.status, self.status_detail = status, detail
        self.notifier.status(detail)

    def _status_line(self, status: Status) -> str:
        if status is Status.ERROR:
            return f"error: {self.audio_problem or self.link_detail}"
        if status in (Status.OFFLINE, Status.CONNECTING):
            return self.link_detail or status.value
        if self.talk.phase is Phase.MUTED:
            return "muted"
        return f"connected, {status.value}"

    # ---- lifecycle ------------------------------------------------------------------------

    def _spawn(self, coro: Any, name: str) -> None:
        task = asyncio.ensure_future(coro)
        task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("task %s failed", task.get_name(), exc_info=task.exception())

    def stop(self) -> None:
        self._stop.set()

    async def _watchdog(self, period_s: float) -> None:
        """WATCHDOG=1 only while the loop runs and the mic delivers: a dead path restarts."""
        while True:
            await asyncio.sleep(period_s)
            stalled = self.mic is not None and self._clock() - self.last_mic_frame_s > (MIC_STALL_S)
            if stalled:
                log.error(
                    "no audio from the microphone for %.0f s",
                    self._clock() - self.last_mic_frame_s,
                    extra={"VOICED_EVENT": "audio_stalled"},
                )
                continue
            self.notifier.watchdog()

    async def _follow_playback(self, period_s: float = 0.1) -> None:
        """Playback ends in the speaker's thread: look every period while it may be playing."""
        while True:
            await asyncio.sleep(period_s)
            if self.status is Status.SPEAKING or (
                self.speaker is not None and self.speaker.is_playing()
            ):
                self._refresh()

    def retry_link(self) -> None:
        """A person acted: forget the backoff streak (and a fatal stop) and connect now."""
        link = getattr(self.voice, "link", None)
        if link is not None:
            link.retry_now()

    def snapshot(self) -> dict[str, Any]:
        """What `voiced ctl status` prints."""
        return {
            "status": self.status.value,
            "detail": self.status_detail,
            "link": self.link_state,
            "mode": self.config.talk.mode,
            "phase": self.talk.phase.value,
            "turns": self.turns,
            "audio_problem": self.audio_problem,
        }

    def _on_hup(self) -> None:
        self._spawn(self.reload(), "voiced-reload")

    async def reload(self) -> None:
        """SIGHUP: re-read the configuration and the key, and start a fresh session with them
        (this is how a fixed key takes effect after a fatal stop). Audio and panel settings
        take effect at the next restart."""
        self.notifier.reloading()
        try:
            new = self._reload() if self._reload is not None else self.config
            voice = self._make_voice(new) if self._make_voice is not None else None
        except VoicedError as exc:
            log.error(
                "reload failed, keeping the running configuration: %s",
                exc,
                extra={"VOICED_EVENT": "reload_failed"},
            )
            self.notifier.ready(self.status_detail)
            return
        if new.audio != self.config.audio or new.panel != self.config.panel:
            log.warning("audio and panel changes take effect after `systemctl restart voiced`")
        if new.talk.mode != self.config.talk.mode:
            self.talk = TalkMachine(new.talk.mode)
        self.config = new
        if voice is not None:
            await self._replace_voice(voice)
        else:
            self.retry_link()
        log.info("configuration reloaded", extra={"VOICED_EVENT": "reload"})
        self._refresh()
        self.notifier.ready(self.status_detail)

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for sig, handler in (
            (signal.SIGTERM, self.stop),
            (signal.SIGINT, self.stop),
            (signal.SIGHUP, self._on_hup),
        ):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, handler)
        self.panel.show(Status.STARTING)
        await self.panel.start(self.on_talk)
        if self.control is not None:
            try:
                await self.control.start()
            except OSError as exc:
                log.warning("no control socket at %s: %s", self.control.path, exc)
                self.control = None
        await self._start_audio()
        self._spawn(self._follow_playback(), "voiced-playback-status")
        self.voice.start()
        self._refresh()
        self.notifier.ready(self.status_detail)
        log.info("ready (%s)", self.status_detail, extra={"VOICED_EVENT": "ready"})
        if self.notifier.watchdog_s:
            self._spawn(self._watchdog(self.notifier.watchdog_s / 2), "voiced-watchdog")
        await self._stop.wait()
        self.notifier.stopping()
        log.info("stopping", extra={"VOICED_EVENT": "stopping"})
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
        await self.shutdown()
        return 0

    async def _start_audio(self, delay_s: float = 1.0) -> None:
        """Open speaker and mic; a missing device is reported and retried, never fatal."""
        try:
            if self.speaker is not None:
                await self.speaker.start()
            if self.mic is not None:
                await self.mic.start()
                self.last_mic_frame_s = self._clock()
                self._spawn(self._pump_mic(), "voiced-mic")
            if self.audio_problem is not None:
                self.on_audio_fault(None)
        except VoicedError as exc:
            self.on_audio_fault(exc)
            log.debug("retrying the audio devices in %.0f s", delay_s)
            self._spawn(self._retry_audio(delay_s), "voiced-audio-retry")

    async def _retry_audio(self, delay_s: float) -> None:
        await asyncio.sleep(delay_s)
        await self._start_audio(min(delay_s * 2, 30.0))

    async def shutdown(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        with contextlib.suppress(Exception):
            await self.voice.close()
        for part in (self.mic, self.speaker):
            if part is not None:
                with contextlib.suppress(Exception):
                    await part.stop()
        with contextlib.suppress(Exception):
            await self.panel.stop()
        if self.control is not None:
            await self.control.stop()
