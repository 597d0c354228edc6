"""Echo-cancellation part of the hands-free benchmark (run by bench/wake_bench.py).

The rig: the assistant's voice (espeak-ng, -22 dBFS) played and fed back into the mic through
a synthetic room (delay, RT60 250 ms reflecting tail, -4 dB), a person (-26 dBFS) talking over
it at 6 s and again alone after it ends, a -60 dBFS noise floor. Our EchoCanceller gets the far
end through `far_end(pcm, played_at_s)` in 20 ms periods and the mic through `process()`.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from voiced.audio.aec import EchoCanceller

from fakeserver.vad import EnergyVad
from speech_rig import level_dbfs, mix, noise, room_echo, room_response, scale_to, silence, speak

RATE_HZ = 24000
STEP = RATE_HZ // 50
REPLY = (
    "Here is a long answer from the assistant about the weather, the news and the time of "
    "day, spoken without a pause, so that the echo canceller has to keep up for a while. "
    "And then it goes on with even more sentences about the things you asked for."
)
INTERRUPTION = "stop, stop please, I want to ask something else"


def scene(delay_ms: float, direct_to_reverb_db: float) -> dict[str, Any]:
    reply = scale_to(speak(REPLY, "en-us+f2", 170), -22.0)
    talker = scale_to(speak(INTERRUPTION, "en+m3", 160), -26.0)
    far = np.concatenate([reply, silence(len(talker) / RATE_HZ + 1.0)])
    near = np.zeros(len(far), dtype=np.int16)
    double = slice(6 * RATE_HZ, 6 * RATE_HZ + len(talker))
    alone = slice(len(reply) + RATE_HZ // 2, len(reply) + RATE_HZ // 2 + len(talker))
    near[double] = talker
    near[alone] = talker
    response = room_response(RATE_HZ, delay_ms=delay_ms, direct_to_reverb_db=direct_to_reverb_db)
    mic = mix(room_echo(far, response), near, noise(len(far) / RATE_HZ, dbfs=-60.0))
    return {"far": far, "near": near, "mic": mic, "double": double, "alone": alone}


def run_adapter(s: dict[str, Any], **kw: Any) -> tuple[np.ndarray, float]:
    """Our EchoCanceller: the speaker writes 60 ms ahead of what is heard (its buffer) and
    reports exact played positions; the mic hands 20 ms frames with their capture times."""
    canceller = EchoCanceller(sample_rate_hz=RATE_HZ, **kw)
    ahead = RATE_HZ * 60 // 1000
    written = 0
    out = []
    cpu = time.process_time()
    for i in range(0, len(s["far"]) - STEP + 1, STEP):
        while written < min(len(s["far"]), i + STEP + ahead):
            far = s["far"][written : written + STEP].tobytes()
            canceller.far_end(far, played_at_s=50.0 + written / RATE_HZ)
            written += STEP
        t_s = 50.0 + i / RATE_HZ
        out.append(canceller.process(s["mic"][i : i + STEP].tobytes(), captured_at_s=t_s))
    cpu_s = time.process_time() - cpu
    return np.frombuffer(b"".join(out), dtype="<i2"), cpu_s


def run_bare(s: dict[str, Any]) -> tuple[np.ndarray, float]:
    """pywebrtc-audio's AudioProcessor alone, fed the far end sample-aligned (no lead)."""
    from pywebrtc_audio import AudioProcessor

    processor = AudioProcessor(sample_rate=RATE_HZ, echo_cancellation=True)
    out = []
    cpu = time.process_time()
    for i in range(0, len(s["far"]) - STEP + 1, STEP):
        out.append(processor.process(s["mic"][i : i + STEP], s["far"][i : i + STEP]))
    return np.concatenate(out), time.process_time() - cpu


def measure(s: dict[str, Any], out: np.ndarray, cpu_s: float) -> dict[str, float]:
    echo_only = slice(3 * RATE_HZ, s["double"].start)
    vad = EnergyVad(threshold=0.5, silence_duration_ms=500)
    raw_vad = EnergyVad(threshold=0.5, silence_duration_ms=500)
    segment = slice(3 * RATE_HZ, s["double"].start)
    return {
        "erle_after_3s_db": level_dbfs(s["mic"][echo_only]) - level_dbfs(out[echo_only]),
        "near_change_double_talk_db": level_dbfs(out[s["double"]])
        - level_dbfs(s["near"][s["double"]]),
        "near_change_alone_db": level_dbfs(out[s["alone"]]) - level_dbfs(s["near"][s["alone"]]),
        "vad_starts_on_echo_raw": sum(
            e.kind == "started" for e in raw_vad.feed(s["mic"][segment].tobytes())
        ),
        "vad_starts_on_echo_cancelled": sum(
            e.kind == "started" for e in vad.feed(out[segment].tobytes())
        ),
        "cpu_ms_per_audio_s": cpu_s * 1000 / (len(s["far"]) / RATE_HZ),
    }


def aec_results() -> dict[str, Any]:
    rows: dict[str, Any] = {}
    for delay_ms in (30.0, 45.0, 60.0):
        s = scene(delay_ms, -6.0)
        rows[f"ours, delay {delay_ms:g} ms, DRR -6 dB"] = measure(s, *run_adapter(s))
    s = scene(45.0, -6.0)
    rows["ours + noise suppression, delay 45 ms, DRR -6 dB"] = measure(
        s, *run_adapter(s, noise_suppression=True)
    )
    rows["bare AudioProcessor, delay 45 ms, DRR -6 dB"] = measure(s, *run_bare(s))
    hard = scene(45.0, -15.6)
    rows["ours, delay 45 ms, DRR -15.6 dB (very reverberant)"] = measure(hard, *run_adapter(hard))
    rows["bare AudioProcessor, delay 45 ms, DRR -15.6 dB"] = measure(hard, *run_bare(hard))
    return rows


def aec_markdown(rows: dict[str, Any]) -> str:
    lines = [
        "### Echo cancellation (pywebrtc-audio AEC3 at 24 kHz)",
        "",
        "The rig: the assistant's espeak-ng voice at -22 dBFS through a synthetic room (direct "
        "path after the delay, dense reflecting tail with RT60 250 ms, direct-to-reverberant "
        "ratio DRR, -4 dB overall) into the mic, a person at -26 dBFS talking over it at 6 s "
        "and alone after it ends, -60 dBFS noise floor. ERLE = mic level / output level from "
        "3 s until the person talks (goal ≥ 25 dB); near-end change = output vs the person "
        "alone (goal within ±3 dB); VAD starts = the fake server's energy VAD (threshold 0.5) "
        "on the echo-only stretch.",
        "",
        "| configuration | ERLE after 3 s dB | near-end change, double talk dB | "
        "near-end change, alone dB | VAD starts on echo raw → cancelled | CPU ms / audio-s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, m in rows.items():
        lines.append(
            f"| {name} | {m['erle_after_3s_db']:.1f} | {m['near_change_double_talk_db']:+.1f} | "
            f"{m['near_change_alone_db']:+.1f} | {m['vad_starts_on_echo_raw']} → "
            f"{m['vad_starts_on_echo_cancelled']} | {m['cpu_ms_per_audio_s']:.2f} |"
        )
    lines += [
        "",
        "What this shows: on a synthetic room with exact timestamps, AEC3 through our adapter "
        "removes the assistant's voice well enough that the server's VAD does not hear it, "
        "and keeps a person talking over it (within 3 dB; double talk costs 2-3 dB). In the "
        "very reverberant room (the tail 15.6 dB above the direct path) the bare loop, fed a "
        "sample-aligned reference, gets 17 dB (the issue's 18 dB); ours gets 26 dB there, the "
        "difference being the 20 ms reference lead — why the lead helps AEC3 this much was "
        "not investigated, so take it as this rig's result. What it does not show: a real "
        "speaker's non-linear distortion, clock drift between a real mic and speaker, played "
        "positions wrong beyond the tolerance (the tests show a 60 ms late estimate still "
        "cancelled with the 20 ms lead, and not without it). CPU is x86_64, not a Pi.",
        "",
    ]
    return "\n".join(lines)
