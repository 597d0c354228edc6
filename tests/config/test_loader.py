"""Configuration: TOML to frozen dataclasses, errors that name the key, the file and the fix."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from voiced.config import Config, load
from voiced.errors import EXIT_CONFIG, ConfigError

EXAMPLE = Path(__file__).resolve().parents[2] / "systemd" / "voiced.toml.example"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "voiced.toml"
    path.write_text(text)
    return path


def test_example_config_loads_to_defaults() -> None:
    """The shipped example is valid and equals the built-in defaults."""
    config = load(EXAMPLE)
    assert config.talk.mode == "hold"
    assert config.realtime.model == "gpt-realtime"
    assert config.link == Config().link


def test_values_are_read(tmp_path: Path) -> None:
    """Nested tables land in their sections with the right types."""
    config = load(
        write(
            tmp_path,
            '[realtime]\nvoice = "coral"\n[talk]\nmode = "vad"\n'
            '[link]\ndead_link_s = 4\n[realtime.session]\ninstructions = "x"\n',
        )
    )
    assert config.realtime.voice == "coral"
    assert config.talk.mode == "vad"
    assert config.link.dead_link_s == 4.0 and isinstance(config.link.dead_link_s, float)
    assert config.realtime.session == {"instructions": "x"}


@pytest.mark.parametrize(
    ("text", "key", "fix"),
    [
        ('[talk]\nmode = "push"\n', "talk.mode", "'hold', 'toggle', 'vad'"),
        ("[talk]\nmood = 1\n", "talk.mood", "remove it"),
        ('[link]\ndead_link_s = "ten"\n', "link.dead_link_s", "a number"),
        ("[link]\ndead_link_s = 0\n", "link.dead_link_s", "outside 0.5-3600"),
        ('[realtime]\nurl = "https://x"\n', "realtime.url", "wss://"),
        ("[audio]\ninput_channel = 1.5\n", "audio.input_channel", "whole number"),
        ("talk = 3\n", "talk", "table"),
        ("[talk\n", "(syntax)", "TOML"),
    ],
)
def test_errors_name_key_file_and_fix(tmp_path: Path, text: str, key: str, fix: str) -> None:
    """Each bad value raises ConfigError naming the key, the file, and saying the fix."""
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load(path)
    assert info.value.key == key
    assert str(path) in str(info.value)
    assert fix in str(info.value)


def test_missing_file_says_how_to_fix(tmp_path: Path) -> None:
    """A missing file is a ConfigError pointing at the example."""
    with pytest.raises(ConfigError, match=r"voiced\.toml\.example"):
        load(tmp_path / "nope.toml")


def test_cli_exits_with_config_status(tmp_path: Path) -> None:
    """`voiced run` with a bad config exits 78 and says what to fix, without a traceback."""
    path = write(tmp_path, '[talk]\nmode = "push"\n')
    out = subprocess.run(
        [sys.executable, "-m", "voiced", "run", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == EXIT_CONFIG
    assert "talk.mode" in out.stderr and str(path) in out.stderr
    assert "Traceback" not in out.stderr
