"""Logging set-up: journald when there is one, stderr otherwise, and no secret ever printed."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

_lock = threading.Lock()
_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Every log line from now on has `value` replaced by a mask."""
    if value and len(value) >= 6:
        with _lock:
            _secrets.add(value)
            token = value.split()[-1]
            if len(token) >= 6:
                _secrets.add(token)


def redact(text: str, extra: Iterable[str] = ()) -> str:
    """`text` with every registered secret (and `extra`) masked."""
    with _lock:
        secrets = set(_secrets)
    secrets.update(s for s in extra if s)
    for secret in sorted(secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, "***")
        token = secret.split()[-1] if secret.split() else secret
        if len(token) >= 6 and token in text:
            text = text.replace(token, "***")
    return text


class RedactingFilter(logging.Filter):
    """Masks registered secrets in the formatted message of every record it sees."""

    def filter(self, record: logging.LogRecord) -> bool:
        with _lock:
            empty = not _secrets
        if empty:
            return True
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact(text)
        return True


def quiet_websockets_logger() -> None:
    """websockets logs every handshake header (Authorization included) at DEBUG: never that."""
    for name in ("websockets", "websockets.client", "websockets.server"):
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET or logger.level < logging.INFO:
            logger.setLevel(logging.INFO)


def install_redaction(handlers: Iterable[logging.Handler]) -> None:
    for handler in handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
