"""Audio engine benchmark: full-duplex CPU at 48 kHz, soxr vs ALSA plug, flush, played position.

Runs on a private PipeWire session (real-time pacing) and file-backed ALSA PCMs, both from
tests/audio_rig.py. Writes bench/results/audio.json and audio.md. Run: python bench/audio_bench.py
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "daemon"), str(ROOT / "tests")]

import numpy as np  # noqa: E402

from audio_rig import (  # noqa: E402
    MonitorRecorder,
    PipeWireSession,
    alsa_config_path,
    audible_ms,
    sine,
    tone_analysis,
    write_alsa_config,
)

DUPLEX_SECONDS = 10.0
COMMAND = "python bench/audio_bench.py"


async def full_duplex(seconds: float) -> dict[str, Any]:
    """Mic at 48 kHz → 24 kHz frames → straight back to the speaker at 48 kHz, in real time."""
    from voiced.audio.capture import AlsaMicrophone
    from voiced.audio.playback import AlsaSpeaker
    from voiced.config.audio import AudioConfig

    config = AudioConfig(
        input_device="pwmic", output_device="pwspk", input_rate_hz=48000, output_rate_hz=48000
    )
    mic, speaker = AlsaMicrophone(config), AlsaSpeaker(config)
    await mic.start()
    await speaker.start()
    frames = 0
    cpu0, wall0 = time.process_time(), time.monotonic()
    async for frame in mic.frames():
        speaker.play("loop", frame)
        frames += 1
        if time.monotonic() - wall0 >= seconds:
            break
    cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
    await mic.stop()
    await speaker.stop()
    return {
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 4),
        "cpu_percent_of_one_core": round(100 * cpu / wall, 3),
        "mic_thread_cpu_s": round(mic.process_s, 4),
        "speaker_thread_cpu_s": round(speaker.process_s, 4),
        "frames": frames,
        "mic_xruns": mic.xruns,
        "speaker_xruns": speaker.xruns,
        "speaker_underruns": speaker.underruns,
    }


def soxr_peer(seconds: float = 10.0) -> dict[str, Any]:
    """soxr HQ streaming 24 → 48 kHz and 48 → 24 kHz in 20 ms chunks: CPU and SNR."""
    from voiced.audio.resample import StreamResampler

    out: dict[str, Any] = {}
    for name, src, dst in (("up_24k_to_48k", 24000, 48000), ("down_48k_to_24k", 48000, 24000)):
        tone = sine(1000.0, src, seconds)
        step = src // 50
        resampler = StreamResampler(src, dst, quality="HQ")
        cpu0 = time.process_time()
        parts = [resampler.process(tone[i : i + step]) for i in range(0, tone.size, step)]
        parts.append(resampler.process(tone[:0], last=True))
        cpu = time.process_time() - cpu0
        result = np.concatenate(parts)
        _, snr = tone_analysis(result[dst // 10 : -dst // 10], dst)
        out[name] = {
            "cpu_percent_of_real_time": round(100 * cpu / seconds, 4),
            "snr_db": round(snr, 1),
        }
    return out


def plug_peer(tmp: Path, seconds: float = 10.0) -> dict[str, Any]:
    """ALSA's own `plug` (linear rate converter) 24 → 48 kHz onto a file: CPU and SNR."""
    import alsaaudio

    out_file = tmp / "plug.raw"
    tone = sine(1000.0, 24000, seconds).tobytes()
    pcm = alsaaudio.PCM(
        type=alsaaudio.PCM_PLAYBACK,
        device=f"vplugspk:OUT={out_file},RATE=48000",
        rate=24000,
        channels=1,
        format=alsaaudio.PCM_FORMAT_S16_LE,
        periodsize=480,
        periods=4,
    )
    cpu0 = time.process_time()
    for i in range(0, len(tone), 960):
        pcm.write(tone[i : i + 960])
    pcm.close()
    cpu = time.process_time() - cpu0
    result = np.frombuffer(out_file.read_bytes(), dtype="<i2")
    _, snr = tone_analysis(result[4800:-4800], 48000)
    return {
        "up_24k_to_48k": {
            "cpu_percent_of_real_time_incl_file_io": round(100 * cpu / seconds, 4),
            "snr_db": round(snr, 1),
            "out_frames": int(result.size),
        }
    }


async def flush_and_position(rounds: int = 5) -> dict[str, Any]:
    """Barge-in during a 3 s response: flush latency, and played_ms vs what reached the sink."""
    from voiced.audio.playback import AlsaSpeaker
    from voiced.config.audio import AudioConfig

    config = AudioConfig(output_device="pwspk", output_rate_hz=48000)
    tone = sine(1000.0, 24000, 3.0).tobytes()
    latencies, errors, at_end = [], [], []
    for i in range(rounds):
        speaker = AlsaSpeaker(config)
        await speaker.start()
        recorder = MonitorRecorder("pwmic")
        await asyncio.sleep(0.2)
        for k in range(0, len(tone), 4800):
            speaker.play(f"r{i}", tone[k : k + 4800])
        while speaker.played_ms(f"r{i}") < 500 + 150 * i:
            await asyncio.sleep(0.003)
        played = speaker.flush()
        await asyncio.sleep(0.3)
        heard = audible_ms(recorder.stop(), 48000)
        await speaker.stop()
        latencies.append(speaker.flush_latencies_s[0] * 1000)
        errors.append(heard - played)
        at_end.append(played)
    return {
        "rounds": rounds,
        "period_ms": config.period_ms,
        "flush_latency_ms_max": round(max(latencies), 2),
        "flush_latency_ms_mean": round(sum(latencies) / rounds, 2),
        "played_position_error_ms": [round(e, 1) for e in errors],
        "played_position_abs_error_ms_max": round(max(abs(e) for e in errors), 1),
    }


def table(results: dict[str, Any]) -> str:
    d, sx, pl, fp = (
        results["full_duplex_48k"],
        results["soxr"],
        results["alsa_plug_linear"],
        results["flush_and_position"],
    )
    rows = [
        ("full duplex at 48 kHz: CPU % of one core", f"{d['cpu_percent_of_one_core']}"),
        (
            "  mic / speaker thread CPU s per " + f"{d['wall_s']} s",
            f"{d['mic_thread_cpu_s']} / {d['speaker_thread_cpu_s']}",
        ),
        (
            "  xruns mic / speaker, underruns",
            f"{d['mic_xruns']} / {d['speaker_xruns']}, {d['speaker_underruns']}",
        ),
        (
            "soxr HQ 24→48 kHz: CPU % of real time, SNR dB",
            f"{sx['up_24k_to_48k']['cpu_percent_of_real_time']}, {sx['up_24k_to_48k']['snr_db']}",
        ),
        (
            "soxr HQ 48→24 kHz: CPU % of real time, SNR dB",
            f"{sx['down_48k_to_24k']['cpu_percent_of_real_time']}, "
            f"{sx['down_48k_to_24k']['snr_db']}",
        ),
        (
            "ALSA plug linear 24→48 kHz: CPU % (incl. file I/O), SNR dB",
            f"{pl['up_24k_to_48k']['cpu_percent_of_real_time_incl_file_io']}, "
            f"{pl['up_24k_to_48k']['snr_db']}",
        ),
        (
            "SNR soxr − plug (dB)",
            f"{round(sx['up_24k_to_48k']['snr_db'] - pl['up_24k_to_48k']['snr_db'], 1)}",
        ),
        (
            "flush latency ms (max / mean, period " + f"{fp['period_ms']} ms)",
            f"{fp['flush_latency_ms_max']} / {fp['flush_latency_ms_mean']}",
        ),
        (
            "played-position error ms (heard − reported, max abs)",
            f"{fp['played_position_abs_error_ms_max']}",
        ),
    ]
    lines = [
        f"Command: `{COMMAND}` on {results['machine']}",
        "",
        "| measure | value |",
        "|---|---|",
    ]
    lines += [f"| {k} | {v} |" for k, v in rows]
    return "\n".join(lines) + "\n"


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="voiced-audio-bench-"))
    os.environ["ALSA_CONFIG_PATH"] = alsa_config_path(
        write_alsa_config(tmp / "alsa", pipewire=True)
    )
    session = PipeWireSession(tmp / "pipewire")
    try:
        session.start()
        for key in ("XDG_RUNTIME_DIR", "PIPEWIRE_RUNTIME_DIR"):
            os.environ[key] = session.env[key]
        results: dict[str, Any] = {
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}",
            "full_duplex_48k": asyncio.run(full_duplex(DUPLEX_SECONDS)),
            "soxr": soxr_peer(),
            "alsa_plug_linear": plug_peer(tmp),
            "flush_and_position": asyncio.run(flush_and_position()),
        }
    finally:
        session.stop()
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "audio.json").write_text(json.dumps(results, indent=2) + "\n")
    text = table(results)
    (out_dir / "audio.md").write_text("# Audio engine benchmark\n\n" + text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
