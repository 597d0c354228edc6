"""Fixtures for the daemon tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from audio_rig import alsa_config_path, write_alsa_config


@pytest.fixture
def alsa_files(tmp_path: Path) -> Iterator[Path]:
    """The file-backed test PCMs (vmic, vspk) loaded after the system's ALSA config."""
    conf = write_alsa_config(tmp_path / "alsa")
    saved = os.environ.get("ALSA_CONFIG_PATH")
    os.environ["ALSA_CONFIG_PATH"] = alsa_config_path(conf)
    yield tmp_path
    if saved is None:
        os.environ.pop("ALSA_CONFIG_PATH", None)
    else:
        os.environ["ALSA_CONFIG_PATH"] = saved
