"""systemd's notify protocol through systemd-python: READY, STATUS, WATCHDOG, RELOADING."""

from __future__ import annotations

import logging
import os
import time

from voiced.logs import redact

log = logging.getLogger(__name__)

try:
    import systemd.daemon as _sd_daemon
except ImportError:  # pragma: no cover - systemd-python is a hard dependency
    _sd_daemon = None


class Notifier:
    """sd_notify that never raises: a missing or stale socket is logged once."""

    def __init__(self) -> None:
        self.enabled = bool(os.environ.get("NOTIFY_SOCKET")) and _sd_daemon is not None
        usec = os.environ.get("WATCHDOG_USEC", "")
        pid = os.environ.get("WATCHDOG_PID", "")
        self.watchdog_s = (
            int(usec) / 1e6 if usec.isdigit() and (not pid or pid == str(os.getpid())) else None
        )
        self._failed = False
        self.last_status = ""

    def _send(self, text: str) -> None:
        if not self.enabled or _sd_daemon is None:
            return
        try:
            _sd_daemon.notify(text)
        except OSError as exc:
            if not self._failed:
                log.warning("cannot reach systemd's notify socket: %s", exc)
                self._failed = True

    def ready(self, status: str) -> None:
        self._send(f"READY=1\nSTATUS={self._clean(status)}")

    def status(self, status: str) -> None:
        clean = self._clean(status)
        if clean != self.last_status:
            self.last_status = clean
            self._send(f"STATUS={clean}")

    def watchdog(self) -> None:
        self._send("WATCHDOG=1")

    def reloading(self) -> None:
        self._send(f"RELOADING=1\nMONOTONIC_USEC={time.monotonic_ns() // 1000}")

    def stopping(self) -> None:
        self._send("STOPPING=1\nSTATUS=stopping")

    @staticmethod
    def _clean(text: str) -> str:
        return redact(text.replace("\n", " "))[:200]
