"""`voiced devices` and `voiced check audio` on file-backed PCMs."""

from __future__ import annotations

import io
from pathlib import Path

from voiced.audio.commands import check_audio, list_devices
from voiced.config.audio import AudioConfig

from audio_rig import sine


def test_list_devices_shows_pcms_and_probed_rates(tmp_path: Path) -> None:
    """PCM names are listed and a probed device shows its rates and channels."""
    out = io.StringIO()
    assert list_devices(out, probe_devices=[f"vmic:IN={tmp_path / 'x.raw'}"]) == 0
    text = out.getvalue()
    assert "vspk" in text and "vmic" in text
    assert "rates 1-4294967295; channels 1,2,4,6,8" in text


def test_check_audio_reports_levels_and_plays_back(tmp_path: Path) -> None:
    """A -6 dBFS tone: peak printed, written to the speaker, and no problems; silence fails."""
    (tmp_path / "in.raw").write_bytes(sine(1000.0, 48000, 0.5).tobytes())
    config = AudioConfig(
        input_device=f"vmic:IN={tmp_path / 'in.raw'}",
        input_rate_hz=48000,
        output_device=f"vspk:OUT={tmp_path / 'out.raw'}",
        output_rate_hz=48000,
    )
    out = io.StringIO()
    assert check_audio(config, out, seconds=0.5) == 0
    assert "peak -6.0 dBFS" in out.getvalue() and "ok   audio:" in out.getvalue()
    assert (tmp_path / "out.raw").stat().st_size >= 48000
    (tmp_path / "in.raw").write_bytes(bytes(48000))
    out = io.StringIO()
    assert check_audio(config, out, seconds=0.5) == 1
    assert "FAIL mic level: silence from" in out.getvalue()


def test_check_audio_checks_the_speaker_when_the_mic_fails(tmp_path: Path) -> None:
    """A missing mic is one FAIL line; the speaker is still checked (and fails on its own)."""
    config = AudioConfig(input_device="nosuchmic", output_device=f"vspk:OUT={tmp_path / 'out.raw'}")
    out = io.StringIO()
    assert check_audio(config, out, seconds=0.2) == 1
    lines = out.getvalue().splitlines()
    fails = [ln for ln in lines if ln.startswith("FAIL")]
    assert len(fails) == 1 and fails[0].startswith("FAIL mic: no ALSA device 'nosuchmic'")
    assert ". Fix: set audio.input_device" in fails[0] and "vanished" not in fails[0]
    assert any(ln.startswith("speaker vspk") for ln in lines)
    assert (tmp_path / "out.raw").stat().st_size > 0
    config = AudioConfig(input_device="nosuchmic", output_device="hw:78")
    out = io.StringIO()
    assert check_audio(config, out, seconds=0.2) == 1
    assert "FAIL speaker: no ALSA device 'hw:78'" in out.getvalue()
