"""Instructions (callgrind) for client start-up and per duplex audio-second; reconnect time.

1. Start-up: one process imports the client, connects (handshake, session.created,
   session.update, session.updated) and closes; bytecode cached by a first run (with
   PYTHONDONTWRITEBYTECODE removed from the environment: where it is set, voiced's own
   modules, installed editable, were compiled from source at every run, +137 M). Clients:
   the interpreter alone (floor), plain websockets+json, voiced, openai-python (when
   .venv-peer exists). Median of 3 callgrind runs (`Collected` Ir of the client process).
2. Protocol instructions per duplex audio-second: the link benchmark's workload
   (bench/link_common.py) under callgrind at 1 and 5 repetitions of 5 audio-seconds, the
   fewest of 2 runs each; the slope (difference / 20 audio-seconds) excludes start-up.
   With 1 and 3 repetitions and one run each, two runs of the same code differed by 2 M.
3. Reconnect: wall time from a server drop (close 1011) to the link live again, session
   re-configured and the conversation replayed (carry-over, 2 items); p50/p95 of 50, with
   the backoff injected at 1 ms so only the protocol and the set-up are timed.

The fake server runs in its own process for 1 and 2, in-process for 3. Writes
bench/results/startup.json and bench/results/startup.md.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
sys.path[:0] = [str(BENCH), str(ROOT / "tests")]

from link_bench import API_KEY, fake_server, session_json  # noqa: E402
from peer_venv import PEER_PYTHON  # noqa: E402

CALLGRIND = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
RUNS = 3
AUDIO_S = 5.0
REPS = (1, 5)
SLOPE_RUNS = 2
RECONNECTS = 50


# Bytecode is cached as on an installed appliance (pip compiles it at install).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def instructions(cmd: list[str]) -> int:
    done = subprocess.run(CALLGRIND + cmd, capture_output=True, text=True, check=False, env=ENV)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"callgrind failed for {cmd}:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def startup(url: str) -> dict[str, list[int]]:
    clients = {"floor (python, nothing)": (sys.executable, "none")}
    clients["plain websockets+json"] = (sys.executable, "plain")
    clients["voiced OpenAIRealtimeVoice"] = (sys.executable, "voiced")
    if PEER_PYTHON.exists():
        clients["openai-python realtime"] = (str(PEER_PYTHON), "openai")
    out: dict[str, list[int]] = {}
    for label, (python, name) in clients.items():
        cmd = [python, str(BENCH / "startup_client.py"), name, url, API_KEY]
        subprocess.run(cmd, check=True, env=ENV)  # compiles and caches the bytecode
        out[label] = [instructions(cmd) for _ in range(RUNS)]
        print(f"startup: {label}: {statistics.median(out[label]) / 1e6:.0f} M", file=sys.stderr)
    return out


def per_audio_second(server: dict[str, Any]) -> dict[str, float]:
    clients = {
        "voiced OpenAIRealtimeVoice": (sys.executable, "client_voiced.py", "voiced-voice"),
        "voiced RealtimeLink (bare)": (sys.executable, "client_voiced.py", "voiced-link"),
        "plain websockets+json+base64": (sys.executable, "client_plain.py", "plain-project"),
    }
    if PEER_PYTHON.exists():
        clients["openai-python realtime"] = (str(PEER_PYTHON), "peer_openai.py", "openai-python")
    session = session_json()
    out: dict[str, float] = {}
    for label, (python, script, name) in clients.items():
        counts = []
        for reps in REPS:
            cmd = [python, str(BENCH / script), "--client", name, "--url", server["url"]]
            cmd += ["--base-url", server["base_url"], "--api-key", API_KEY]
            cmd += ["--session-json", session, "--seconds", str(AUDIO_S)]
            cmd += ["--reps", str(reps), "--warmup", "0"]
            # The fewest of SLOPE_RUNS runs: scheduling against the server process only
            # adds wake-ups (and instructions), so the minimum is the least disturbed run.
            counts.append(min(instructions(cmd) for _ in range(SLOPE_RUNS)))
        out[label] = (counts[1] - counts[0]) / ((REPS[1] - REPS[0]) * AUDIO_S)
        print(f"per audio-s: {label}: {out[label] / 1e6:.2f} M", file=sys.stderr)
    return out


async def reconnect_times() -> list[float]:
    from hostile import FAST, Turns, make_voice
    from voiced.core.reconnect import ReconnectPolicy

    from fakeserver import FakeRealtimeServer

    times: list[float] = []
    async with FakeRealtimeServer(api_key="sk-test-SECRET-0123456789abcdef") as srv:
        voice = make_voice(srv, link_config=FAST)
        turns = Turns(voice)
        await voice.connect(timeout=5.0, reconnect=True)
        assert voice.link is not None
        voice.link.policy = ReconnectPolicy(
            initial_s=0.001, max_s=0.001, healthy_uptime_s=0.0, rand=lambda: 1.0
        )
        await turns.complete_one()
        for _ in range(RECONNECTS):
            before = voice.link.connections
            started = time.perf_counter()
            await srv.drop_all(code=1011)
            while not (voice.link.connections > before and voice.connected):
                await asyncio.sleep(0)
            times.append(time.perf_counter() - started)
            conn = srv.connections[-1]
            while conn.received_types.count("conversation.item.create") < 2:
                await asyncio.sleep(0)
        await voice.close()
    return times


def markdown(report: dict[str, Any]) -> str:
    s = report["startup_instructions"]
    floor = statistics.median(s["floor (python, nothing)"])
    lines = [
        "## Link: start-up and protocol instructions (callgrind), reconnect time",
        "",
        f"Command: `make bench` (bench/startup_bench.py) · {report['date']} · {report['machine']}",
        "",
        "Start-up = import + connect + session.created/session.update/session.updated + close, "
        "bytecode cached; `Collected` instructions of the client process, median of "
        f"{RUNS}. Goal for voiced: ≤ 450 M.",
        "",
        "| client | start-up instructions | above the bare interpreter |",
        "|---|---:|---:|",
    ]
    for label, counts in s.items():
        median = statistics.median(counts)
        lines.append(f"| {label} | {median / 1e6:.0f} M | {(median - floor) / 1e6:.0f} M |")
    p = report["per_audio_second_instructions"]
    plain = p["plain websockets+json+base64"]
    lines += [
        "",
        f"Protocol instructions per duplex audio-second (slope between {REPS[0]} and {REPS[1]} "
        f"repetitions of {AUDIO_S:g} audio-seconds, the fewest instructions of {SLOPE_RUNS} runs "
        "each; 50 appends out, 20 deltas in). Goal ≤ 8.5 M.",
        "",
        "| client | instructions / audio-s | × plain |",
        "|---|---:|---:|",
    ]
    for label, value in p.items():
        lines.append(f"| {label} | {value / 1e6:.2f} M | {value / plain:.2f} |")
    r = report["reconnect_s"]
    lines += [
        "",
        f"Reconnect after a server drop (close 1011) → live, re-configured, 2 items carried "
        f"over; {len(r)} drops, backoff injected at 1 ms, in-process fake server: "
        f"**p50 {statistics.median(r) * 1000:.1f} ms, "
        f"p95 {statistics.quantiles(r, n=20)[18] * 1000:.1f} ms**.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    logging.basicConfig(level=logging.ERROR)  # 50 reconnect lines are expected, not news
    summary: list[dict[str, Any]] = []
    with fake_server("fast", AUDIO_S, None, summary) as server:
        report: dict[str, Any] = {
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": f"{platform.machine()}, Python {platform.python_version()}",
            "startup_instructions": startup(server["url"]),
            "per_audio_second_instructions": per_audio_second(server),
        }
    report["reconnect_s"] = asyncio.run(reconnect_times())
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "startup.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / "startup.md").write_text(markdown(report))
    print(markdown(report))


if __name__ == "__main__":
    main()
