"""Fixtures for the daemon tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from audio_rig import alsa_test_pcms


@pytest.fixture
def alsa_files(tmp_path: Path) -> Iterator[Path]:
    """The file-backed test PCMs (vmic, vspk) loaded after the system's ALSA config."""
    with alsa_test_pcms(tmp_path / "alsa"):
        yield tmp_path
