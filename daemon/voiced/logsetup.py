"""Where log lines go: journald (structured, VOICED_* fields) under systemd, else stderr."""

from __future__ import annotations

import logging
import os
import sys

from voiced.logs import install_redaction, quiet_websockets_logger


def _journal_handler() -> logging.Handler | None:
    if not os.environ.get("JOURNAL_STREAM") and not os.environ.get("INVOCATION_ID"):
        return None
    try:
        from systemd.journal import JournalHandler
    except ImportError:
        return None
    handler: logging.Handler = JournalHandler(SYSLOG_IDENTIFIER="voiced")
    return handler


class _StatusLineSafeHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """stderr logging that clears the terminal status light's line before each record and
    redraws it after, so log lines and the status line never collide."""

    def emit(self, record: logging.LogRecord) -> None:
        from voiced.panel.lights.terminal import status_line_paused

        with status_line_paused(self.stream):
            super().emit(record)


def setup_logging(level: str = "info") -> None:
    """One handler on the root logger; no timestamps (journald adds them)."""
    handler = _journal_handler()
    if handler is None:
        handler = _StatusLineSafeHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    else:
        handler.setFormatter(logging.Formatter("%(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
    install_redaction([handler])
    quiet_websockets_logger()
