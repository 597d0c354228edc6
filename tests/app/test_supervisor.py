"""The daemon as people use it, on a virtual clock: gpiozero's mock pins (or a real pty for
the keyboard), fake mic and speaker ports, the real websockets fake server, sd_notify on a
socket. No test waits seconds of real time: speech is delivered as fast as the loop runs."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import pty
import signal
import socket
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from gpiozero import Button
from gpiozero.pins.mock import MockFactory, MockPWMPin

from voiced.app.credentials import find_api_key
from voiced.app.daemon import Daemon
from voiced.app.notify import Notifier
from voiced.app.voices import make_voice
from voiced.audio.errors import AudioDeviceError
from voiced.config import AudioConfig, Config, LinkConfig, PanelConfig, RealtimeConfig, TalkConfig
from voiced.config.talk import TalkMode
from voiced.core.audio_choice import Fault
from voiced.core.status import LinkState, Status, TalkEvent
from voiced.panel.gpio import GpioPanel
from voiced.panel.keyboard import KeyboardPanel
from voiced.panel.profiles import boards_dir, load_profile
from voiced.ports import Panel
from voiced.voice import RealtimeVoice

from conftest import API_KEY, checked_server, wait_until
from fakes import FakeMicrophone, FakeSpeaker, VirtualClock, drain
from fakeserver import FakeRealtimeServer, Faults, tone

ENV = {"OPENAI_API_KEY": API_KEY}
COMMIT = "input_audio_buffer.commit"


def config_for(srv: FakeRealtimeServer, mode: TalkMode = "hold") -> Config:
    return Config(
        realtime=RealtimeConfig(provider="compatible", url=srv.url),
        link=LinkConfig(backoff_initial_s=0.05, backoff_max_s=0.2, healthy_uptime_s=0.1),
        talk=TalkConfig(mode=mode),
        panel=PanelConfig(board="usb-generic"),
        audio=AudioConfig(echo_cancel=False),  # the fake ports have no echo path to cancel
    )


def voice_for(config: Config) -> RealtimeVoice:
    return make_voice(config, find_api_key(config, ENV))


class Rig:
    """One appliance on a virtual clock, with its fakes."""

    def __init__(
        self,
        srv: FakeRealtimeServer,
        mode: TalkMode = "hold",
        *,
        panel: Callable[[Config, VirtualClock], Panel] | None = None,
        mic: FakeMicrophone | None = None,
        reload: Callable[[], Config] | None = None,
    ) -> None:
        self.srv = srv
        self.clock = VirtualClock()
        self.config = config_for(srv, mode)
        self.factory = MockFactory(pin_class=MockPWMPin)
        profile = load_profile(boards_dir() / "usb-generic.toml")
        self.panel = (
            panel(self.config, self.clock)
            if panel is not None
            else GpioPanel(profile, self.config.talk, pin_factory=self.factory, clock=self.clock)
        )
        self.mic = mic or FakeMicrophone(self.clock)
        self.speaker = FakeSpeaker(self.clock)
        self.daemon = Daemon(
            self.config,
            voice=voice_for(self.config),
            mic=self.mic,
            speaker=self.speaker,
            panel=self.panel,
            notifier=Notifier(),
            clock=self.clock,
            make_voice=voice_for,
            reload=reload,
            control_path=None,
        )
        self.button = self.factory.pin(17)

    @property
    def status(self) -> Status:
        return self.daemon.status

    async def press(self) -> None:
        self.clock.advance(0.1)  # nobody presses again within 100 ms of letting go
        self.button.drive_low()
        await asyncio.sleep(0)

    async def release(self) -> None:
        self.button.drive_high()
        await asyncio.sleep(0)

    async def tap(self, seconds: float = 0.05) -> None:
        await self.press()
        self.clock.advance(seconds)
        await self.release()


@contextlib.asynccontextmanager
async def running(rig: Rig) -> AsyncIterator[Rig]:
    run = asyncio.create_task(rig.daemon.run())
    try:
        await wait_until(lambda: rig.daemon.machine.link is LinkState.LIVE or run.done())
        yield rig
    finally:
        rig.daemon.stop()
        assert await asyncio.wait_for(run, 10.0) == 0
        rig.factory.reset()
        rig.factory.close()


def types_after(conn: Any, kind: str) -> list[str]:
    types: list[str] = conn.received_types
    return types[types.index(kind) + 1 :] if kind in types else []


async def test_hold_ten_seconds_with_gpio_is_one_whole_turn() -> None:
    """Held 10 s (past the 2 s long press): one turn, all 10 s committed, then the answer."""
    async with checked_server() as srv, running(Rig(srv)) as rig:
        await rig.press()
        await wait_until(lambda: rig.status is Status.LISTENING)
        said = await rig.mic.speak(10.0)
        await rig.release()
        conn = srv.connections[0]
        await wait_until(lambda: conn.committed_audio == [said])
        await wait_until(
            lambda: "response.create" in types_after(conn, "input_audio_buffer.commit")
        )
        assert "input_audio_buffer.clear" not in conn.received_types
        assert "response.cancel" not in conn.received_types
        await wait_until(lambda: bool(rig.speaker.played))


async def test_hold_ten_seconds_with_the_keyboard_is_one_whole_turn() -> None:
    """Space held 10 s (auto-repeat every 100 ms) through a real pty: one whole turn."""
    master, slave = pty.openpty()
    stdin = os.fdopen(slave, "r")

    def keyboard(config: Config, clock: VirtualClock) -> Panel:
        return KeyboardPanel(config.talk, stdin=stdin, out=io.StringIO(), clock=clock)

    try:
        async with checked_server() as srv, running(Rig(srv, panel=keyboard)) as rig:
            said = b""
            os.write(master, b" ")
            await wait_until(lambda: rig.status is Status.LISTENING)  # then the person talks
            assert isinstance(rig.panel, KeyboardPanel)
            space = rig.panel.gestures.space
            for i in range(100):
                if i:
                    os.write(master, b" ")  # auto-repeat every 100 ms
                    # the pty hands the key over when it will: the clock waits for it
                    await wait_until(lambda: space.next_deadline_s() == rig.clock() + 0.2)
                said += await rig.mic.speak(0.1)
            assert rig.status is Status.LISTENING
            rig.clock.advance(0.3)  # no more repeats: the key was let go
            conn = srv.connections[0]
            try:
                await wait_until(lambda: conn.committed_audio == [said], timeout_s=3.0)
            except AssertionError:
                got = [len(c) for c in conn.committed_audio]
                raise AssertionError((got, len(said), conn.received_types[-5:])) from None
    finally:
        stdin.close()
        os.close(master)


async def test_tap_during_a_reply_stops_it_and_sends_nothing() -> None:
    """A 50 ms tap while the answer plays: speaker flushed, cancel/truncate, input cleared,
    no second commit and no new response; ready afterwards."""
    async with checked_server() as srv, running(Rig(srv)) as rig:
        srv.response_audio = tone(2.0, 400.0)
        await rig.press()
        said = await rig.mic.speak(1.0)
        await rig.release()
        conn = srv.connections[0]
        await wait_until(lambda: conn.committed_audio == [said])
        await wait_until(lambda: rig.status is Status.SPEAKING)
        await rig.tap(0.05)
        await wait_until(lambda: rig.status is Status.READY)
        assert len(rig.speaker.flushes) == 1
        await wait_until(lambda: "input_audio_buffer.clear" in conn.received_types)
        after = types_after(conn, "input_audio_buffer.commit")
        assert after.count("response.create") == 1  # only the first turn's
        assert "conversation.item.truncate" in after or "response.cancel" in after
        assert conn.committed_audio == [said]


@pytest.mark.parametrize("mode", ["hold", "toggle", "vad"])
async def test_quick_tap_in_every_mode(mode: TalkMode) -> None:
    """A 50 ms tap sends nothing and leaves the mode's idle status (vad: a tap mutes, the
    next unmutes); the next press is not a barge-in (nothing flushed)."""
    async with checked_server() as srv, running(Rig(srv, mode)) as rig:
        idle = Status.LISTENING if mode == "vad" else Status.READY
        await wait_until(lambda: rig.status is idle)
        await rig.tap(0.05)
        if mode == "toggle":  # a tap starts a turn; a second tap 50 ms later ends it
            await wait_until(lambda: rig.status is Status.LISTENING)
            rig.clock.advance(0.05)
            await rig.tap(0.05)
        if mode == "vad":
            await wait_until(lambda: rig.status is Status.MUTED)
            await rig.tap(0.05)
        await wait_until(lambda: rig.status is idle)
        conn = srv.connections[0]
        assert "input_audio_buffer.commit" not in conn.received_types
        assert "response.create" not in conn.received_types
        await rig.press()
        await asyncio.sleep(0.05)
        assert rig.speaker.flushes == []


@pytest.mark.parametrize("seconds", [2.0, 5.0])
async def test_offline_turn_released_after_a_failed_reconnect_is_delivered_whole(
    seconds: float,
) -> None:
    """The server drops and refuses reconnects; a turn spoken meanwhile, released 30 ms
    after a failed attempt, arrives whole after the reconnect: appends, commit, response."""
    async with checked_server() as srv, running(Rig(srv)) as rig:
        srv.faults = Faults(reject_status=503)
        await srv.drop_all(1011)
        await wait_until(lambda: rig.daemon.machine.link is not LinkState.LIVE)
        await rig.press()
        said = await rig.mic.speak(seconds)
        attempts = srv.handshake_attempts
        await wait_until(lambda: srv.handshake_attempts > attempts)
        await asyncio.sleep(0.03)
        await rig.release()
        assert rig.daemon.turns == 1
        srv.faults = Faults()
        await wait_until(lambda: len(srv.connections) == 2, timeout_s=5.0)
        conn = srv.connections[1]
        await wait_until(lambda: conn.committed_audio == [said], timeout_s=5.0)
        await wait_until(
            lambda: "response.create" in types_after(conn, "input_audio_buffer.commit")
        )
        assert "input_audio_buffer.clear" not in conn.received_types


async def test_vad_long_reply_keeps_the_watchdog_going(
    notify: socket.socket, monkeypatch: pytest.MonkeyPatch
) -> None:
    """vad, a 60 s reply with the mic gated all along: WATCHDOG=1 keeps coming, no error."""
    monkeypatch.setenv("WATCHDOG_USEC", "200000")
    async with checked_server() as srv, running(Rig(srv, "vad")) as rig:
        srv.response_audio = tone(1.0, 300.0)
        await rig.daemon.voice.send_text("tell me a long story")
        await wait_until(lambda: rig.status is Status.SPEAKING)
        drain(notify)
        before = len(srv.connections[0].input_audio)
        statuses: set[Status] = set()
        for _ in range(60):
            await rig.mic.speak(1.0)
            statuses.add(rig.status)
            await asyncio.sleep(0.01)
        pings = [m for m in drain(notify) if "WATCHDOG=1" in m]
        assert len(pings) >= 3, pings
        assert statuses == {Status.SPEAKING}
        assert len(srv.connections[0].input_audio) == before  # gated: nothing forwarded


async def test_no_sound_card_is_an_error_not_a_restart(
    notify: socket.socket, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The mic cannot be opened: READY, status error naming the device, WATCHDOG=1 kept,
    the daemon stays up (and retries)."""
    monkeypatch.setenv("WATCHDOG_USEC", "200000")
    missing = AudioDeviceError.describe(
        device="hw:9", fault=Fault.MISSING, alsa_text="No such file or directory",
        config_key="audio.input_device",
    )  # fmt: skip
    async with checked_server() as srv:
        rig = Rig(srv)
        rig.mic = FakeMicrophone(rig.clock, fail_start=missing)
        rig.daemon.mic = rig.mic
        async with running(rig):
            await wait_until(lambda: rig.status is Status.ERROR)
            assert "hw:9" in rig.daemon.status_detail
            drain(notify)
            for _ in range(5):
                rig.clock.advance(10.0)
                await asyncio.sleep(0.1)
            pings = [m for m in drain(notify) if "WATCHDOG=1" in m]
            assert len(pings) >= 2 and rig.status is Status.ERROR


async def test_toggle_ctl_release_then_a_press_starts_a_new_turn() -> None:
    """One notion of "turn open": `voiced ctl release` sends the turn, and the next button
    press opens a new one (it is not swallowed)."""
    async with checked_server() as srv, running(Rig(srv, "toggle")) as rig:
        await rig.tap(0.1)
        await wait_until(lambda: rig.status is Status.LISTENING)
        said = await rig.mic.speak(1.0)
        rig.daemon.on_input(TalkEvent.TALK_END)  # what `voiced ctl release` hands over
        conn = srv.connections[0]
        await wait_until(lambda: conn.committed_audio == [said])
        rig.speaker.play_out()
        await rig.tap(0.1)
        await wait_until(lambda: rig.status is Status.LISTENING)
        assert rig.daemon.machine.turn_open


async def test_reload_hold_vad_hold_changes_gestures_and_gate() -> None:
    """Reloads switch the talk mode at once: in vad a tap mutes and the mic flows without a
    press; back in hold a press opens a turn."""
    modes: list[TalkMode] = ["vad", "hold"]
    holder: dict[str, Config] = {}

    def reload() -> Config:
        holder["c"] = Config(**{**holder["base"].__dict__, "talk": TalkConfig(mode=modes.pop(0))})
        return holder["c"]

    async with checked_server() as srv:
        rig = Rig(srv, reload=reload)
        holder["base"] = rig.config
        async with running(rig):
            await rig.daemon.reload()
            await wait_until(lambda: rig.daemon.machine.link is LinkState.LIVE)
            await wait_until(lambda: rig.status is Status.LISTENING)
            conn = srv.connections[-1]
            await rig.mic.speak(0.5)
            await wait_until(lambda: len(conn.input_audio) > 0)  # vad: no press needed
            await rig.tap(0.05)
            await wait_until(lambda: rig.status is Status.MUTED)
            await rig.tap(0.05)
            await wait_until(lambda: rig.status is Status.LISTENING)
            await rig.daemon.reload()
            await wait_until(lambda: rig.daemon.machine.link is LinkState.LIVE)
            await wait_until(lambda: rig.status is Status.READY)
            await rig.press()
            await wait_until(lambda: rig.status is Status.LISTENING)


async def test_a_hundred_sighups_leave_one_session() -> None:
    """100 SIGHUPs within a second: reloads are serialised and coalesced; in the end exactly
    one session is open at the server."""
    async with checked_server() as srv:
        config = config_for(srv)
        async with running(Rig(srv, reload=lambda: config)) as rig:
            for _ in range(100):
                os.kill(os.getpid(), signal.SIGHUP)
                await asyncio.sleep(0.005)
            await wait_until(lambda: rig.daemon.machine.link is LinkState.LIVE)
            await asyncio.sleep(0.3)
            await wait_until(lambda: sum(c.close_code is None for c in srv.connections) == 1)
            assert rig.status is Status.READY


async def test_a_stalled_microphone_stops_the_watchdog(
    notify: socket.socket, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An open mic that stops delivering (no known fault): status error, then no more
    WATCHDOG=1, so systemd restarts the daemon; frames again end it."""
    monkeypatch.setenv("WATCHDOG_USEC", "100000")
    async with checked_server() as srv, running(Rig(srv)) as rig:
        await rig.mic.speak(1.0)
        rig.clock.advance(6.0)  # nothing captured for 6 s
        await wait_until(lambda: rig.status is Status.ERROR)
        assert "no audio from the microphone" in rig.daemon.status_detail
        drain(notify)
        await asyncio.sleep(0.3)
        assert not [m for m in drain(notify) if "WATCHDOG=1" in m]
        await rig.mic.speak(0.1)
        await wait_until(lambda: rig.status is Status.READY)
        await asyncio.sleep(0.2)
        assert [m for m in drain(notify) if "WATCHDOG=1" in m]


class BrokenVoiceStart(Exception):
    pass


async def test_a_failure_after_the_panel_started_still_releases_it() -> None:
    """A part failing during start-up: run() raises, and the pins are released (a new
    Button can take the talk pin), the mic and speaker stopped."""
    async with checked_server() as srv:
        rig = Rig(srv)

        def broken_start() -> None:
            raise BrokenVoiceStart

        rig.daemon.voice.start = broken_start  # type: ignore[method-assign]
        with pytest.raises(BrokenVoiceStart):
            await rig.daemon.run()
        Button(17, pin_factory=rig.factory).close()  # the daemon let go of the pin
        rig.factory.reset()
        rig.factory.close()


async def test_a_failing_stop_is_logged_not_swallowed(caplog: pytest.LogCaptureFixture) -> None:
    """A part that fails to stop: logged with its traceback; the rest still stops, exit 0."""
    async with checked_server() as srv:
        rig = Rig(srv)

        async def broken_stop() -> None:
            raise RuntimeError("speaker would not stop")

        rig.speaker.stop = broken_stop  # type: ignore[method-assign]
        async with running(rig):
            pass
        assert "stopping the speaker failed" in caplog.text
        assert "speaker would not stop" in caplog.text
        assert srv.connections[0].close_code == 1000
