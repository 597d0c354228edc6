"""realtime.url is checked in the config and in the library: a clear error, never a hang."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from voiced.config import load
from voiced.errors import ConfigError
from voiced.link import realtime_endpoint
from voiced.voice import OpenAIRealtimeVoice

BAD_URLS = [
    ("ws://127.0.0.1:99999/v1/realtime", "port"),
    ("ws://127.0.0.1:0/v1/realtime", "port"),
    ("wss://:443/v1/realtime", "no host"),
    ("wss:///v1/realtime", "no host"),
    ("https://api.example.com/v1/realtime", "scheme"),
    ("api.example.com/v1/realtime", "scheme"),
    ("wss://user:pw@api.example.com/v1/realtime", "password"),
    ("wss://api.example.com/v1/real time", "whitespace"),
    ("wss://api.example.com/v1/realtime#x", "fragment"),
    ("wss://[::1/v1/realtime", "not a valid URL"),
    ("ws://192.0.2.1:8080/v1/realtime", "only to this machine"),
]


@pytest.mark.parametrize(("url", "problem"), BAD_URLS)
def test_library_refuses_bad_urls_at_once(url: str, problem: str) -> None:
    """The library names realtime.url and the problem before anything is opened."""
    with pytest.raises(ConfigError) as info:
        OpenAIRealtimeVoice(url=url, api_key="sk-x-000000")
    assert info.value.key == "realtime.url"
    assert problem in str(info.value)


@pytest.mark.parametrize(("url", "problem"), BAD_URLS[:-1])
def test_config_refuses_bad_urls(tmp_path: Path, url: str, problem: str) -> None:
    """The config loader names realtime.url and the file for the same URLs."""
    path = tmp_path / "voiced.toml"
    path.write_text(f'[realtime]\nurl = "{url}"\n')
    started = time.monotonic()
    with pytest.raises(ConfigError) as info:
        load(path)
    assert time.monotonic() - started < 1.0
    assert info.value.key == "realtime.url" and str(path) in str(info.value)
    assert problem in str(info.value)


@pytest.mark.parametrize(
    "url",
    [
        "wss://api.example.com/v1/realtime",
        "wss://res.openai.azure.com/openai/v1/realtime?api-version=x",
        "ws://127.0.0.1:8080/v1/realtime",
        "ws://[::1]:8080/",
        "ws://localhost:65535/v1/realtime",
    ],
)
def test_good_urls_pass(url: str) -> None:
    """Valid URLs pass both checks and keep their path and query."""
    endpoint = realtime_endpoint(provider="compatible", model="m", api_key=None, url=url)
    assert endpoint.url.startswith(url.split("?")[0])
