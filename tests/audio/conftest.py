"""Fixtures for the audio engine tests: test PCM definitions loaded after the system's ALSA
config (never the machine's default device), and a private PipeWire session with null nodes,
started here and torn down at the end. If PipeWire cannot start, its tests fail (not skip)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from audio_rig import PipeWireSession, alsa_test_pcms


@pytest.fixture(scope="session")
def alsa_conf(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """ALSA_CONFIG_PATH = system config + our test PCMs (vmic, vspk, pwspk, pwmic, …)."""
    with alsa_test_pcms(tmp_path_factory.mktemp("alsa"), pipewire=True) as conf:
        yield conf


@pytest.fixture(autouse=True)
def _alsa_conf_loaded(alsa_conf: Path) -> None:
    """Every audio test sees the test PCMs."""


@pytest.fixture(scope="session")
def pipewire(
    tmp_path_factory: pytest.TempPathFactory, alsa_conf: Path
) -> Iterator[PipeWireSession]:
    """A running private PipeWire session; the ALSA pipewire plugin in this process uses it."""
    session = PipeWireSession(tmp_path_factory.mktemp("pipewire"))
    keys = ("XDG_RUNTIME_DIR", "PIPEWIRE_RUNTIME_DIR")
    saved = {k: os.environ.get(k) for k in keys}
    try:
        session.start()
    except BaseException:
        session.stop()
        raise
    for key in keys:
        os.environ[key] = session.env[key]
    yield session
    session.stop()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
