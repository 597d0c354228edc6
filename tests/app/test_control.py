"""`voiced ctl` against a running daemon: the loopback bring-up path, with no key and no GPIO."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from voiced.app.control import ControlServer, client_socket_path, send_command
from voiced.app.daemon import Daemon
from voiced.audio.capture import AlsaMicrophone
from voiced.audio.playback import AlsaSpeaker
from voiced.config import AudioConfig, Config
from voiced.core.status import Status, TalkEvent
from voiced.panel.null import NullPanel
from voiced.voice import LoopbackVoice

from conftest import wait_until
from fakeserver import tone


async def ctl(sock: Path, command: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "voiced", "ctl", "--socket", str(sock), command]
    return await asyncio.to_thread(subprocess.run, argv, capture_output=True, text=True, timeout=30)


async def test_ctl_drives_a_loopback_turn(alsa_files: Path) -> None:
    """ctl press, speak, ctl release: the loopback provider plays the turn back."""
    fifo = alsa_files / "mic.fifo"
    os.mkfifo(fifo)
    writer = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)
    out_file = alsa_files / "speaker.raw"
    audio = AudioConfig(
        input_device=f"vmic:IN={fifo}",
        output_device=f"vspk:OUT={out_file}",
        input_rate_hz=24000,
        output_rate_hz=24000,
        prebuffer_ms=1000,
        mic_idle_read_ms=0,  # a FIFO blocks a read until the test writes: every period
    )
    config = Config(audio=audio)
    sock = alsa_files / "control.sock"
    daemon = Daemon(
        config,
        voice=LoopbackVoice(),
        mic=AlsaMicrophone(audio),
        speaker=AlsaSpeaker(audio, keep_running=False),
        panel=NullPanel("test"),
        control_path=sock,
    )
    run = asyncio.create_task(daemon.run())
    await wait_until(lambda: daemon.status is Status.READY)
    assert oct(sock.stat().st_mode & 0o777) == "0o660"
    assert (await ctl(sock, "press")).stdout.strip() == "ok"
    status = json.loads((await ctl(sock, "status")).stdout)
    assert status["status"] == "listening" and status["turn_open"] is True
    said = tone(0.5, 440.0)
    os.write(writer, said)
    await asyncio.sleep(0.2)
    assert (await ctl(sock, "release")).stdout.strip() == "ok"
    await wait_until(lambda: daemon.turns == 1 and daemon.status is Status.READY)
    daemon.stop()
    assert await asyncio.wait_for(run, 10.0) == 0
    os.close(writer)
    assert said in out_file.read_bytes()
    assert not sock.exists()


def test_unknown_command_and_unreachable_daemon(tmp_path: Path) -> None:
    """Unknown commands list the known ones; no daemon gives a clear message, status 1."""
    server = ControlServer(tmp_path / "s", status=dict, talk=lambda e: None, reconnect=lambda: None)
    reply = server.handle("dance")
    assert not reply["ok"] and "press" in reply["error"]
    events: list[TalkEvent] = []
    server._talk = events.append
    assert server.handle("press\n")["ok"] and events == [TalkEvent.TALK_START]
    out = subprocess.run(
        [sys.executable, "-m", "voiced", "ctl", "--socket", str(tmp_path / "none.sock"), "status"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 1 and "cannot reach the daemon" in out.stderr


async def test_long_line_gets_a_clean_error_reply(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A line of 64 KiB or more: a one-line JSON error, the server keeps serving, no traceback."""
    events: list[TalkEvent] = []
    server = ControlServer(tmp_path / "s", status=dict, talk=events.append, reconnect=lambda: None)
    await server.start()
    try:
        for size in (300, 64 * 1024, 1024 * 1024):
            reader, writer = await asyncio.open_unix_connection(str(tmp_path / "s"))
            writer.write(b"p" * size + b"\n")
            with contextlib.suppress(ConnectionResetError, BrokenPipeError):
                await writer.drain()
            reply = json.loads(await asyncio.wait_for(reader.readline(), 5.0))
            writer.close()
            assert reply["ok"] is False and "line too long" in reply["error"]
        reply = await asyncio.to_thread(send_command, tmp_path / "s", "press")
        assert reply == {"ok": True} and events == [TalkEvent.TALK_START]
    finally:
        await server.stop()
    assert "Traceback" not in caplog.text and "Unhandled exception" not in caplog.text


def test_client_uses_the_path_it_is_given(tmp_path: Path) -> None:
    """An explicit --socket is used as given, even where this user cannot write the folder."""
    assert client_socket_path("/run/nowhere/control.sock", explicit=True) == Path(
        "/run/nowhere/control.sock"
    )
    sock = tmp_path / "control.sock"
    sock.touch()
    assert client_socket_path(str(sock), explicit=False) == sock
