"""SoundsConfig: defaults are valid; bad values and missing files name their key."""

from __future__ import annotations

from pathlib import Path

import pytest

from voiced.config.sounds import SoundsConfig
from voiced.errors import ConfigError


def test_defaults_are_valid_and_have_no_custom_files() -> None:
    """Sounds on at half level, spoken notices in English, no custom files."""
    config = SoundsConfig()
    config.validate("voiced.toml")
    assert (config.enabled, config.volume, config.language, config.files()) == (
        True,
        0.5,
        "en",
        {},
    )


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"volume": 1.5}, "sounds.volume"),
        ({"volume": -0.1}, "sounds.volume"),
        ({"language": ""}, "sounds.language"),
        ({"language": "en us"}, "sounds.language"),
        ({"voice": "en us"}, "sounds.voice"),
        ({"listening": "/nonexistent.wav"}, "sounds.listening"),
        ({"notice_offline": "/nonexistent.wav"}, "sounds.notice_offline"),
    ],
)
def test_bad_values_name_their_key(changes: dict[str, object], key: str) -> None:
    """Each bad value → ConfigError on that key with a fix."""
    with pytest.raises(ConfigError) as caught:
        SoundsConfig(**changes).validate("voiced.toml")  # type: ignore[arg-type]
    assert caught.value.key == key and caught.value.fix


def test_existing_custom_files_are_listed(tmp_path: Path) -> None:
    """files() maps each configured key to its path."""
    wav = tmp_path / "a.wav"
    wav.write_bytes(b"")
    config = SoundsConfig(error=str(wav), notice_attention=str(wav), language="de")
    config.validate("voiced.toml")
    assert config.files() == {"error": str(wav), "notice_attention": str(wav)}
