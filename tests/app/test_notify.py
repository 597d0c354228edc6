"""sd_notify through systemd-python, received on a real datagram socket."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from voiced.app.notify import Notifier
from voiced.logs import register_secret


@pytest.fixture
def notify_socket(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> socket.socket:
    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(2.0)
    monkeypatch.setenv("NOTIFY_SOCKET", str(path))
    monkeypatch.setenv("WATCHDOG_USEC", "4000000")
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    return sock


def test_ready_status_watchdog_stopping(notify_socket: socket.socket) -> None:
    """READY=1 with STATUS, WATCHDOG=1 and STOPPING=1 reach the socket as systemd reads them."""
    n = Notifier()
    assert n.watchdog_s == 4.0
    n.ready("connected, ready")
    assert notify_socket.recv(4096) == b"READY=1\nSTATUS=connected, ready"
    n.watchdog()
    assert notify_socket.recv(4096) == b"WATCHDOG=1"
    n.status("reconnecting in 4 s (closed 1011)")
    assert notify_socket.recv(4096) == b"STATUS=reconnecting in 4 s (closed 1011)"
    n.stopping()
    assert notify_socket.recv(4096).startswith(b"STOPPING=1")


def test_status_is_deduplicated_and_redacted(notify_socket: socket.socket) -> None:
    """The same status is sent once; a secret in it is masked."""
    register_secret("sk-status-SECRET-4242")
    n = Notifier()
    n.status("error: key sk-status-SECRET-4242 rejected")
    n.status("error: key sk-status-SECRET-4242 rejected")
    first = notify_socket.recv(4096)
    assert b"SECRET" not in first and b"***" in first
    notify_socket.settimeout(0.2)
    with pytest.raises(TimeoutError):
        notify_socket.recv(4096)


def test_missing_socket_never_raises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stale NOTIFY_SOCKET is logged, not raised."""
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "gone.sock"))
    n = Notifier()
    n.ready("x")
    n.watchdog()
    assert n.enabled
