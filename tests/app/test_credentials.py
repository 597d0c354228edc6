"""Where the API key comes from, and the loopback default when there is none."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from voiced.app.credentials import find_api_key, service_api_key
from voiced.app.voices import make_voice
from voiced.config import Config, RealtimeConfig
from voiced.errors import ConfigError
from voiced.voice import LoopbackVoice, OpenAIRealtimeVoice


def test_credential_beats_file_beats_env(tmp_path: Path) -> None:
    """systemd's credential wins over realtime.api_key_file, which wins over the environment."""
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "openai_api_key").write_text("sk-from-credential\n")
    keyfile = tmp_path / "key"
    keyfile.write_text("sk-from-file")
    config = Config(realtime=RealtimeConfig(api_key_file=str(keyfile)))
    env = {"CREDENTIALS_DIRECTORY": str(creds), "OPENAI_API_KEY": "sk-from-env"}
    assert find_api_key(config, env).value == "sk-from-credential"
    del env["CREDENTIALS_DIRECTORY"]
    assert find_api_key(config, env).value == "sk-from-file"
    assert find_api_key(Config(), env).value == "sk-from-env"
    assert find_api_key(Config(), {}).value is None


def test_source_never_shows_the_key(tmp_path: Path) -> None:
    """ApiKey's repr and source name where the key came from, not the key."""
    key = find_api_key(Config(), {"OPENAI_API_KEY": "sk-very-SECRET-1234"})
    assert "SECRET" not in repr(key) and key.source == "$OPENAI_API_KEY"


def test_unreadable_key_file_is_a_config_error(tmp_path: Path) -> None:
    """A configured key file that is missing or empty names the key and the fix."""
    config = Config(realtime=RealtimeConfig(api_key_file=str(tmp_path / "missing")))
    with pytest.raises(ConfigError) as info:
        find_api_key(config, {})
    assert info.value.key == "realtime.api_key_file"
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(ConfigError, match="empty"):
        find_api_key(Config(realtime=RealtimeConfig(api_key_file=str(tmp_path / "empty"))), {})


def test_no_key_means_loopback_with_warning(caplog: pytest.LogCaptureFixture) -> None:
    """With no key, the daemon's provider is loopback, and a warning says how to add one."""
    caplog.set_level(logging.WARNING)
    voice = make_voice(Config(), find_api_key(Config(), {}))
    assert isinstance(voice, LoopbackVoice)
    assert "no API key" in caplog.text


def test_key_means_openai_with_configured_session() -> None:
    """With a key, the provider is OpenAI and the session follows the talk mode."""
    voice = make_voice(Config(), find_api_key(Config(), {"OPENAI_API_KEY": "sk-abcdef123"}))
    assert isinstance(voice, OpenAIRealtimeVoice)
    assert voice.session_config["audio"]["input"]["turn_detection"] is None


def test_beta_session_keys_are_rejected() -> None:
    """A beta-era key without a GA place in [realtime.session] is a config error naming it."""
    config = Config(realtime=RealtimeConfig(session={"temperature": 0.8}))
    with pytest.raises(ConfigError) as info:
        make_voice(config, find_api_key(config, {"OPENAI_API_KEY": "sk-abcdef123"}))
    assert info.value.key == "realtime.session.temperature"


def test_azure_needs_url_and_plain_ws_only_local() -> None:
    """Azure without its URL, or ws:// to another host, are config errors."""
    key = find_api_key(Config(), {"OPENAI_API_KEY": "sk-abcdef123"})
    with pytest.raises(ConfigError, match="Azure"):
        make_voice(Config(realtime=RealtimeConfig(provider="azure")), key)
    with pytest.raises(ConfigError, match="only to this machine"):
        make_voice(
            Config(
                realtime=RealtimeConfig(provider="compatible", url="ws://192.0.2.1/v1/realtime")
            ),
            key,
        )


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda p: p.mkdir(), "is a directory"),
        (lambda p: p.write_bytes(b"\xff\xfe\x00sk"), "is not text"),
        (lambda p: p.write_bytes(b"sk-a\x00b"), "more than one key-like word"),
        (lambda p: p.write_bytes(b"sk-one sk-two\n"), "more than one key-like word"),
        (lambda p: p.write_bytes(b"k" * 10000), "too large"),
        (lambda p: p.write_text("\n"), "is empty"),
    ],
    ids=["directory", "binary", "nul", "two-words", "huge", "empty"],
)
def test_bad_key_files_are_config_errors(tmp_path: Path, make: Any, problem: str) -> None:
    """A key file that cannot hold a key is a ConfigError naming realtime.api_key_file."""
    path = tmp_path / "key"
    make(path)
    config = Config(realtime=RealtimeConfig(api_key_file=str(path)))
    with pytest.raises(ConfigError) as info:
        find_api_key(config, {})
    assert info.value.key == "realtime.api_key_file" and problem in info.value.problem


def test_proc_self_mem_is_refused() -> None:
    """/proc/self/mem (not a regular file) is refused without reading it."""
    config = Config(realtime=RealtimeConfig(api_key_file="/proc/self/mem"))
    with pytest.raises(ConfigError, match=r"not a regular file|cannot be read"):
        find_api_key(config, {})


def test_check_reads_the_credential_the_unit_loads(tmp_path: Path) -> None:
    """Outside the unit, `voiced check` takes the key from the unit's credstore file."""
    store = tmp_path / "voiced.openai_api_key"
    store.write_text("sk-from-credstore\n")
    key = service_api_key(Config(), {}, credstore=store)
    assert key.value == "sk-from-credstore" and str(store) in key.source
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "openai_api_key").write_text("sk-from-credential")
    env = {"CREDENTIALS_DIRECTORY": str(creds)}
    assert service_api_key(Config(), env, credstore=store).value == "sk-from-credential"
    assert service_api_key(Config(), {}, credstore=tmp_path / "none").value is None
