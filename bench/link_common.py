"""The duplex workload every link-benchmark client runs (stdlib only: imported by both venvs).

One client process = one client library. It connects to the fake server (a separate
process, so the server's CPU is not counted), then per repetition:

1. sends ``response.create`` (the server answers with N seconds of audio as 50 ms deltas),
2. sends N seconds of 24 kHz s16le input as ``input_audio_buffer.append`` of 20 ms (960 bytes),
   yielding to the event loop after each (a mic loop awaits between chunks),
3. waits for ``response.done``, every delta's base64 fully decoded to bytes on the way.

CPU is ``time.process_time()`` (user + system of this process) around steps 1-3. Results go
to stdout as one JSON object; diagnostics go to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import random
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

SAMPLE_RATE_HZ = 24_000
APPEND_MS = 20
APPEND_BYTES = SAMPLE_RATE_HZ * 2 * APPEND_MS // 1000  # 960
APPENDS_PER_S = 1000 // APPEND_MS  # 50
DELTA_BYTES_PER_S = SAMPLE_RATE_HZ * 2  # 48,000
DONE_TIMEOUT_S = 120.0


class DuplexClient(Protocol):
    """What a benchmarked client library must offer the workload."""

    name: str
    done: asyncio.Event
    deltas: int
    delta_bytes: int

    async def open(self) -> None: ...

    async def append(self, pcm: bytes) -> None: ...

    async def request_response(self) -> None: ...

    async def close(self) -> None: ...

    def versions(self) -> dict[str, str]: ...


@dataclass
class Sample:
    """One repetition: N audio-seconds of duplex traffic."""

    audio_s: float
    cpu_s: float
    user_s: float
    sys_s: float
    wall_s: float
    appends: int
    deltas: int
    delta_bytes: int

    @property
    def cpu_ms_per_audio_s(self) -> float:
        return self.cpu_s * 1000.0 / self.audio_s


@dataclass
class ClientResult:
    client: str
    pace: str
    versions: dict[str, str]
    samples: list[Sample] = field(default_factory=list)
    profile: str = ""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--client", required=True)
    parser.add_argument("--url", required=True, help="ws://127.0.0.1:PORT/v1/realtime?model=…")
    parser.add_argument("--base-url", required=True, help="ws://127.0.0.1:PORT/v1")
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--session-json", required=True, help="the session.update body")
    parser.add_argument("--seconds", type=float, required=True, help="audio-seconds per rep")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--paced", action="store_true", help="append every 20 ms (realtime)")
    parser.add_argument("--profile", action="store_true", help="cProfile the measured reps")
    parser.add_argument("--cpu", type=int, default=None, help="pin this process to one CPU")
    return parser.parse_args(argv)


def input_chunks(count: int = APPENDS_PER_S) -> list[bytes]:
    """Quiet noise (well under the server VAD threshold), 20 ms per chunk, fixed seed."""
    rng = random.Random(24_000)
    chunks = []
    for _ in range(count):
        samples = [rng.randint(-200, 200) for _ in range(APPEND_BYTES // 2)]
        chunks.append(b"".join(s.to_bytes(2, "little", signed=True) for s in samples))
    return chunks


async def one_rep(client: DuplexClient, seconds: float, chunks: list[bytes], paced: bool) -> Sample:
    appends = round(seconds * APPENDS_PER_S)
    client.done.clear()
    client.deltas = 0
    client.delta_bytes = 0
    loop = asyncio.get_running_loop()
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    cpu0 = time.process_time()
    wall0 = loop.time()
    await client.request_response()
    for i in range(appends):
        await client.append(chunks[i % len(chunks)])
        if paced:
            delay = wall0 + (i + 1) * APPEND_MS / 1000.0 - loop.time()
            await asyncio.sleep(max(0.0, delay))
        else:
            await asyncio.sleep(0)
    await asyncio.wait_for(client.done.wait(), DONE_TIMEOUT_S)
    wall = loop.time() - wall0
    cpu = time.process_time() - cpu0
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    expected = round(seconds * DELTA_BYTES_PER_S)
    if client.delta_bytes != expected:
        raise RuntimeError(
            f"{client.name}: received {client.delta_bytes} bytes of audio, expected {expected}"
        )
    return Sample(
        audio_s=seconds,
        cpu_s=cpu,
        user_s=ru1.ru_utime - ru0.ru_utime,
        sys_s=ru1.ru_stime - ru0.ru_stime,
        wall_s=wall,
        appends=appends,
        deltas=client.deltas,
        delta_bytes=client.delta_bytes,
    )


async def run_workload(client: DuplexClient, args: argparse.Namespace) -> ClientResult:
    chunks = input_chunks()
    result = ClientResult(
        client=client.name, pace="realtime" if args.paced else "fast", versions=client.versions()
    )
    await client.open()
    try:
        for _ in range(args.warmup):
            await one_rep(client, args.seconds, chunks, args.paced)
        profiler = cProfile.Profile() if args.profile else None
        for _ in range(args.reps):
            if profiler is not None:
                profiler.enable()
            sample = await one_rep(client, args.seconds, chunks, args.paced)
            if profiler is not None:
                profiler.disable()
            result.samples.append(sample)
        if profiler is not None:
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats("tottime").print_stats(30)
            stats.sort_stats("cumulative").print_stats(40)
            result.profile = out.getvalue()
    finally:
        await client.close()
    return result


async def timer_floor(seconds: float) -> dict[str, float]:
    """The event loop alone waking every 20 ms (the paced append schedule), no I/O at all."""
    loop = asyncio.get_running_loop()
    cpu0 = time.process_time()
    wall0 = loop.time()
    for i in range(round(seconds * APPENDS_PER_S)):
        await asyncio.sleep(max(0.0, wall0 + (i + 1) * APPEND_MS / 1000.0 - loop.time()))
    cpu = time.process_time() - cpu0
    wall = loop.time() - wall0
    per_audio_s = cpu * 1e3 / seconds
    return {"audio_s": seconds, "cpu_s": cpu, "wall_s": wall, "cpu_ms_per_audio_s": per_audio_s}


def main(make_client: Callable[[argparse.Namespace, dict[str, Any]], DuplexClient]) -> None:
    """Entry point of a client process: run the workload, print the result as JSON."""
    args = parse_args()
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    session: dict[str, Any] = json.loads(args.session_json)
    client = make_client(args, session)
    result = asyncio.run(run_workload(client, args))
    payload = asdict(result)
    for raw, sample in zip(payload["samples"], result.samples, strict=True):
        raw["cpu_ms_per_audio_s"] = sample.cpu_ms_per_audio_s
    json.dump(payload, sys.stdout)
    sys.stdout.write("\n")
