"""Where the API key comes from, and the loopback default when there is none."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from voiced.app.credentials import find_api_key
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
