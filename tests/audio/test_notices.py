"""Spoken notices: real espeak-ng rendering (installed by `make deps-test`), the state
directory's cache, the earcon fallback and custom WAV files."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from voiced.audio.earcons import Earcon, Earcons
from voiced.audio.notices import Notice, Notices, NoticeSource, notice_text
from voiced.config.sounds import SoundsConfig

from speech_rig import level_dbfs

RATE_HZ = 24000


def notices(tmp_path: Path, config: SoundsConfig | None = None, **kw: object) -> Notices:
    config = config or SoundsConfig()
    return Notices(config, state_dir=tmp_path, earcons=Earcons(config), **kw)  # type: ignore[arg-type]


def pcm(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<i2")


def test_espeak_renders_the_notice_and_caches_it(tmp_path: Path) -> None:
    """First: espeak-ng speaks ~2 s of audible speech, one file lands in the cache; a second
    instance reads the same bytes from the cache."""
    first = notices(tmp_path).render(Notice.OFFLINE)
    assert first.source is NoticeSource.ESPEAK
    seconds = len(first.pcm) / 2 / RATE_HZ
    assert 1.0 < seconds < 6.0 and level_dbfs(pcm(first.pcm)) > -30.0
    assert len(list((tmp_path / "notices").glob("*.s16"))) == 1
    again = notices(tmp_path).render(Notice.OFFLINE)
    assert again.source is NoticeSource.CACHE and again.pcm == first.pcm


def test_the_cache_is_keyed_by_text_voice_and_language(tmp_path: Path) -> None:
    """Each notice, another voice and another language are rendered and cached separately."""
    notices(tmp_path).prepare()
    notices(tmp_path, SoundsConfig(voice="en+f3")).render(Notice.OFFLINE)
    german = notices(tmp_path, SoundsConfig(language="de")).render(Notice.OFFLINE)
    assert german.source is NoticeSource.ESPEAK
    assert len(list((tmp_path / "notices").glob("*.s16"))) == 4


def test_volume_scales_the_spoken_notice(tmp_path: Path) -> None:
    """Volume 0.25 is 12 dB below volume 1.0 (same cached rendering)."""
    loud = notices(tmp_path, SoundsConfig(volume=1.0)).get(Notice.NEEDS_ATTENTION)
    soft = notices(tmp_path, SoundsConfig(volume=0.25)).get(Notice.NEEDS_ATTENTION)
    assert abs(level_dbfs(pcm(loud)) - level_dbfs(pcm(soft)) - 12.04) < 0.2


def test_without_espeak_the_earcon_plays(tmp_path: Path) -> None:
    """espeak-ng missing → the notice's earcon (offline → offline, attention → error)."""
    config = SoundsConfig()
    earcons = Earcons(config)
    missing = Notices(config, state_dir=tmp_path, earcons=earcons, espeak="/nonexistent/espeak-ng")
    assert missing.render(Notice.OFFLINE) == missing.render(Notice.OFFLINE)
    assert missing.render(Notice.OFFLINE).source is NoticeSource.EARCON
    assert missing.get(Notice.OFFLINE) == earcons.get(Earcon.OFFLINE)
    assert missing.get(Notice.NEEDS_ATTENTION) == earcons.get(Earcon.ERROR)
    assert not (tmp_path / "notices").exists()


def test_a_slow_espeak_is_cut_off_and_the_earcon_plays(tmp_path: Path) -> None:
    """A rendering that exceeds timeout_s (here 1 ms) falls back to the earcon, nothing cached."""
    slow = notices(tmp_path, timeout_s=0.001).render(Notice.OFFLINE)
    assert slow.source is NoticeSource.EARCON
    assert not list(tmp_path.glob("notices/*.s16"))


def test_notices_off_speak_no_words_and_sounds_off_play_nothing(tmp_path: Path) -> None:
    """notices = false → the earcon; enabled = false → b""."""
    assert notices(tmp_path, SoundsConfig(notices=False)).render(Notice.OFFLINE).source is (
        NoticeSource.EARCON
    )
    off = notices(tmp_path, SoundsConfig(enabled=False)).render(Notice.OFFLINE)
    assert off.pcm == b"" and off.source is NoticeSource.OFF


def test_a_custom_wav_replaces_the_spoken_notice(tmp_path: Path) -> None:
    """sounds.notice_offline = a WAV → played (volume applied), espeak not run."""
    path = tmp_path / "offline.wav"
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(24000)
        writer.writeframes(np.full(4800, 2000, "<i2").tobytes())
    custom = notices(tmp_path, SoundsConfig(notice_offline=str(path), volume=0.5))
    rendered = custom.render(Notice.OFFLINE)
    assert rendered.source is NoticeSource.FILE and len(rendered.pcm) == 9600
    assert pcm(rendered.pcm)[2400] == 1000
    assert not (tmp_path / "notices").exists()


def test_texts_follow_the_language_with_english_as_fallback() -> None:
    """German for de and de-AT; an unknown language speaks English."""
    assert notice_text(Notice.OFFLINE, "de-AT").startswith("Ich bin offline")
    assert notice_text(Notice.OFFLINE, "ja") == notice_text(Notice.OFFLINE, "en")
