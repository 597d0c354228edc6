"""Earcons: short, click-free, at the configured volume; custom WAV files validated; they reach
the (file-backed) speaker and are absent when sounds are off."""

from __future__ import annotations

import asyncio
import wave
from pathlib import Path

import numpy as np
import pytest

from voiced.audio.earcons import Earcon, Earcons, load_wav, synthesize
from voiced.audio.playback import AlsaSpeaker
from voiced.config.audio import AudioConfig
from voiced.config.sounds import SoundsConfig
from voiced.errors import ConfigError

RATE_HZ = 24000


def samples(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, dtype="<i2").astype(np.int32)


def write_wav(path: Path, data: np.ndarray, rate_hz: int, channels: int, width: int = 2) -> Path:
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(width)
        writer.setframerate(rate_hz)
        writer.writeframes(data.tobytes())
    return path


@pytest.mark.parametrize("earcon", list(Earcon))
def test_each_earcon_is_short_loud_enough_and_click_free(earcon: Earcon) -> None:
    """≤ 300 ms, peak -3 dBFS at full volume, first and last samples 0, no jump between samples
    larger than a 1.2 kHz full-scale sine makes (a click is a jump far beyond that)."""
    x = samples(synthesize(earcon))
    assert 50 <= len(x) * 1000 / RATE_HZ <= 300
    assert abs(np.max(np.abs(x)) - round(32767 * 10 ** (-3 / 20))) <= 1
    assert x[0] == 0 and x[-1] == 0
    assert np.max(np.abs(np.diff(x))) <= 32767 * 2 * np.pi * 1200 / RATE_HZ
    assert np.max(np.abs(x[:24])) < 0.1 * np.max(np.abs(x))  # the first ms fades in


def test_the_earcons_differ_from_each_other() -> None:
    """Five distinct sounds, so each state can be told apart by ear."""
    assert len({synthesize(e) for e in Earcon}) == len(Earcon)


def test_volume_scales_the_peak_and_zero_is_silent() -> None:
    """Volume 0.25 peaks at a quarter of volume 1.0; volume 0 is all zeros of the same length."""
    full = samples(synthesize(Earcon.LISTENING))
    quarter = samples(synthesize(Earcon.LISTENING, volume=0.25))
    silent = samples(synthesize(Earcon.LISTENING, volume=0.0))
    assert abs(np.max(np.abs(quarter)) - np.max(np.abs(full)) / 4) <= 1
    assert len(silent) == len(full) and not silent.any()


def test_a_stereo_44k_wav_is_mixed_resampled_and_scaled(tmp_path: Path) -> None:
    """0.5 s stereo at 44.1 kHz → 0.5 s mono at 24 kHz, at half the level for volume 0.5."""
    t = np.arange(22050) / 44100
    tone = np.round(np.sin(2 * np.pi * 500 * t) * 16000).astype("<i2")
    path = write_wav(tmp_path / "beep.wav", np.stack([tone, tone], axis=1), 44100, 2)
    x = samples(load_wav(path, volume=0.5))
    assert abs(len(x) - 12000) <= 2
    assert abs(np.max(np.abs(x)) - 8000) <= 100
    assert x[0] == 0 and x[-1] == 0


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda p: write_wav(p, np.zeros((10, 3), "<i2"), 16000, 3), "3 channels"),
        (lambda p: write_wav(p, np.zeros(10, "u1"), 16000, 1, width=1), "8-bit"),
        (lambda p: write_wav(p, np.zeros(16000 * 11, "<i2"), 16000, 1), "11.0 s long"),
        (lambda p: p.write_bytes(b"RIFF not really"), "not a readable WAV"),
        (lambda p: p, "not a readable WAV"),  # missing file
    ],
)
def test_a_bad_wav_is_a_config_error_naming_the_key(
    tmp_path: Path, make: object, problem: str
) -> None:
    """Wrong channels, sample width, length, format or a missing file → ConfigError on the key."""
    assert callable(make)
    path = make(tmp_path / "sound.wav")
    with pytest.raises(ConfigError) as caught:
        load_wav(path, key="sounds.listening", file="voiced.toml")
    assert caught.value.key == "sounds.listening" and problem in caught.value.problem


def test_earcons_use_custom_files_and_are_empty_when_off(tmp_path: Path) -> None:
    """A configured file replaces one sound; enabled = false gives b"" for every sound."""
    path = write_wav(tmp_path / "ping.wav", np.full(2400, 1000, "<i2"), 24000, 1)
    sounds = Earcons(SoundsConfig(sent=str(path), volume=1.0))
    assert len(sounds.get(Earcon.SENT)) == 4800 and sounds.get(Earcon.LISTENING)
    off = Earcons(SoundsConfig(enabled=False))
    assert [off.get(e) for e in Earcon] == [b""] * len(Earcon)


async def test_an_earcon_reaches_the_speaker_and_is_absent_when_off(tmp_path: Path) -> None:
    """Played through AlsaSpeaker on a file-backed PCM: the bytes land unchanged; off: silence."""
    for enabled in (True, False):
        out = tmp_path / f"speaker-{enabled}.raw"
        config = AudioConfig(output_device=f"vspk:OUT={out}", output_rate_hz=24000)
        speaker = AlsaSpeaker(config, keep_running=False)
        await speaker.start()
        sound = Earcons(SoundsConfig(enabled=enabled)).get(Earcon.LISTENING)
        speaker.play("earcon", sound)
        speaker.finish("earcon")
        for _ in range(300):
            if not speaker.is_playing():
                break
            await asyncio.sleep(0.01)
        await speaker.stop()
        written = out.read_bytes() if out.exists() else b""
        if enabled:
            assert sound and sound in written
        else:
            assert not any(written)
