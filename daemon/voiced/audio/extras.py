"""The optional hands-free packages, imported only when a hands-free feature is configured.

`pip install 'voiced[hands-free]'` brings pymicro-wakeword (offline wake word, TFLite runtime and
models in its wheel) and pywebrtc-audio (WebRTC AEC3 echo cancellation, noise suppression).
Push-to-talk never imports them: nothing here runs at `import voiced`. The wiring calls
`require_wake_word()` when `talk.mode = "wake"` and `require_echo_cancel()` when
`audio.echo_cancel` is on; a missing package becomes a ConfigError naming that key.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from voiced.errors import ConfigError

WAKE_WORD_MODULE = "pymicro_wakeword"
WAKE_WORD_PACKAGE = "pymicro-wakeword"
ECHO_CANCEL_MODULE = "pywebrtc_audio"
ECHO_CANCEL_PACKAGE = "pywebrtc-audio"
EXTRA = "hands-free"


def _require(module: str, package: str, *, key: str, file: str, what: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ConfigError(
            key,
            file,
            f"{what} needs the Python package {package}, which is not installed or does not "
            f"load on this machine ({exc})",
            f"install it with `pip install 'voiced[{EXTRA}]'` in the daemon's venv (wheels "
            "exist for x86_64 and aarch64 Linux, Python 3.11-3.13), or choose a push-to-talk "
            "mode",
        ) from exc


def require_wake_word(file: str, key: str = "talk.mode") -> ModuleType:
    """Import pymicro_wakeword for `talk.mode = "wake"`; ConfigError naming `key` if missing."""
    return _require(
        WAKE_WORD_MODULE, WAKE_WORD_PACKAGE, key=key, file=file, what='talk.mode = "wake"'
    )


def require_echo_cancel(file: str, key: str = "audio.echo_cancel") -> ModuleType:
    """Import pywebrtc_audio for `audio.echo_cancel`; ConfigError naming `key` if missing."""
    return _require(
        ECHO_CANCEL_MODULE, ECHO_CANCEL_PACKAGE, key=key, file=file, what="audio.echo_cancel"
    )
