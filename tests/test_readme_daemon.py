"""The README's commands run for real: `make run` starts the daemon (the fake realtime
server, file-backed ALSA audio, the control socket in a temporary folder) and `voiced ctl …`
drives it; `voiced --version` / `--help` / `devices` / `check`, `make devices`, `make check`;
and the README's library snippet, as written, against the fake server.

tests/test_readme.py maps every README command to these tests (or says why it cannot run).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.metadata
import json
import math
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pytest

from voiced.app.control import send_command
from voiced.config import DEFAULT_PATH
from voiced.link import endpoint
from voiced.voice import CompositeVoice, OpenAIRealtimeVoice

from audio_rig import alsa_config_path, write_alsa_config
from conftest import API_KEY, checked_server, wait_until
from fakeserver import FakeRealtimeServer, tone

REPO = Path(__file__).resolve().parents[1]
T = TypeVar("T")

#: `voiced` as a person types it: the venv's console script (pyproject's entry point).
_SCRIPT = Path(sys.executable).with_name("voiced")
VOICED = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "voiced"]
CTL_COMMANDS = (
    "status",
    "press",
    "release",
    "cancel",
    "mute",
    "volume-up",
    "volume-down",
    "reconnect",
)
#: Variables of the machine or an outer make/systemd that would change what is tested.
DROP_ENV = (
    "JOURNAL_STREAM",
    "INVOCATION_ID",
    "NOTIFY_SOCKET",
    "WATCHDOG_USEC",
    "CREDENTIALS_DIRECTORY",
    "STATE_DIRECTORY",
    "OPENAI_API_KEY",
    "AZURE_OPENAI_API_KEY",
    "MAKEFLAGS",
    "MAKELEVEL",
    "MFLAGS",
    "MAKEOVERRIDES",
    "PIPEWIRE_RUNTIME_DIR",  # the audio tests' PipeWire session: the default device is not
    "PIPEWIRE_REMOTE",  # theirs to use here
    "PULSE_SERVER",
    "DBUS_SESSION_BUS_ADDRESS",
)


def clean_env(tmp: Path) -> dict[str, str]:
    """This environment minus DROP_ENV, with the test PCMs (vmic, vspk) and a private runtime
    folder."""
    env = {k: v for k, v in os.environ.items() if k not in DROP_ENV}
    env["ALSA_CONFIG_PATH"] = alsa_config_path(write_alsa_config(tmp / "alsa"))
    runtime = tmp / "runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env["XDG_RUNTIME_DIR"] = str(runtime)
    return env


def run(
    argv: list[str], env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def make_run_argv() -> list[str] | None:
    """`make run` for the venv running these tests, when make would start it as it is: made
    by make (.flags, .stamp) and up to date (so make neither rebuilds nor installs)."""
    venv = Path(sys.prefix)
    flags, stamp = venv / ".flags", venv / ".stamp"
    if not (flags.exists() and stamp.exists()):
        return None
    variables = [f"VENV={venv}", f"VENV_FLAGS={flags.read_text().strip()}"]
    env = {k: v for k, v in os.environ.items() if k not in DROP_ENV}
    fresh = subprocess.run(
        ["make", "-q", *variables, str(stamp)], cwd=REPO, env=env, timeout=60, check=False
    )
    return ["make", "--no-print-directory", "run", *variables] if fresh.returncode == 0 else None


# ---- the fake server, on its own loop (the daemon is another process) ---------------------


class ServerThread:
    """checked_server() in a thread: every frame the daemon sends is checked at the end."""

    def __init__(self) -> None:
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, name="fake-realtime", daemon=True)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.srv: FakeRealtimeServer | None = None
        self._stop: asyncio.Event | None = None
        self.error: BaseException | None = None

    def _main(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:
            self.error = exc
            self._ready.set()

    async def _serve(self) -> None:
        self.loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with checked_server(pace="fast") as srv:
            srv.response_audio = tone(0.3, 523.0)
            self.srv = srv
            self._ready.set()
            await self._stop.wait()

    def __enter__(self) -> ServerThread:
        self._thread.start()
        assert self._ready.wait(10.0) and self.error is None, self.error
        return self

    def __exit__(self, *exc: object) -> None:
        if self.loop is not None and self._stop is not None:
            self.loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10.0)
        if self.error is not None:
            raise self.error

    def on_loop(self, fn: Callable[[FakeRealtimeServer], T]) -> T:
        """fn(server) on the server's loop; its result."""
        assert self.loop is not None and self.srv is not None
        srv = self.srv

        async def call() -> T:
            return fn(srv)

        return asyncio.run_coroutine_threadsafe(call(), self.loop).result(5.0)

    def await_on_loop(self, fn: Callable[[FakeRealtimeServer], Awaitable[T]]) -> T:
        """Await fn(server) on the server's loop; its result."""
        assert self.loop is not None and self.srv is not None
        srv = self.srv

        async def call() -> T:
            return await fn(srv)

        return asyncio.run_coroutine_threadsafe(call(), self.loop).result(10.0)

    @property
    def url(self) -> str:
        return self.on_loop(lambda s: f"ws://127.0.0.1:{s.port}/v1/realtime")


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with ServerThread() as thread:
        yield thread


# ---- the daemon, started with `make run` ---------------------------------------------------


@dataclass
class Daemon:
    process: subprocess.Popen[bytes]
    via_make: bool
    env: dict[str, str]
    config: Path
    sock: Path
    mic: int
    speaker: Path
    log: Path
    server: ServerThread

    def ctl(self, command: str) -> subprocess.CompletedProcess[str]:
        """`voiced ctl --socket PATH command`, as a person runs it."""
        return run([*VOICED, "ctl", "--socket", str(self.sock), command], self.env, 30)

    def status(self) -> dict[str, Any]:
        return send_command(self.sock, "status")

    def logged(self) -> str:
        return self.log.read_text(errors="replace")

    def say(self, pcm: bytes) -> None:
        os.write(self.mic, pcm)


def _descendant(pid: int, *args: str) -> int | None:
    """The first process under `pid` whose arguments include all of `args` (a shell running
    a command line holds it as one argument, so it is passed over)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    todo = [pid]
    while todo:
        current = todo.pop()
        for child, parent in parents.items():
            if parent == current:
                with contextlib.suppress(OSError):
                    argv = (Path("/proc") / str(child) / "cmdline").read_bytes().split(b"\0")
                    if all(a.encode() in argv for a in args):
                        return child
                todo.append(child)
    return None


def daemon_config(tmp: Path, server: ServerThread) -> tuple[Path, Path, Path, Path]:
    """The daemon's TOML (the key in a key file) and its socket, mic FIFO and speaker file."""
    key_file = tmp / "openai_api_key"
    key_file.write_text(API_KEY + "\n")
    key_file.chmod(0o600)
    fifo, speaker, sock = tmp / "mic.fifo", tmp / "speaker.raw", tmp / "ctl" / "control.sock"
    os.mkfifo(fifo)
    config = tmp / "voiced.toml"
    config.write_text(
        textwrap.dedent(
            f"""\
            [realtime]
            provider = "openai"
            url = "{server.url}"
            api_key_file = "{key_file}"
            [link]
            backoff_initial_s = 0.05
            [audio]
            input_device = "vmic:IN={fifo}"
            output_device = "vspk:OUT={speaker}"
            input_rate_hz = 24000
            output_rate_hz = 24000
            mic_idle_read_ms = 0
            volume_percent = 100
            [talk]
            tap_s = 0.05
            [sounds]
            enabled = false
            [panel]
            board = "auto"
            [control]
            socket = "{sock}"
            state_dir = "{tmp / "state"}"
            """
        )
    )
    return config, sock, fifo, speaker


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory, server: ServerThread) -> Iterator[Daemon]:
    """`make run CONFIG=…` (or `voiced run --config …` where make would rebuild the venv),
    ready; at the end SIGTERM must stop it with exit status 0."""
    tmp = tmp_path_factory.mktemp("readme-daemon")
    env = clean_env(tmp)
    config, sock, fifo, speaker = daemon_config(tmp, server)
    mic = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)  # the daemon reads what the test writes
    make = make_run_argv()
    argv = [*make, f"CONFIG={config}"] if make else [*VOICED, "run", "--config", str(config)]
    log = tmp / "daemon.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv, cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out
        )
    d = Daemon(process, make is not None, env, config, sock, mic, speaker, log, server)
    try:
        asyncio.run(
            wait_until(
                lambda: (
                    process.poll() is not None
                    or (sock.exists() and d.status().get("link") == "live")
                ),
                timeout_s=30.0,
                period_s=0.05,
            )
        )
        assert process.poll() is None, d.logged()
        yield d
    finally:
        target = _descendant(process.pid, "run", str(config)) if make else process.pid
        if target is not None and process.poll() is None:
            os.kill(target, signal.SIGTERM)
        code = _wait_feeding(process, mic, 20.0)
        os.close(mic)
    assert code == 0, f"exit status {code} after SIGTERM:\n{d.logged()[-3000:]}"
    assert not sock.exists(), "the control socket was left behind"


def _wait_feeding(process: subprocess.Popen[bytes], mic: int, timeout_s: float) -> int:
    """Wait for the exit status, writing silence so a mic read blocked on the FIFO returns."""
    deadline = time.monotonic() + timeout_s
    while True:
        with contextlib.suppress(BlockingIOError):
            os.write(mic, bytes(960))
        with contextlib.suppress(subprocess.TimeoutExpired):
            return process.wait(0.05)
        if time.monotonic() > deadline:
            process.kill()
            return process.wait(5.0)


async def wait_status(d: Daemon, **want: object) -> dict[str, Any]:
    """Wait until `voiced ctl status` shows every field in `want`; the status."""
    seen: dict[str, Any] = {}

    def matches() -> bool:
        seen.clear()
        seen.update(d.status())
        return all(seen.get(k) == v for k, v in want.items())

    try:
        await wait_until(matches, timeout_s=10.0, period_s=0.02)
    except AssertionError:
        raise AssertionError(f"wanted {want}, status {seen}\n{d.logged()[-2000:]}") from None
    return seen


def ok(out: subprocess.CompletedProcess[str]) -> None:
    assert out.returncode == 0 and out.stdout.strip() == "ok", (out.stdout, out.stderr)


# ---- make run and voiced ctl -----------------------------------------------------------------


def test_make_run_starts_the_daemon(daemon: Daemon) -> None:
    """`make run CONFIG=…` starts the daemon: connected with the key file's key, control
    socket mode 0660, and the `board:` line the README's journalctl -g recipe finds."""
    if not daemon.via_make:
        pytest.skip("this venv was not made by make (or make would rebuild it): ran voiced run")
    assert (daemon.sock.stat().st_mode & 0o777) == 0o660
    assert re.search(r"^INFO \S+: board: ", daemon.logged(), re.M), daemon.logged()
    conns = daemon.server.on_loop(lambda s: [c.headers.get("Authorization") for c in s.connections])
    assert conns and conns[0] == f"Bearer {API_KEY}"


def test_ctl_status(daemon: Daemon) -> None:
    """`voiced ctl --socket PATH status` prints the JSON status; `voiced ctl --config FILE
    status` finds the socket through control.socket."""
    out = daemon.ctl("status")
    assert out.returncode == 0, out.stderr
    status = json.loads(out.stdout)
    assert status["ok"] is True and status["link"] == "live" and status["mode"] == "hold"
    assert status["status"] == "ready" and status["muted"] is None
    by_config = run([*VOICED, "ctl", "--config", str(daemon.config), "status"], daemon.env)
    assert by_config.returncode == 0 and json.loads(by_config.stdout)["ok"] is True


async def test_ctl_press(daemon: Daemon) -> None:
    """`voiced ctl press` opens a turn: the status says listening."""
    ok(daemon.ctl("press"))
    await wait_status(daemon, status="listening", turn_open=True)
    ok(daemon.ctl("cancel"))
    await wait_status(daemon, status="ready", turn_open=False)


async def test_ctl_release(daemon: Daemon) -> None:
    """press, speak, `voiced ctl release`: the turn reaches the server, the answer the
    speaker."""
    turns = daemon.status()["turns"]
    said = tone(0.5, 300.0)
    ok(daemon.ctl("press"))
    await wait_status(daemon, status="listening")
    daemon.say(said)
    srv = daemon.server
    await wait_until(lambda: srv.on_loop(lambda s: bytes(s.connections[-1].input_audio)) == said)
    ok(daemon.ctl("release"))
    await wait_until(
        lambda: srv.on_loop(lambda s: s.connections[-1].committed_audio[-1:]) == [said]
    )
    await wait_status(daemon, status="ready", turns=turns + 1)
    answer = srv.on_loop(lambda s: s.response_audio)
    await wait_until(lambda: daemon.speaker.exists() and answer in daemon.speaker.read_bytes())


async def test_ctl_cancel(daemon: Daemon) -> None:
    """press, speak, `voiced ctl cancel`: the turn is dropped, nothing is committed."""
    srv = daemon.server
    commits = srv.on_loop(lambda s: len(s.connections[-1].committed_audio))
    turns = daemon.status()["turns"]
    ok(daemon.ctl("press"))
    await wait_status(daemon, status="listening")
    daemon.say(tone(0.3, 200.0))
    ok(daemon.ctl("cancel"))
    status = await wait_status(daemon, status="ready", turn_open=False)
    assert status["turns"] == turns
    assert srv.on_loop(lambda s: len(s.connections[-1].committed_audio)) == commits


async def test_ctl_mute(daemon: Daemon) -> None:
    """`voiced ctl mute` mutes (status muted, "muted": "button") and a press then opens no
    turn; again unmutes."""
    ok(daemon.ctl("mute"))
    await wait_status(daemon, status="muted", muted="button")
    ok(daemon.ctl("press"))
    await wait_until(lambda: "muted: unmute to talk" in daemon.logged())
    assert daemon.status()["turn_open"] is False
    ok(daemon.ctl("mute"))
    await wait_status(daemon, status="ready", muted=None)


def _volume(d: Daemon) -> list[int]:
    return [int(v) for v in re.findall(r": volume (\d+)%$", d.logged(), re.M)]


async def test_ctl_volume_down(daemon: Daemon) -> None:
    """`voiced ctl volume-down` lowers the volume by audio.volume_step_percent (logged)."""
    before = _volume(daemon)
    start = before[-1] if before else 100  # audio.volume_percent
    ok(daemon.ctl("volume-down"))
    await wait_until(lambda: len(_volume(daemon)) == len(before) + 1)
    assert _volume(daemon)[-1] == max(0, start - 10)


async def test_ctl_volume_up(daemon: Daemon) -> None:
    """`voiced ctl volume-up` raises the volume by audio.volume_step_percent (logged; after
    volume-down, so there is room above)."""
    before = _volume(daemon)
    start = before[-1] if before else 100  # audio.volume_percent
    ok(daemon.ctl("volume-up"))
    await wait_until(lambda: len(_volume(daemon)) == len(before) + 1)
    assert _volume(daemon)[-1] == min(100, start + 10)


async def test_ctl_reconnect(daemon: Daemon) -> None:
    """A rejected key stops the link for good (status error); once the key is right again,
    `voiced ctl reconnect` connects at once."""
    srv = daemon.server
    sessions = srv.on_loop(lambda s: len(s.connections))
    srv.on_loop(lambda s: setattr(s, "api_key", "sk-another-key-0000000000"))
    try:
        srv.await_on_loop(lambda s: s.drop_all(1011))
        status = await wait_status(daemon, status="error", link="failed")
        assert "rejected" in status["detail"], status
    finally:
        srv.on_loop(lambda s: setattr(s, "api_key", API_KEY))
    ok(daemon.ctl("reconnect"))
    await wait_status(daemon, status="ready", link="live")
    assert srv.on_loop(lambda s: len(s.connections)) == sessions + 1


def test_ctl_lists_the_readme_commands() -> None:
    """`voiced ctl --help` offers exactly the commands the README lists."""
    out = run([*VOICED, "ctl", "--help"], clean_env_plain())
    match = re.search(r"\{([\w,-]+)\}", out.stdout)
    assert match and tuple(match.group(1).split(",")) == CTL_COMMANDS, out.stdout


# ---- voiced --version, --help, devices, check; make devices, make check ----------------------


def clean_env_plain() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in DROP_ENV}


def test_version_and_help() -> None:
    """`voiced --version` prints the installed version; `voiced --help` lists subcommands
    that each have their own --help."""
    env = clean_env_plain()
    out = run([*VOICED, "--version"], env)
    assert out.returncode == 0
    assert out.stdout.strip() == f"voiced {importlib.metadata.version('voiced')}"
    helped = run([*VOICED, "--help"], env)
    match = re.search(r"\{([\w,]+)\}", helped.stdout)
    assert match, helped.stdout
    subcommands = match.group(1).split(",")
    assert {"run", "check", "ctl", "devices"} <= set(subcommands)
    for sub in subcommands:
        assert run([*VOICED, sub, "--help"], env).returncode == 0, sub
    check = run([*VOICED, "check", "--help"], env).stdout
    assert "audio" in check and "network" in check


def test_make_devices_lists_the_pcms(tmp_path: Path) -> None:
    """`voiced devices` and `make devices` list the ALSA PCMs: the test mic and speaker."""
    env = clean_env(tmp_path)
    out = run([*VOICED, "devices"], env)
    assert out.returncode == 0, out.stderr
    playback = re.search(r"^Playback PCMs.*: (.*)$", out.stdout, re.M)
    capture = re.search(r"^Capture PCMs.*: (.*)$", out.stdout, re.M)
    assert playback and "vspk" in playback.group(1).split(", "), out.stdout
    assert capture and "vmic" in capture.group(1).split(", "), out.stdout
    make = make_run_argv()
    if make is None:
        pytest.skip("this venv was not made by make: `make devices` would rebuild it")
    by_make = run(["make", "--no-print-directory", "devices", *make[3:]], env)
    assert by_make.returncode == 0, by_make.stderr
    assert out.stdout in by_make.stdout


CHECK_LINE = re.compile(r"^(?:ok   [\w -]+: .+|FAIL [\w -]+: .+\. Fix: .+)$")


def _check_lines(stdout: str) -> list[str]:
    """The result lines, each `ok   what: detail` or `FAIL what: why. Fix: how`."""
    lines = [ln for ln in stdout.splitlines() if ln.startswith(("ok ", "FAIL"))]
    for line in lines:
        assert CHECK_LINE.match(line), line
    return lines


def test_make_check_and_voiced_check(tmp_path: Path) -> None:
    """`voiced check` and `make check` on this machine, with no configuration file: every
    part is reported, each problem as `FAIL what: why. Fix: how`; exit 0 or 1."""
    if DEFAULT_PATH.exists():
        pytest.skip(f"{DEFAULT_PATH} exists: this machine's own configuration would be checked")
    env = clean_env(tmp_path)
    out = run([*VOICED, "check"], env, 120)
    assert out.returncode in (0, 1), out.stdout + out.stderr
    assert "Traceback" not in out.stderr
    lines = _check_lines(out.stdout)
    for part in ("config", "credentials", "panel", "realtime"):
        assert any(ln[5:].startswith(part + ":") for ln in lines), (part, lines)
    assert re.search(r"^(?:FAIL )?mic\b", out.stdout, re.M), out.stdout  # both checked
    assert re.search(r"^(?:FAIL )?speaker\b", out.stdout, re.M), out.stdout
    assert (out.returncode == 1) == any(ln.startswith("FAIL") for ln in lines)
    make = make_run_argv()
    if make is None:
        pytest.skip("this venv was not made by make: `make check` would rebuild it")
    by_make = run(["make", "--no-print-directory", "check", *make[3:]], env, 120)
    assert by_make.returncode == (0 if out.returncode == 0 else 2), by_make.stderr
    assert _check_lines(by_make.stdout) == lines


def test_check_audio_records_and_plays(tmp_path: Path) -> None:
    """`voiced check audio`: records 3 s, prints peak and RMS in dBFS, plays it back."""
    env = clean_env(tmp_path)
    amplitude = 8000
    mic = tmp_path / "mic.raw"
    t = np.arange(int(3.5 * 24000)) / 24000
    mic.write_bytes((amplitude * np.sin(2 * np.pi * 440 * t)).astype("<i2").tobytes())
    speaker = tmp_path / "speaker.raw"
    config = tmp_path / "voiced.toml"
    config.write_text(
        f'[audio]\ninput_device = "vmic:IN={mic}"\noutput_device = "vspk:OUT={speaker}"\n'
    )
    out = run([*VOICED, "check", "--config", str(config), "audio"], env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "recording 3 s" in out.stdout and "playing it back" in out.stdout
    levels = re.search(r"^peak (-?[\d.]+) dBFS, RMS (-?[\d.]+) dBFS$", out.stdout, re.M)
    assert levels, out.stdout
    peak = 20 * math.log10(amplitude / 32768)
    assert abs(float(levels.group(1)) - peak) < 0.3
    assert abs(float(levels.group(2)) - (peak - 3.01)) < 0.3
    assert "ok   audio:" in out.stdout
    played = np.frombuffer(speaker.read_bytes(), dtype="<i2")
    assert len(played) == 3 * 24000
    assert abs(int(np.abs(played).max()) - amplitude) < amplitude * 0.05


def test_check_network_reaches_the_server(tmp_path: Path, server: ServerThread) -> None:
    """`voiced check network`: a live, configured session at the (fake) server, exit 0; a
    wrong key: one FAIL line with the fix, exit 1."""
    env = clean_env(tmp_path)
    key = tmp_path / "key"
    key.write_text(API_KEY)
    config = tmp_path / "voiced.toml"
    text = f'[realtime]\nprovider = "openai"\nurl = "{server.url}"\napi_key_file = "{key}"\n'
    config.write_text(text)
    out = run([*VOICED, "check", "--config", str(config), "network"], env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "ok   realtime: session live and configured (openai)" in out.stdout
    key.write_text("sk-wrong-key-000000000")
    out = run([*VOICED, "check", "--config", str(config), "network"], env)
    assert out.returncode == 1, out.stdout + out.stderr
    failed = [ln for ln in _check_lines(out.stdout) if ln.startswith("FAIL")]
    assert len(failed) == 1 and "valid key" in failed[0], out.stdout
    assert "sk-wrong-key-000000000" not in out.stdout + out.stderr


# ---- the library snippet ---------------------------------------------------------------------


def readme_snippet() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```", text, re.S | re.M)
    assert len(blocks) == 1
    return str(blocks[0])


async def test_library_snippet_runs_against_the_fake_server(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The README's library snippet, as written (key from OPENAI_API_KEY, OpenAI's URL
    pointed at the fake server): the turn is sent and committed, the answer reaches `play`,
    the transcript is printed, the session closes with 1000."""
    snippet = readme_snippet()
    async with checked_server(pace="fast") as srv:
        srv.response_audio = tone(0.3, 523.0)
        monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
        monkeypatch.setattr(endpoint, "OPENAI_URL", f"ws://127.0.0.1:{srv.port}/v1/realtime")
        chunks: list[bytes] = []

        async def play(stream: Any) -> None:
            async for chunk in stream:
                chunks.append(chunk)

        said = tone(0.5, 300.0)
        namespace: dict[str, Any] = {"play": play, "pcm_24k": said}
        source = "async def readme():\n" + textwrap.indent(snippet, "    ") + "    return voice\n"
        exec(compile(source, "README.md", "exec"), namespace)
        voice = await asyncio.wait_for(namespace["readme"](), 15.0)
        await wait_until(lambda: b"".join(chunks) == srv.response_audio)
    assert isinstance(voice, CompositeVoice)
    assert isinstance(voice.realtime_provider, OpenAIRealtimeVoice)
    conn = srv.connections[0]
    assert conn.committed_audio == [said]  # the turn, not only a response.create
    assert conn.close_code == 1000
    printed = capsys.readouterr().out.splitlines()
    said_back = "".join(
        ln.removeprefix("assistant ") for ln in printed if ln.startswith("assistant ")
    )
    assert said_back == srv.response_text, printed
