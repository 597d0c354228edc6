"""Soak: many reconnects of mixed kinds; memory, descriptors, tasks and threads stay flat.

    python tests/soak.py 1000        # `make soak`
    run_soak(200) from tests/link/test_soak.py in CI

Each cycle: wait until the link is live again, complete a turn (a healthy session must
lose none), then break the connection one of SEVEN ways. After a warm-up, RSS may grow by
at most RSS_GROWTH_MAX_KB; descriptors, tasks and threads must come back to their level.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import logging
import os
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parent.parent / "daemon")]

from hostile import FAST, Turns, error, make_voice  # noqa: E402

from conftest import wait_until  # noqa: E402
from fakeserver import FakeRealtimeServer, Faults  # noqa: E402

RSS_GROWTH_MAX_KB = 2048
SOAK_LINK = dataclasses.replace(
    FAST,
    backoff_initial_s=0.002,
    backoff_max_s=0.01,
    healthy_uptime_s=0.01,
    dead_link_s=0.2,
    connect_timeout_s=2.0,
    rotate_after_s=3600.0,
)
Break = Callable[[FakeRealtimeServer], Awaitable[None]]


@dataclasses.dataclass
class SoakResult:
    reconnects: int
    turns: int
    turns_lost: int
    rss_growth_kb: int
    fds: tuple[int, int]
    tasks: tuple[int, int]
    threads: tuple[int, int]
    kinds: dict[str, int]
    seconds: float


def rss_kb() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def fd_count() -> int:
    return len(os.listdir("/proc/self/fd"))


async def close_code(server: FakeRealtimeServer) -> None:
    await server.drop_all(code=(1001, 1011, 1012, 1013)[len(server.connections) % 4])


async def abort(server: FakeRealtimeServer) -> None:
    for driver in list(server._drivers):
        driver.ws.transport.abort()


def _next_attempt_faulty(faults: Faults) -> Break:
    async def broken(server: FakeRealtimeServer) -> None:
        attempts = server.handshake_attempts
        server.faults = faults
        await server.drop_all(code=1011)
        await wait_until(lambda: server.handshake_attempts > attempts, 5.0)
        server.faults = Faults()

    return broken


async def session_expired(server: FakeRealtimeServer) -> None:
    await server.push(error("session_expired", "Your session hit the maximum duration."))


async def half_open(server: FakeRealtimeServer) -> None:
    for driver in list(server._drivers):
        driver.go_dead()  # no pongs, nothing sent, TCP left open: keepalive must notice


BREAKS: dict[str, Break] = {
    "close_code": close_code,
    "abort": abort,
    "accept_then_close": _next_attempt_faulty(Faults(close_after_events=1, close_code=1011)),
    "5xx": _next_attempt_faulty(Faults(reject_status=503, reject_first_n=1)),
    "429_retry_after": _next_attempt_faulty(
        Faults(reject_status=429, retry_after_s=0.02, reject_first_n=1)
    ),
    "session_expired": session_expired,
    "half_open": half_open,
}


async def run_soak(reconnects: int, *, warmup: int | None = None) -> SoakResult:
    warmup = warmup if warmup is not None else max(20, reconnects // 10)
    kinds = dict.fromkeys(BREAKS, 0)
    names = list(BREAKS)
    turns_done = turns_lost = 0
    base: tuple[int, int, int, int] | None = None
    started = time.monotonic()
    async with FakeRealtimeServer(api_key="sk-test-SECRET-0123456789abcdef", pace="fast") as srv:
        voice = make_voice(srv, link_config=SOAK_LINK)
        turns = Turns(voice)
        await voice.connect(timeout=5.0, reconnect=True)
        assert voice.link is not None
        for cycle in range(reconnects + 1):
            await wait_until(lambda: voice.connected, 10.0)
            try:
                await turns.complete_one(5.0)
                turns_done += 1
            except AssertionError:
                turns_lost += 1
            if cycle == reconnects:
                break
            del srv.connections[:-1]  # the fake's records are not the client's memory
            del srv.attempt_times[:]
            if cycle == warmup:
                gc.collect()
                base = (rss_kb(), fd_count(), len(asyncio.all_tasks()), threading.active_count())
            name = names[cycle % len(names)]
            kinds[name] += 1
            before = voice.link.connections
            await BREAKS[name](srv)
            await wait_until(lambda n=before: voice.link.connections > n, 10.0)  # type: ignore[union-attr]
        gc.collect()
        end = (rss_kb(), fd_count(), len(asyncio.all_tasks()), threading.active_count())
        await voice.close()
    assert base is not None
    return SoakResult(
        reconnects=reconnects,
        turns=turns_done,
        turns_lost=turns_lost,
        rss_growth_kb=end[0] - base[0],
        fds=(base[1], end[1]),
        tasks=(base[2], end[2]),
        threads=(base[3], end[3]),
        kinds=kinds,
        seconds=time.monotonic() - started,
    )


def check(result: SoakResult) -> list[str]:
    """What went wrong, as sentences; empty when the soak passed."""
    problems = []
    if result.turns_lost:
        problems.append(f"{result.turns_lost} turns lost in healthy sessions")
    if result.rss_growth_kb > RSS_GROWTH_MAX_KB:
        problems.append(f"RSS grew {result.rss_growth_kb} KB after warm-up")
    for what in ("fds", "tasks", "threads"):
        first, last = getattr(result, what)
        if last > first:
            problems.append(f"{what} grew from {first} to {last}")
    return problems


def main() -> int:
    logging.basicConfig(level=logging.ERROR)  # the reconnect lines would be 1,000s of them
    reconnects = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    result = asyncio.run(run_soak(reconnects))
    print(result)
    problems = check(result)
    for problem in problems:
        print("FAIL:", problem)
    print("soak", "failed" if problems else "passed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
