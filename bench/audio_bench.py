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

from voiced.config.audio import AudioConfig  # noqa: E402

from audio_rig import (  # noqa: E402
    MonitorRecorder,
    audible_ms,
    pipewire_devices,
    sine,
    tone_analysis,
)

DEFAULTS = AudioConfig()

DUPLEX_SECONDS = 10.0
FLOOR_SECONDS = 5.0
COMMAND = "python bench/audio_bench.py"
OUR_THREADS = ("voiced-mic", "voiced-speaker")


def thread_cpu_s() -> dict[int, float]:
    """CPU seconds (user + system, ns resolution) of every thread of this process, by id."""
    out: dict[int, float] = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/schedstat") as fh:
                out[int(tid)] = int(fh.read().split()[0]) / 1e9
        except OSError:
            continue  # the thread ended
    return out


def split_cpu(
    before: dict[int, float], after: dict[int, float], wall_s: float, ours: dict[int, str]
) -> dict[str, Any]:
    """CPU % of one core per thread group: our threads by name, everything else (the PipeWire
    ALSA plugin's client threads, asyncio's executor) as `other_threads`."""
    pct: dict[str, float] = {}
    for tid, cpu in after.items():
        name = ours.get(tid, "other_threads")
        pct[name] = pct.get(name, 0.0) + 100 * (cpu - before.get(tid, 0.0)) / wall_s
    total = sum(pct.values())
    mine = sum(v for k, v in pct.items() if k != "other_threads")
    return {
        "whole_process_percent": round(total, 3),
        "our_threads_percent": round(mine, 3),
        "by_thread_percent": {k: round(v, 3) for k, v in sorted(pct.items())},
    }


def our_thread_ids() -> dict[int, str]:
    import threading

    ids = {t.native_id: t.name for t in threading.enumerate() if t.name in OUR_THREADS}
    main = threading.main_thread().native_id
    if main is not None:
        ids[main] = "event_loop"
    return {k: v for k, v in ids.items() if k is not None}


async def full_duplex(
    seconds: float, *, period_ms: int, periods: int, prebuffer_ms: int
) -> dict[str, Any]:
    """Mic at 48 kHz → 24 kHz frames → straight back to the speaker at 48 kHz, in real time.
    CPU is measured per thread (after a 0.5 s settle) as well as for the whole process."""
    from voiced.audio.capture import AlsaMicrophone
    from voiced.audio.playback import AlsaSpeaker
    from voiced.config.audio import AudioConfig

    config = AudioConfig(
        input_device="pwmic",
        output_device="pwspk",
        input_rate_hz=48000,
        output_rate_hz=48000,
        period_ms=period_ms,
        periods=periods,
        prebuffer_ms=prebuffer_ms,
    )
    mic, speaker = AlsaMicrophone(config), AlsaSpeaker(config)
    await mic.start()
    await speaker.start()
    frames = mic.frames()
    settle_until = time.monotonic() + 0.5
    async for frame in frames:
        speaker.play("loop", frame)
        if time.monotonic() >= settle_until:
            break
    count = 0
    threads0 = thread_cpu_s()
    cpu0, wall0 = time.process_time(), time.monotonic()
    async for frame in frames:
        speaker.play("loop", frame)
        count += 1
        if time.monotonic() - wall0 >= seconds:
            break
    cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
    split = split_cpu(threads0, thread_cpu_s(), wall, our_thread_ids())
    await mic.stop()
    await speaker.stop()
    assert mic.granted is not None and speaker.granted is not None
    return {
        "period_ms": period_ms,
        "periods": periods,
        "prebuffer_ms": prebuffer_ms,
        "granted_period_frames": [mic.granted.period_frames, speaker.granted.period_frames],
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 4),
        "cpu_percent_of_one_core": round(100 * cpu / wall, 3),
        **split,
        "mic_thread_cpu_s": round(mic.process_s, 4),
        "speaker_thread_cpu_s": round(speaker.process_s, 4),
        "frames": count,
        "mic_xruns": mic.xruns,
        "speaker_xruns": speaker.xruns,
        "speaker_underruns": speaker.underruns,
    }


def alsa_floor(seconds: float, *, period_ms: int, periods: int) -> dict[str, Any]:
    """The floor under any code of ours: two bare threads doing nothing but blocking
    pyalsaaudio read() / write() of one period on the same PipeWire devices."""
    import threading

    import alsaaudio

    period = 48000 * period_ms // 1000
    stop = threading.Event()

    def open_pcm(kind: int, device: str) -> Any:
        return alsaaudio.PCM(
            type=kind,
            device=device,
            rate=48000,
            channels=1,
            format=alsaaudio.PCM_FORMAT_S16_LE,
            periodsize=period,
            periods=periods,
        )

    def reader() -> None:
        pcm = open_pcm(alsaaudio.PCM_CAPTURE, "pwmic")
        while not stop.is_set():
            pcm.read()
        pcm.close()

    def writer() -> None:
        pcm = open_pcm(alsaaudio.PCM_PLAYBACK, "pwspk")
        silence = bytes(2 * period)
        while not stop.is_set():
            pcm.write(silence)
        pcm.close()

    threads = [
        threading.Thread(target=reader, name="voiced-mic"),
        threading.Thread(target=writer, name="voiced-speaker"),
    ]
    for t in threads:
        t.start()
    time.sleep(0.5)
    before, wall0 = thread_cpu_s(), time.monotonic()
    time.sleep(seconds)
    split = split_cpu(before, thread_cpu_s(), time.monotonic() - wall0, our_thread_ids())
    stop.set()
    for t in threads:
        t.join(5)
    return {"period_ms": period_ms, "periods": periods, **split}


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
    d, d40, fl, fl40, sx, pl, fp = (
        results["full_duplex_48k"],
        results["full_duplex_48k_period_40ms"],
        results["alsa_floor"],
        results["alsa_floor_period_40ms"],
        results["soxr"],
        results["alsa_plug_linear"],
        results["flush_and_position"],
    )

    def threads(r: dict[str, Any]) -> str:
        return ", ".join(f"{k} {v}" for k, v in r["by_thread_percent"].items())

    rows = [
        (
            f"full duplex at 48 kHz, period {d['period_ms']} ms x {d['periods']} (default): "
            "CPU % of one core, whole process",
            f"{d['whole_process_percent']}",
        ),
        ("  of which our threads (event loop, mic, speaker)", f"{d['our_threads_percent']}"),
        ("  per thread %", threads(d)),
        (
            "  xruns mic / speaker, underruns",
            f"{d['mic_xruns']} / {d['speaker_xruns']}, {d['speaker_underruns']}",
        ),
        (
            f"option: period {d40['period_ms']} ms x {d40['periods']}, prebuffer "
            f"{d40['prebuffer_ms']} ms: whole process / our threads / underruns",
            f"{d40['whole_process_percent']} / {d40['our_threads_percent']} / "
            f"{d40['speaker_underruns']}",
        ),
        (
            f"floor: bare pyalsaaudio read+write threads, period {fl['period_ms']} ms: "
            "whole process / those two threads",
            f"{fl['whole_process_percent']} / {fl['our_threads_percent']}",
        ),
        (
            f"floor, period {fl40['period_ms']} ms: whole process / those two threads",
            f"{fl40['whole_process_percent']} / {fl40['our_threads_percent']}",
        ),
        (
            "soxr HQ 24→48 kHz: CPU % of real time (hot loop), SNR dB",
            f"{sx['up_24k_to_48k']['cpu_percent_of_real_time']}, {sx['up_24k_to_48k']['snr_db']}",
        ),
        (
            "soxr HQ 48→24 kHz: CPU % of real time (hot loop), SNR dB",
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
    lines += [
        "",
        "CPU is per thread from /proc/self/task/*/schedstat over the same window. Our threads "
        "are the event loop (main thread), voiced-mic and voiced-speaker; `other_threads` are "
        "the PipeWire ALSA plugin's client threads (one per PCM, woken every 1024-frame graph "
        "quantum whatever our period), which a Pi on `hw:`/`plughw:` does not have. The floor "
        "rows run no code of ours: bare blocking read()/write() of one period.",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="voiced-audio-bench-"))
    with pipewire_devices(tmp):
        results: dict[str, Any] = {
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}",
            "full_duplex_48k": asyncio.run(
                full_duplex(
                    DUPLEX_SECONDS,
                    period_ms=DEFAULTS.period_ms,
                    periods=DEFAULTS.periods,
                    prebuffer_ms=DEFAULTS.prebuffer_ms,
                )
            ),
            "full_duplex_48k_period_40ms": asyncio.run(
                full_duplex(DUPLEX_SECONDS, period_ms=40, periods=2, prebuffer_ms=80)
            ),
            "alsa_floor": alsa_floor(
                FLOOR_SECONDS, period_ms=DEFAULTS.period_ms, periods=DEFAULTS.periods
            ),
            "alsa_floor_period_40ms": alsa_floor(FLOOR_SECONDS, period_ms=40, periods=2),
            "soxr": soxr_peer(),
            "alsa_plug_linear": plug_peer(tmp),
            "flush_and_position": asyncio.run(flush_and_position()),
        }
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "audio.json").write_text(json.dumps(results, indent=2) + "\n")
    text = table(results)
    (out_dir / "audio.md").write_text("## Audio engine benchmark\n\n" + text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
