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
    assert "peak -6.0 dBFS" in out.getvalue() and "looks fine" in out.getvalue()
    assert (tmp_path / "out.raw").stat().st_size >= 48000
    (tmp_path / "in.raw").write_bytes(bytes(48000))
    out = io.StringIO()
    assert check_audio(config, out, seconds=0.5) == 1
    assert "silence from" in out.getvalue()
