"""The daemon: a supervisor. It decides nothing: what the parts report goes into the
conversation machine (voiced.core.machine) through the Feed, the machine's actions are
carried out by the Carrier, and this class runs the parts' lifecycle and talks to systemd.
Only the event loop touches the machine and the voice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import signal
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voiced.app.actions import Carrier
from voiced.app.control import ControlServer
from voiced.app.feed import Feed
from voiced.app.handsfree import HandsFree
from voiced.app.notify import Notifier
from voiced.app.sounds import Sounds
from voiced.config import Config
from voiced.core.machine import ConversationMachine, TalkSettings
from voiced.core.reconnect import backoff_delay_s
from voiced.core.status import LinkState, PanelInput, Status
from voiced.errors import VoicedError
from voiced.ports import Microphone, Panel, Speaker
from voiced.voice import RealtimeVoice

if TYPE_CHECKING:  # the hands-free adapters are imported only where they are used
    from voiced.audio.aec import EchoCanceller

log = logging.getLogger(__name__)


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
        sounds: Sounds | None = None,
        hands_free: Callable[[Config], HandsFree] | None = None,
    ) -> None:
        """sounds: earcons and notices (None: silent). hands_free: builds the wake-word
        detector and echo canceller a configuration asks for (again on reload)."""
        self.config = config
        self.mic, self.speaker, self.panel = mic, speaker, panel
        self.notifier = notifier or Notifier()
        self._reload, self._make_voice = reload, make_voice
        self._clock = clock
        self.machine = ConversationMachine(TalkSettings.of(config), now_s=clock())
        self.sounds = sounds
        self.carrier = Carrier(
            self.machine,
            voice,
            speaker,
            panel,
            self.notifier,
            mic=mic,
            sounds=sounds,
            on_capture=self._capture,
        )
        self.feed = Feed(self.machine, self.carrier, speaker, clock)
        self.feed.wire(voice)
        self._hands_free = hands_free
        self._echo_canceller: Callable[[int], EchoCanceller] | None = None
        self._capture_closed = False
        self._use_hands_free(hands_free(config) if hands_free is not None else HandsFree())
        self.control = None
        if control_path is not None:
            self.control = ControlServer(
                control_path, status=self.snapshot, talk=self.on_input, reconnect=self.retry_link
            )
        self.exit_status = 0
        self._stop = asyncio.Event()
        self._reloads = 0
        self._reloading: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

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

    def on_input(self, event: PanelInput) -> None:
        self.feed.on_input(event)

    def on_audio_fault(self, err: object) -> None:
        """From the audio adapters (on the loop): a device was lost, or works again (None)."""
        self.feed.on_audio_fault(err)

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
            "muted": "switch" if m.hard_muted else "button" if m.muted else None,
            "turns": m.turns,
            "audio_problem": m.audio_problem,
        }

    def stop(self) -> None:
        self._stop.set()

    # ---- lifecycle ----------------------------------------------------------------------

    async def run(self) -> int:
        """Start every part, each undone on the way out even when a later one fails; run
        until stopped; return the exit status (1 when a part the daemon needs died)."""
        loop = asyncio.get_running_loop()
        async with contextlib.AsyncExitStack() as stack:
            stack.push_async_callback(self._cancel_tasks)
            for sig, handler in (
                (signal.SIGTERM, self.stop),
                (signal.SIGINT, self.stop),
                (signal.SIGHUP, self._on_hup),
            ):
                loop.add_signal_handler(sig, handler)
                stack.callback(loop.remove_signal_handler, sig)
            self.feed.start_timer(loop)
            stack.callback(self.feed.stop_timer)
            self.panel.show(Status.STARTING)
            await self.panel.start(self.on_input)
            stack.push_async_callback(self._stop_part, "panel", self.panel.stop)
            if self.control is not None:
                await self._start_control(stack)
            self.spawn(self.carrier.run_sender(), "voiced-sender", critical=True)
            stack.push_async_callback(self._stop_part, "session", lambda: self.voice.close())
            for part, name in ((self.speaker, "speaker"), (self.mic, "microphone")):
                if part is not None:
                    stack.push_async_callback(self._stop_part, name, part.stop)
            self.spawn(self._open_audio(), "voiced-audio-open")
            if self.sounds is not None:
                self.spawn(self.sounds.prepare(), "voiced-sounds")
            self.voice.start()
            self.feed.tick(self._clock())
            self.notifier.ready(self.status_detail)
            log.info("ready (%s)", self.status_detail, extra={"VOICED_EVENT": "ready"})
            if self.notifier.watchdog_s:
                self.spawn(self._watchdog(self.notifier.watchdog_s / 2), "voiced-watchdog")
            await self._stop.wait()
            self.carrier.stopping = True
            self.notifier.stopping()
            log.info("stopping", extra={"VOICED_EVENT": "stopping"})
            await self._cancel_tasks()
        return self.exit_status

    def spawn(self, coro: Awaitable[Any], name: str, *, critical: bool = False) -> None:
        """Run `coro` as a named task this daemon owns: its failure is logged with the
        traceback; a critical one stops the daemon with exit status 1 (systemd restarts)."""
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

    async def _cancel_tasks(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _stop_part(self, name: str, stop: Callable[[], Awaitable[None]]) -> None:
        try:
            await stop()
        except Exception:
            log.exception("stopping the %s failed", name)

    async def _start_control(self, stack: contextlib.AsyncExitStack) -> None:
        assert self.control is not None
        try:
            await self.control.start()
        except OSError as exc:
            log.warning("no control socket at %s: %s", self.control.path, exc)
            return
        stack.push_async_callback(self._stop_part, "control socket", self.control.stop)

    async def _open_audio(self) -> None:
        """Open speaker and mic; a missing device is reported and retried, never fatal."""
        cfg, failures = self.config.audio, 0
        while True:
            try:
                if self.speaker is not None:
                    await self.speaker.start()
                    self._connect_echo_canceller(self.speaker)
                if self.mic is not None and not self._capture_closed:
                    await self._open_mic(self.mic)
                if self.machine.audio_problem is not None:
                    self.on_audio_fault(None)
                return
            except VoicedError as exc:
                failures += 1
                self.on_audio_fault(exc)
                delay_s = backoff_delay_s(
                    failures,
                    initial_s=cfg.reopen_min_s,
                    max_s=cfg.reopen_max_s,
                    jitter=random.random(),
                )
                await asyncio.sleep(delay_s)

    def _use_hands_free(self, parts: HandsFree) -> None:
        """Use these wake-word detector and echo canceller (None: none) from now on."""
        old = self.feed.detector
        if old is not None and old is not parts.detector:
            old.close()
        self.feed.detector = parts.detector
        if parts.echo_canceller is None or self._echo_canceller is None:
            self.feed.canceller = None  # a new one is made once the speaker's rate is known
            if self.speaker is not None:
                self.speaker.far_end = None
        self._echo_canceller = parts.echo_canceller
        if self.speaker is not None:
            self._connect_echo_canceller(self.speaker)

    def _connect_echo_canceller(self, speaker: Speaker) -> None:
        rate_hz = speaker.device_rate_hz
        if self._echo_canceller is None or self.feed.canceller is not None or rate_hz is None:
            return
        canceller = self._echo_canceller(rate_hz)
        speaker.far_end = canceller.far_end
        self.feed.canceller = canceller
        log.info("echo cancellation on (speaker at %d Hz)", rate_hz)

    async def _open_mic(self, mic: Microphone) -> None:
        await mic.start()
        self.feed.feed(self.machine.mic_opened)
        self.spawn(self._run_mic(mic), "voiced-mic", critical=True)

    async def _run_mic(self, mic: Microphone) -> None:
        await self.feed.pump_mic(mic, self.config.audio.frame_ms / 1000)
        if not (self._stop.is_set() or self._capture_closed):
            raise VoicedError("the microphone stopped delivering frames")

    def _capture(self, open_: bool) -> None:
        """The mute switch: close the capture device, or open it again."""
        self._capture_closed = not open_
        if self.mic is not None:
            self.spawn(self._switch_capture(self.mic, open_), "voiced-capture")

    async def _switch_capture(self, mic: Microphone, open_: bool) -> None:
        if not open_:
            await mic.stop()
            return
        try:
            await self._open_mic(mic)
        except VoicedError as exc:  # reported and retried like any device fault
            self.on_audio_fault(exc)
            self.spawn(self._open_audio(), "voiced-audio-open")

    async def _watchdog(self, period_s: float) -> None:
        """WATCHDOG=1 while the loop runs and the daemon does what its status says."""
        while True:
            await asyncio.sleep(period_s)
            self.feed.tick(self._clock())
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
            parts = self._hands_free(new) if self._hands_free is not None else None
        except VoicedError as exc:
            log.error(
                "reload failed, keeping the running configuration: %s",
                exc,
                extra={"VOICED_EVENT": "reload_failed"},
            )
            self.notifier.ready(self.status_detail)
            return
        old = self.config
        restart = [
            name
            for name, before, after in (
                ("audio", old.audio, new.audio),
                ("panel", old.panel, new.panel),
                ("control", old.control, new.control),
            )
            if before != after
        ]
        if parts is not None:
            self._use_hands_free(parts)
        self.config = new
        self.feed.feed(self.machine.reconfigure, TalkSettings.of(new))
        if voice is not None:
            await self.carrier.replace_voice(voice, unwire=self.feed.unwire, wire=self.feed.wire)
            self.feed.feed(self.machine.link_changed, LinkState.CONNECTING, "connecting")
            voice.start()
        else:
            self.retry_link()
        log.info(
            "configuration reloaded%s",
            f"; [{'], ['.join(restart)}] take effect after a restart" if restart else "",
            extra={"VOICED_EVENT": "reload"},
        )
        self.notifier.ready(self.status_detail)
