"""The hands-free packages: lazy (push-to-talk never imports them), clear errors when missing."""

from __future__ import annotations

import subprocess
import sys

import pytest

from voiced.audio import extras
from voiced.errors import ConfigError

HANDS_FREE_MODULES = ("pymicro_wakeword", "pywebrtc_audio", "pymicro_features")


def test_importing_voiced_does_not_import_the_hands_free_packages() -> None:
    """Importing the package, the CLI, the daemon, the audio engine and even the hands-free
    adapters themselves loads neither package: only constructing a detector or canceller does."""
    code = (
        "import sys, voiced, voiced.cli, voiced.app.daemon, voiced.audio, voiced.audio.extras,"
        " voiced.audio.wake, voiced.audio.aec, voiced.audio.earcons, voiced.audio.notices;"
        f"print([m for m in {HANDS_FREE_MODULES!r} if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


def test_installed_packages_are_returned() -> None:
    """With the extra installed (the test venv has it), both requirements load the module."""
    assert extras.require_wake_word("/etc/voiced/voiced.toml").__name__ == "pymicro_wakeword"
    assert extras.require_echo_cancel("/etc/voiced/voiced.toml").__name__ == "pywebrtc_audio"


@pytest.mark.parametrize(
    ("module", "require", "key"),
    [
        ("pymicro_wakeword", extras.require_wake_word, "talk.mode"),
        ("pywebrtc_audio", extras.require_echo_cancel, "audio.echo_cancel"),
    ],
)
def test_a_missing_package_is_a_config_error_naming_the_key(
    monkeypatch: pytest.MonkeyPatch, module: str, require: object, key: str
) -> None:
    """A module that cannot be imported (None in sys.modules) → ConfigError naming key and fix."""
    assert callable(require)
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(ConfigError) as caught:
        require("/etc/voiced/voiced.toml")
    assert caught.value.key == key
    assert caught.value.file == "/etc/voiced/voiced.toml"
    assert "voiced[hands-free]" in caught.value.fix
    assert module.replace("_", "-") in caught.value.problem
