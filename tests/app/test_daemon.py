"""The daemon end to end with real parts: a real websockets peer (the fake realtime server),
real pyalsaaudio on file-backed PCMs (the mic fed through a FIFO, so the test decides when
sound arrives), gpiozero's mock pins for the button and light, and sd_notify on a socket."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from pathlib import Path

import pytest
from gpiozero.pins.mock import MockFactory, MockPWMPin

from voiced.app.credentials import find_api_key
from voiced.app.daemon import Daemon
from voiced.app.notify import Notifier
from voiced.app.voices import make_voice
from voiced.audio.capture import AlsaMicrophone
from voiced.audio.playback import AlsaSpeaker
from voiced.config import AudioConfig, Config, LinkConfig, PanelConfig, RealtimeConfig
from voiced.core.status import Status
from voiced.panel.factory import make_panel
from voiced.panel.null import NullPanel
from voiced.voice import RealtimeVoice

from conftest import API_KEY, checked_server, wait_until
from fakes import drain
from fakeserver import tone


async def test_push_to_talk_end_to_end(
    alsa_files: Path, notify: socket.socket, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Press, speak, release: the turn reaches the server, the answer reaches the speaker,
    the light and STATUS= follow, and SIGTERM-style stop is clean."""
    fifo = alsa_files / "mic.fifo"
    os.mkfifo(fifo)
    writer = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)  # keeps the FIFO open for the mic
    out_file = alsa_files / "speaker.raw"
    factory = MockFactory(pin_class=MockPWMPin)
    async with checked_server(pace="fast") as srv:
        srv.response_audio = tone(0.4, 523.0)
        monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
        config = Config(
            realtime=RealtimeConfig(provider="compatible", url=srv.url),
            link=LinkConfig(backoff_initial_s=0.05),
            audio=AudioConfig(
                input_device=f"vmic:IN={fifo}",
                output_device=f"vspk:OUT={out_file}",
                input_rate_hz=24000,
                output_rate_hz=24000,
                prebuffer_ms=1000,
                mic_idle_read_ms=0,  # a FIFO blocks a read until the test writes: every period
            ),
            panel=PanelConfig(board="usb-generic"),
        )
        voice = make_voice(config, find_api_key(config))
        panel, profile = make_panel(config, pin_factory=factory)
        assert profile is not None and profile.name == "usb-generic"
        speaker = AlsaSpeaker(config.audio, keep_running=False)
        mic = AlsaMicrophone(config.audio)
        daemon = Daemon(
            config, voice=voice, mic=mic, speaker=speaker, panel=panel, notifier=Notifier()
        )
        run = asyncio.create_task(daemon.run())
        await wait_until(lambda: daemon.status is Status.READY)
        assert any(m.startswith("READY=1") for m in drain(notify))

        button = factory.pin(17)
        button.drive_low()
        await wait_until(lambda: daemon.status is Status.LISTENING)
        said = tone(0.5, 300.0)
        os.write(writer, said)
        await wait_until(lambda: srv.connections[0].input_audio == bytearray(said))
        await asyncio.sleep(0.35)  # the FIFO gave 0.5 s of speech at once: hold past a tap
        button.drive_high()
        await wait_until(lambda: srv.connections[0].committed_audio == [said])
        try:
            await wait_until(lambda: daemon.turns == 1 and daemon.status is Status.READY)
        except AssertionError:
            raise AssertionError(
                (
                    daemon.status,
                    daemon.machine.busy,
                    speaker.is_playing(),
                    srv.connections[0].sent_types[-6:],
                )
            ) from None
        statuses = [m for m in drain(notify) if m.startswith("STATUS=")]
        assert "STATUS=connected, listening" in statuses
        daemon.stop()
        assert await asyncio.wait_for(run, 10.0) == 0
        assert any(m.startswith("STOPPING=1") for m in drain(notify))
    os.close(writer)
    played = out_file.read_bytes()
    start = played.find(srv.response_audio[:480])
    assert start >= 0, "the answer never reached the speaker"
    heard = played[start : start + len(srv.response_audio)]
    same = sum(a == b for a, b in zip(heard, srv.response_audio, strict=False))
    assert same == len(srv.response_audio), (len(played), start, len(heard), same)
    light = factory.pin(27)
    assert len({round(state, 2) for _, state in light.states}) >= 3  # the light animated
    assert srv.connections[0].close_code == 1000
    factory.reset()
    factory.close()


async def test_missing_audio_device_is_reported_not_fatal(
    alsa_files: Path, notify: socket.socket
) -> None:
    """A mic that does not exist: READY anyway, STATUS= and the light say error, and the
    daemon keeps running (and retrying) until stopped."""
    factory = MockFactory(pin_class=MockPWMPin)
    config = Config(
        audio=AudioConfig(input_device="no-such-mic", output_device="vspk:OUT=/dev/null"),
        panel=PanelConfig(board="usb-generic"),
    )
    voice = make_voice(config, find_api_key(config, {}))
    panel, _ = make_panel(config, pin_factory=factory)
    daemon = Daemon(
        config,
        voice=voice,
        mic=AlsaMicrophone(config.audio),
        speaker=AlsaSpeaker(config.audio, keep_running=False),
        panel=panel,
        notifier=Notifier(),
    )
    run = asyncio.create_task(daemon.run())
    await wait_until(lambda: daemon.status is Status.ERROR)
    messages = drain(notify)
    assert any(m.startswith("READY=1") for m in messages)
    assert any("no-such-mic" in m for m in messages if "STATUS=error" in m), messages
    await asyncio.sleep(0.3)
    assert not run.done()
    daemon.stop()
    assert await asyncio.wait_for(run, 10.0) == 0
    factory.reset()
    factory.close()


async def test_reload_applies_a_fixed_key(tmp_path: Path, notify: socket.socket) -> None:
    """A rejected key stops the link (status error); after the key file is fixed, SIGHUP
    starts a fresh session with the new key: RELOADING=1, then READY=1 and ready."""
    key_file = tmp_path / "key"
    key_file.write_text("sk-wrong-key-000000\n")
    async with checked_server(pace="fast") as srv:
        config = Config(
            realtime=RealtimeConfig(provider="compatible", url=srv.url, api_key_file=str(key_file))
        )

        def voice_for(cfg: Config) -> RealtimeVoice:
            return make_voice(cfg, find_api_key(cfg, {}))

        daemon = Daemon(
            config,
            voice=voice_for(config),
            mic=None,
            speaker=None,
            panel=NullPanel("test"),
            make_voice=voice_for,
            reload=lambda: config,
        )
        run = asyncio.create_task(daemon.run())
        await wait_until(lambda: daemon.status is Status.ERROR)
        assert "API key rejected" in daemon.status_detail
        attempts = srv.handshake_attempts
        await asyncio.sleep(0.3)
        assert srv.handshake_attempts == attempts == 1  # fatal: no retry loop
        key_file.write_text(API_KEY + "\n")
        os.kill(os.getpid(), signal.SIGHUP)
        await wait_until(lambda: daemon.status is Status.READY)
        assert srv.connections[-1].headers["Authorization"] == f"Bearer {API_KEY}"
        messages = drain(notify)
        reloading = next(i for i, m in enumerate(messages) if m.startswith("RELOADING=1"))
        assert any(m.startswith("READY=1") for m in messages[reloading:])
        daemon.stop()
        assert await asyncio.wait_for(run, 10.0) == 0
