"""The control socket: `voiced ctl status|press|release|cancel|mute|volume-up|…`.

One line in, one JSON line out, over a Unix stream socket (mode 0660: the voiced group).
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
COMMANDS = ("status", "reconnect", *TALK_COMMANDS)
MAX_LINE_BYTES = 256


def socket_path(configured: str) -> Path:
    """The configured path when its folder is usable, else $XDG_RUNTIME_DIR/voiced/…."""
    path = Path(configured)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if os.access(path.parent, os.W_OK):
            return path
    except OSError:
        pass
    runtime = os.environ.get("XDG_RUNTIME_DIR") or f"/tmp/voiced-{os.getuid()}"
    return Path(runtime) / "voiced" / path.name


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
                raw = await reader.readline()
            line = raw[:MAX_LINE_BYTES].decode("utf-8", "replace")
            reply = self.handle(line)
            writer.write(json.dumps(reply).encode() + b"\n")
            await writer.drain()
        except (TimeoutError, OSError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


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
    reply: dict[str, Any] = json.loads(data or b"{}")
    return reply
