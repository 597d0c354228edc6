"""Real speech and a synthetic room for the hands-free tests and benchmarks.

`speak()` renders text with espeak-ng (apt package espeak-ng) to s16 mono at any rate (soxr);
`room_echo()` is what a mic hears of a speaker: a delay and a decaying, randomly reflecting
tail (an exponentially decaying noise impulse response, RT60 given).
"""

from __future__ import annotations

import functools
import io
import shutil
import subprocess
import wave

import numpy as np
import numpy.typing as npt
import soxr

Samples = npt.NDArray[np.int16]


def have_espeak() -> bool:
    return shutil.which("espeak-ng") is not None


@functools.lru_cache(maxsize=256)
def _speak_cached(text: str, voice: str, speed_wpm: int, pitch: int, rate_hz: int) -> bytes:
    wav = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(speed_wpm), "-p", str(pitch), "--stdout", text],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    with wave.open(io.BytesIO(wav)) as reader:
        native_hz = reader.getframerate()
        pcm = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
    out = soxr.resample(pcm, native_hz, rate_hz) if native_hz != rate_hz else pcm
    return np.asarray(out, dtype="<i2").tobytes()


def speak(
    text: str, voice: str = "en", speed_wpm: int = 160, *, rate_hz: int = 24000, pitch: int = 50
) -> Samples:
    """`text` spoken by espeak-ng's `voice` (e.g. "en-us", "en+m3") at `speed_wpm`."""
    return np.frombuffer(_speak_cached(text, voice, speed_wpm, pitch, rate_hz), dtype="<i2")


def silence(seconds: float, rate_hz: int = 24000) -> Samples:
    return np.zeros(round(seconds * rate_hz), dtype=np.int16)


def noise(seconds: float, rate_hz: int = 24000, *, dbfs: float = -50.0, seed: int = 0) -> Samples:
    """White noise with an RMS of `dbfs`."""
    rng = np.random.default_rng(seed)
    amplitude = 32768.0 * 10 ** (dbfs / 20)
    return clip(rng.standard_normal(round(seconds * rate_hz)) * amplitude)


def clip(x: npt.NDArray[np.float64]) -> Samples:
    return np.clip(np.round(x), -32768, 32767).astype(np.int16)


def mix(*parts: Samples) -> Samples:
    """Sum signals sample by sample (the shorter ones padded with silence), clipped to s16."""
    length = max(len(p) for p in parts)
    total = np.zeros(length)
    for part in parts:
        total[: len(part)] += part
    return clip(total)


def scale_to(samples: Samples, rms_dbfs: float) -> Samples:
    """`samples` scaled so their RMS is `rms_dbfs`."""
    return clip(samples.astype(np.float64) * 10 ** ((rms_dbfs - level_dbfs(samples)) / 20))


def level_dbfs(samples: npt.NDArray[np.generic]) -> float:
    """RMS in dBFS (full scale 32768); -inf for silence."""
    x = np.asarray(samples, dtype=np.float64)
    rms = float(np.sqrt(np.mean(x * x))) if x.size else 0.0
    return -np.inf if rms == 0 else 20 * np.log10(rms / 32768.0)


def room_response(
    rate_hz: int,
    *,
    delay_ms: float,
    rt60_ms: float = 250.0,
    direct_to_reverb_db: float = -6.0,
    gain_db: float = -4.0,
    seed: int = 1,
) -> npt.NDArray[np.float64]:
    """A room's impulse response: a direct path after `delay_ms`, then a dense reflecting tail
    decaying by 60 dB in `rt60_ms`; the direct path's energy is `direct_to_reverb_db` above the
    tail's (negative: the tail dominates); the whole response has energy gain `gain_db`."""
    delay = round(delay_ms * rate_hz / 1000)
    tail = round(rt60_ms * rate_hz / 1000)
    rng = np.random.default_rng(seed)
    t = np.arange(1, tail) / rate_hz
    reflections = rng.standard_normal(tail - 1) * 10 ** (-3 * t / (rt60_ms / 1000))
    reflections *= np.sqrt(10 ** (-direct_to_reverb_db / 10) / np.sum(reflections**2))
    response = np.concatenate([np.zeros(delay), [1.0], reflections])
    return response * (10 ** (gain_db / 20) / np.sqrt(np.sum(response * response)))


def room_echo(far: Samples, response: npt.NDArray[np.float64]) -> Samples:
    """What the mic hears of `far` played through the room (same length as `far`)."""
    return clip(np.convolve(far.astype(np.float64), response)[: len(far)])
