"""The daemon: a supervisor. It builds nothing and decides nothing: it feeds what the parts
report into the conversation machine (voiced.core.machine), carries out the machine's
actions, and talks to systemd. Only the event loop touches the machine and the voice.

Mic frames and the voice calls the machine asks for leave through one ordered queue (one
sender task), so a commit always follows the appends of its turn. The speaker flush runs
at once, on the loop, so barge-in is not queued behind anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from voiced.app.actions import Carrier
from voiced.app.control import ControlServer
from voiced.app.notify import Notifier
from voiced.config import Config
from voiced.core.audio_choice import reopen_delay_s
from voiced.core.machine import ConversationMachine, TalkSettings
from voiced.core.status import ButtonGesture, LinkState, PanelInput, Status
from voiced.errors import VoicedError
from voiced.panel.timer import DeadlineTimer
from voiced.ports import Microphone, Panel, Speaker
from voiced.voice import RealtimeVoice

log = logging.getLogger(__name__)

#: Restart-only settings: named in the reload log line when they change.
RESTART_SECTIONS = ("audio", "panel", "control")


class Daemon:
    """One appliance: run() until SIGTERM; SIGHUP reloads (`reload` re-reads the config)."""

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
        self.mic, self.speaker, self.panel = mic, speaker, panel
        self.notifier = notifier or Notifier()
        self._reload, self._make_voice = reload, make_voice
        self._clock = clock
        self.machine = ConversationMachine(TalkSettings.of(config), now_s=clock())
        self.carrier = Carrier(self.machine, voice, speaker, panel, self.notifier)
        self.control = (
            ControlServer(
                control_path, status=self.snapshot, talk=self.on_input, reconnect=self.retry_link
            )
            if control_path is not None
            else None
        )
        self._stop = asyncio.Event()
        self.exit_status = 0
        self._handlers: dict[str, Callable[..., None]] = {}
        self._reloads = 0
        self._reloading: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._timer: DeadlineTimer | None = None
        if speaker is not None:
            speaker.when_finished = lambda: self._feed(self.machine.playback_finished)
        self._wire(voice)

    @property
    def voice(self) -> RealtimeVoice:
        return self.carrier.voice

    @property
    def status(self) -> Status:
        return self.machine.status

    @property
    def status_detail(self) -> str:
        return self.machine.detail

    @property
    def turns(self) -> int:
        return self.machine.turns

    # ---- inputs into the machine ----------------------------------------------------------

    def _feed(self, method: Callable[..., None], *args: Any) -> None:
        """Call a machine input with the time now, then carry out what it decided."""
        method(*args, self._clock())
        self._after()

    def _after(self) -> None:
        self.carrier.carry_out(self.machine.actions_to_do())
        if self._timer is not None:
            self._timer.rearm()

    def _tick(self, now_s: float) -> None:
        self.machine.tick(now_s)
        self._after()

    def on_input(self, event: PanelInput) -> None:
        """From the panel and the control socket (always on the loop's thread)."""
        if isinstance(event, ButtonGesture):
            self.machine.button(event)
            self._after()
        else:
            self._feed(self.machine.command, event)

    def _wire(self, voice: RealtimeVoice) -> None:
        m = self.machine
        self._handlers = {
            "state": lambda state, detail: self._feed(m.link_changed, LinkState(state), detail),
            "response_started": lambda rid: self._feed(m.response_started, rid),
            "speaking": self._on_audio,
            "response_done": self._on_response_done,
            "speech_started": lambda: self._feed(m.speech_started),
            "writing": self._on_writing,
        }
        for event, handler in self._handlers.items():
            voice.on(event, handler)

    def _unwire(self, voice: RealtimeVoice) -> None:
        for event, handler in self._handlers.items():
            voice.off(event, handler)

    def _on_audio(self, pcm: bytes, response_id: str) -> None:
        play = self.machine.response_audio(response_id, self._clock())
        if play and self.speaker is not None:
            self.speaker.play(response_id, pcm)
        self._after()

    def _on_response_done(self, response_id: str, status: str) -> None:
        if self.speaker is not None:
            self.speaker.finish(response_id)
        log.info(
            "response %s",
            status,
            extra={"VOICED_EVENT": "response_done", "VOICED_RESPONSE_STATUS": status},
        )
        self._feed(self.machine.response_done, response_id)
        if self.speaker is None or not self.speaker.is_playing():
            self._feed(self.machine.playback_finished)

    def _on_writing(self, text: str, role: str) -> None:
        if role == "user":
            log.info(
                "heard: %s", text[:200], extra={"VOICED_EVENT": "transcript", "VOICED_ROLE": role}
            )

    def on_audio_fault(self, err: object) -> None:
        """From the audio adapters (on the loop): a device was lost, or works again (None)."""
        problem = None if err is None else str(err)
        if problem is None and self.machine.audio_problem is not None:
            log.info("audio works again", extra={"VOICED_EVENT": "audio_ok"})
        elif problem is not None:
            # First report of a problem at ERROR; the same one again (every retry) at DEBUG.
            same = problem == self.machine.audio_problem
            log.log(
                logging.DEBUG if same else logging.ERROR,
                "audio: %s",
                problem,
                extra={"VOICED_EVENT": "audio_fault"},
            )
        self._feed(self.machine.audio_fault, problem)

    async def _pump_mic(self, mic: Microphone) -> None:
        """Every captured frame goes to the machine; those it lets through, to the session."""
        mic_frame, send = self.machine.mic_frame, self.carrier.send_audio
        async for frame in mic.frames():
            if mic_frame(len(frame), self._clock()):
                send(frame)
            if self.machine.has_actions:  # a stall just ended: show it
                self._after()
        if not self._stop.is_set():
            raise VoicedError("the microphone stopped delivering frames")

    # ---- lifecycle ----------------------------------------------------------------------

    def spawn(self, coro: Awaitable[Any], name: str, *, critical: bool = False) -> None:
        task: asyncio.Task[Any] = asyncio.ensure_future(coro)
        task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(lambda t: self._task_done(t, critical))

    def _task_done(self, task: asyncio.Task[Any], critical: bool) -> None:
        self._tasks.discard(task)
        if task.cancelled() or task.exception() is None:
            return
        log.error("task %s failed", task.get_name(), exc_info=task.exception())
        if critical:
            self.exit_status = 1
            self._stop.set()

    def stop(self) -> None:
        self._stop.set()

    def retry_link(self) -> None:
        """A person acted: forget the backoff streak (and a fatal stop) and connect now."""
        self.voice.retry_now()

    def snapshot(self) -> dict[str, Any]:
        """What `voiced ctl status` prints."""
        m = self.machine
        return {
            "status": m.status.value,
            "detail": m.detail,
            "link": m.link.value,
            "mode": m.settings.mode,
            "turn_open": m.turn_open,
            "muted": m.muted,
            "turns": m.turns,
            "audio_problem": m.audio_problem,
        }

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        self._timer = DeadlineTimer(loop, self._clock, self.machine.next_deadline_s, self._tick)
        async with contextlib.AsyncExitStack() as stack:
            stack.push_async_callback(self._shutdown_tasks)
            for sig, handler in (
                (signal.SIGTERM, self.stop),
                (signal.SIGINT, self.stop),
                (signal.SIGHUP, self._on_hup),
            ):
                loop.add_signal_handler(sig, handler)
                stack.callback(loop.remove_signal_handler, sig)
            self.panel.show(Status.STARTING)
            await self.panel.start(self.on_input)
            stack.push_async_callback(self._stop_part, "panel", self.panel.stop)
            if self.control is not None:
                await self._start_control(stack)
            self.spawn(self.carrier.run_sender(), "voiced-sender", critical=True)
            stack.push_async_callback(self._stop_part, "session", lambda: self.voice.close())
            await self._start_audio(stack)
            self.voice.start()
            self._tick(self._clock())
            self.notifier.ready(self.status_detail)
            log.info("ready (%s)", self.status_detail, extra={"VOICED_EVENT": "ready"})
            if self.notifier.watchdog_s:
                self.spawn(self._watchdog(self.notifier.watchdog_s / 2), "voiced-watchdog")
            await self._stop.wait()
            self.carrier.stopping = True
            self.notifier.stopping()
            log.info("stopping", extra={"VOICED_EVENT": "stopping"})
            await self._shutdown_tasks()
        return self.exit_status

    async def _start_control(self, stack: contextlib.AsyncExitStack) -> None:
        assert self.control is not None
        try:
            await self.control.start()
        except OSError as exc:
            log.warning("no control socket at %s: %s", self.control.path, exc)
            return
        stack.push_async_callback(self._stop_part, "control socket", self.control.stop)

    async def _start_audio(self, stack: contextlib.AsyncExitStack) -> None:
        for part, name in ((self.speaker, "speaker"), (self.mic, "microphone")):
            if part is not None:
                stack.push_async_callback(self._stop_part, name, part.stop)
        self.spawn(self._open_audio(), "voiced-audio-open")

    async def _open_audio(self) -> None:
        """Open speaker and mic; a missing device is reported and retried, never fatal."""
        cfg, failures = self.config.audio, 0
        while True:
            try:
                if self.speaker is not None:
                    await self.speaker.start()
                if self.mic is not None:
                    await self.mic.start()
                    self._feed(self.machine.mic_opened)
                    self.spawn(self._pump_mic(self.mic), "voiced-mic", critical=True)
                if self.machine.audio_problem is not None:
                    self.on_audio_fault(None)
                return
            except VoicedError as exc:
                failures += 1
                self.on_audio_fault(exc)
                await asyncio.sleep(
                    reopen_delay_s(failures, min_s=cfg.reopen_min_s, max_s=cfg.reopen_max_s)
                )

    async def _stop_part(self, name: str, stop: Callable[[], Awaitable[None]]) -> None:
        try:
            await stop()
        except Exception:
            log.exception("stopping the %s failed", name)

    async def _shutdown_tasks(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _watchdog(self, period_s: float) -> None:
        """WATCHDOG=1 while the loop runs and the daemon does what its status says."""
        while True:
            await asyncio.sleep(period_s)
            self.machine.tick(self._clock())
            self._after()
            if self.machine.watchdog_ok():
                self.notifier.watchdog()

    # ---- reload -------------------------------------------------------------------------

    def _on_hup(self) -> None:
        """SIGHUPs coalesce: one reload runs at a time, and one more after it if any came."""
        self._reloads += 1
        if self._reloading is None or self._reloading.done():
            self._reloading = asyncio.ensure_future(self._reload_all())
            self.spawn(self._reloading, "voiced-reload")

    async def _reload_all(self) -> None:
        while self._reloads:
            self._reloads = 0
            await self.reload()

    async def reload(self) -> None:
        """Re-read the configuration and the key; apply the talk settings at once, start a
        fresh session, and name in one log line what needs a restart."""
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
        restart = [s for s in RESTART_SECTIONS if getattr(new, s) != getattr(self.config, s)]
        self.config = new
        self._feed(self.machine.reconfigure, TalkSettings.of(new))
        if voice is not None:
            await self.carrier.replace_voice(voice, unwire=self._unwire, wire=self._wire)
            self._feed(self.machine.link_changed, LinkState.CONNECTING, "connecting")
            voice.start()
        else:
            self.retry_link()
        log.info(
            "configuration reloaded%s",
            f"; restart to apply [{'], ['.join(restart)}]" if restart else "",
            extra={"VOICED_EVENT": "reload"},
        )
        self.notifier.ready(self.status_detail)
