"""Logging set-up: journald when there is one, stderr otherwise, and no secret ever printed."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable

_lock = threading.Lock()
_secrets: set[str] = set()


#: Key-shaped tokens masked even when not registered (a server may echo a key we never saw).
_KEY_PATTERN = re.compile(r"\b(?:sk|rk)-[A-Za-z0-9_\-]{16,}|(?i:bearer)\s+[A-Za-z0-9._\-]{16,}")


def register_secret(value: str | None) -> None:
    """Every log line and error text from now on has `value` replaced by a mask.

    Also guards the library's loggers themselves, so an application that logs with its own
    handlers (no `voiced` logging set-up) never prints the secret either.
    """
    if value and len(value) >= 6:
        with _lock:
            _secrets.add(value)
            token = value.split()[-1]
            if len(token) >= 6:
                _secrets.add(token)
    guard_library_loggers()


def guard_library_loggers() -> None:
    """Put the redacting filter on every existing `voiced.*` and `websockets.*` logger.

    A logger's filters see each record created through it, whichever handler prints it,
    so this covers library mode where no handler of ours exists.
    """
    manager = logging.Logger.manager
    for name, logger in list(manager.loggerDict.items()):
        if not isinstance(logger, logging.Logger):
            continue
        if name.split(".")[0] not in ("voiced", "websockets"):
            continue
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())


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
    if "-" in text or "earer" in text:
        text = _KEY_PATTERN.sub("***", text)
    return text


class RedactingFilter(logging.Filter):
    """Masks registered secrets in the formatted message of every record it sees."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: logging reports it; nothing to mask here
            return True
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
