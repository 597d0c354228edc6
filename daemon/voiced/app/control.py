"""The control socket: `voiced ctl status|press|release|cancel|mute|volume-up|…`.

One line in, one JSON line out, over a Unix stream socket (mode 0660: the voiced group,
in the unit's RuntimeDirectory /run/voiced, mode 0750). A line longer than MAX_LINE_BYTES
gets a one-line error reply, never a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from voiced.core.status import TalkEvent

log = logging.getLogger(__name__)

TALK_COMMANDS = {
    "press": TalkEvent.TALK_START,
    "release": TalkEvent.TALK_END,
    "cancel": TalkEvent.CANCEL,
    "mute": TalkEvent.MUTE_TOGGLE,
    "volume-up": TalkEvent.VOLUME_UP,
    "volume-down": TalkEvent.VOLUME_DOWN,
}
COMMANDS = ("status", *TALK_COMMANDS, "reconnect")
"""What `voiced ctl` may ask, in the order its --help and the README list them."""
MAX_LINE_BYTES = 256


def _fallback(path: Path) -> Path:
    runtime = os.environ.get("XDG_RUNTIME_DIR") or f"/tmp/voiced-{os.getuid()}"
    return Path(runtime) / "voiced" / path.name


def socket_path(configured: str) -> Path:
    """Where the daemon listens: the configured path when its folder is usable (under the
    unit), else $XDG_RUNTIME_DIR/voiced/… (a developer's `make run`)."""
    path = Path(configured)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if os.access(path.parent, os.W_OK):
            return path
    except OSError:
        pass
    return _fallback(path)


def client_socket_path(configured: str, *, explicit: bool) -> Path:
    """Where `voiced ctl` connects: an explicit --socket as given; the configured path when
    it exists or cannot be looked at (a permission error says more than a wrong guess);
    else the developer fallback the daemon uses when it runs as you."""
    path = Path(configured)
    if explicit:
        return path
    try:
        if path.exists() or not path.parent.exists():
            return path
        os.stat(path)
    except PermissionError:
        return path
    except OSError:
        pass
    fallback = _fallback(path)
    return fallback if fallback.exists() else path


class ControlServer:
    def __init__(
        self,
        path: Path,
        *,
        status: Callable[[], dict[str, Any]],
        talk: Callable[[TalkEvent], None],
        reconnect: Callable[[], None],
    ) -> None:
        self.path = path
        self._status = status
        self._talk = talk
        self._reconnect = reconnect
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            if self.path.is_socket():
                self.path.unlink()
        self._server = await asyncio.start_unix_server(self._serve, path=str(self.path))
        os.chmod(self.path, 0o660)
        log.info("control socket %s", self.path)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def handle(self, line: str) -> dict[str, Any]:
        command = line.strip().lower()
        if command == "status":
            return {"ok": True, **self._status()}
        if command == "reconnect":
            self._reconnect()
            return {"ok": True}
        if command in TALK_COMMANDS:
            self._talk(TALK_COMMANDS[command])
            return {"ok": True}
        return {"ok": False, "error": f"unknown command; use one of: {', '.join(COMMANDS)}"}

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(5.0):
                raw = await _read_line(reader)
            if raw is None:
                log.debug("control socket: a line over %d bytes refused", MAX_LINE_BYTES)
                reply: dict[str, Any] = {
                    "ok": False,
                    "error": f"line too long (at most {MAX_LINE_BYTES} bytes); "
                    f"use one of: {', '.join(COMMANDS)}",
                }
            else:
                reply = self.handle(raw.decode("utf-8", "replace"))
            writer.write(json.dumps(reply).encode() + b"\n")
            await writer.drain()
        except (TimeoutError, OSError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


async def _read_line(reader: asyncio.StreamReader, max_drop_bytes: int = 16 << 20) -> bytes | None:
    """One line of at most MAX_LINE_BYTES, or None for a longer one (whose rest, up to its
    newline, is read and dropped so the client sees the reply rather than a reset)."""
    data = b""
    while b"\n" not in data:
        chunk = await reader.read(4096)
        if not chunk:
            break
        data += chunk
        if len(data) > MAX_LINE_BYTES + 2:
            dropped = len(data)
            while b"\n" not in chunk and chunk and dropped < max_drop_bytes:
                chunk = await reader.read(65536)
                dropped += len(chunk)
            return None
    line = data.split(b"\n", 1)[0].rstrip(b"\r")
    return None if len(line) > MAX_LINE_BYTES else line


def send_command(path: Path, command: str, timeout_s: float = 5.0) -> dict[str, Any]:
    """The client side (blocking): one command, one reply."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout_s)
        sock.connect(str(path))
        sock.sendall(command.encode() + b"\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    try:
        reply = json.loads(data or b"{}")
    except ValueError:
        reply = None
    if not isinstance(reply, dict):
        return {"ok": False, "error": "the daemon sent a reply that is not JSON"}
    return reply
