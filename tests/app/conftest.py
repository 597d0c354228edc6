"""Fixtures for the daemon tests."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from audio_rig import alsa_test_pcms


@pytest.fixture
def alsa_files(tmp_path: Path) -> Iterator[Path]:
    """The file-backed test PCMs (vmic, vspk) loaded after the system's ALSA config."""
    with alsa_test_pcms(tmp_path / "alsa"):
        yield tmp_path


@pytest.fixture
def notify(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> socket.socket:
    """sd_notify's socket, bound by the test: NOTIFY_SOCKET points at it."""
    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.setblocking(False)
    monkeypatch.setenv("NOTIFY_SOCKET", str(path))
    return sock
