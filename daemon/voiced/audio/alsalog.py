"""libasound's own error printing ("ALSA lib confmisc.c:165:(snd_config_get_card) …") goes to
our log at DEBUG instead of stderr, through `snd_lib_error_set_handler` (ctypes).

The handler is variadic in C; ctypes passes the fixed arguments only, so the line logged
is the format string with its placeholders (`Cannot get card index for %s`), plus where it
came from. The last few messages are kept so an open error can be classified by them.
"""

from __future__ import annotations

import collections
import ctypes
import ctypes.util
import logging
import threading

log = logging.getLogger("voiced.alsa")

_HANDLER_TYPE = ctypes.CFUNCTYPE(
    None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p
)
_installed: list[object] = []  # keeps the C callback alive for the life of the process
_recent: collections.deque[str] = collections.deque(maxlen=8)
_lock = threading.Lock()


def _text(raw: bytes | None) -> str:
    return raw.decode("utf-8", "replace") if raw else ""


def _on_error(
    file: bytes | None, line: int, function: bytes | None, err: int, fmt: bytes | None
) -> None:
    try:
        message = f"{_text(file)}:{line}:({_text(function)}) {_text(fmt)}"
        with _lock:
            _recent.append(message)
        log.debug("ALSA lib %s", message)
    except Exception:  # never raise into C
        pass


def route_alsa_errors_to_log() -> bool:
    """Install the handler once; False when libasound cannot be loaded (nothing changes)."""
    if _installed:
        return True
    name = ctypes.util.find_library("asound") or "libasound.so.2"
    try:
        lib = ctypes.CDLL(name)
        setter = lib.snd_lib_error_set_handler
    except (OSError, AttributeError):
        return False
    callback = _HANDLER_TYPE(_on_error)
    setter.argtypes = [_HANDLER_TYPE]
    setter.restype = ctypes.c_int
    if setter(callback) != 0:
        return False
    _installed.append(callback)
    return True


def recent_alsa_messages() -> list[str]:
    """The last messages libasound printed (oldest first)."""
    with _lock:
        return list(_recent)


def clear_recent() -> None:
    with _lock:
        _recent.clear()
