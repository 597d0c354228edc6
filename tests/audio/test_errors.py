"""Audio device errors: every fault says what is wrong and a fix that is not circular."""

from __future__ import annotations

import pytest

from voiced.audio.errors import AudioDeviceError
from voiced.core.audio_choice import Fault


@pytest.mark.parametrize("fault", list(Fault))
def test_every_fault_names_the_device_and_a_real_fix(fault: Fault) -> None:
    """`voiced check audio` prints these: the fix never sends a person back to that command,
    and says something to do."""
    error = AudioDeviceError.describe(
        device="hw:CARD=Nope", fault=fault, alsa_text="No such device", config_key="audio.x"
    )
    assert "hw:CARD=Nope" in error.why
    assert "voiced check audio" not in error.fix and "voiced check audio" not in str(error)
    assert len(error.fix) > 20
    assert str(error) == f"{error.why}. Fix: {error.fix}"
