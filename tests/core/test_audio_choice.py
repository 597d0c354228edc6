"""Audio decisions: rate choice, error classification, mixer device, backoff, levels."""

from __future__ import annotations

import math

from voiced.core.audio_choice import (
    Fault,
    choose_rate,
    classify_alsa_error,
    mixer_device_for,
    volume_gain,
)
from voiced.core.audio_levels import Levels, diagnose, measure


def test_choose_rate_prefers_24k_then_integer_ratios() -> None:
    """24 kHz when possible, else 48 kHz, else 16 kHz; a configured rate wins."""
    assert choose_rate((8000, 192000), None) == 24000
    assert choose_rate([44100, 48000], None) == 48000
    assert choose_rate([16000], None) == 16000
    assert choose_rate([44100], None) == 44100
    assert choose_rate([48000], 44100) == 44100


def test_classify_alsa_errors() -> None:
    """pyalsaaudio's texts map to busy / missing / gone."""
    assert classify_alsa_error("Device or resource busy [hw:1]", while_open=False) is Fault.BUSY
    assert classify_alsa_error("No such file or directory [x]", while_open=False) is Fault.MISSING
    assert (
        classify_alsa_error("No such device [plughw:CARD=Foo]", while_open=False) is Fault.MISSING
    )
    assert classify_alsa_error("No such device [hw:1]", while_open=True) is Fault.GONE
    assert classify_alsa_error("Permission denied [hw:0]", while_open=False) is Fault.PERMISSION


def test_mixer_device_for_pcm_names() -> None:
    """The mixer lives on the PCM's card."""
    assert mixer_device_for("plughw:CARD=Headphones,DEV=0") == "hw:CARD=Headphones"
    assert mixer_device_for("hw:1,0") == "hw:1"
    assert mixer_device_for("dmix:2") == "hw:2"
    assert mixer_device_for("default") == "default"


def test_volume_taper() -> None:
    """100 % is unity, 0 % is silent, 50 % is -25 dB."""
    assert volume_gain(100) == 1.0 and volume_gain(0) == 0.0
    assert math.isclose(20 * math.log10(volume_gain(50)), -25.0)


def test_levels_and_diagnosis() -> None:
    """Silence, clipping and an adjusted rate are each reported."""
    assert measure([0, 0]).peak_dbfs == -math.inf
    full = measure([32767, -32768] * 10)
    assert full.clipped_fraction == 1.0 and full.peak_dbfs > -0.01
    problems = diagnose(
        Levels(-80.0, -90.0, 0.0), requested_rate_hz=16000, granted_rate_hz=48000, device="hw:1"
    )
    assert any("silence" in p for p in problems) and any("48000" in p for p in problems)
    assert any(
        "clipping" in p
        for p in diagnose(full, requested_rate_hz=None, granted_rate_hz=48000, device="hw:1")
    )
