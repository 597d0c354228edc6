"""Run the fake realtime server in its own process, so its CPU is not the client's.

Prints one JSON line ``{"port": …, "url": …, "base_url": …}`` on stdout once it listens,
then serves until its stdin closes (the benchmark holds the pipe) or SIGTERM/SIGINT, and
prints a last line ``{"connections": [...]}``: per connection, what the client sent (appends,
decoded input bytes, responses asked for) and the audio deltas it was sent.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fakeserver import ConnRecord, FakeRealtimeServer, Pace, tone


def _pace(text: str) -> Pace:
    if text == "fast":
        return "fast"
    if text == "realtime":
        return "realtime"
    return float(text)


async def serve(args: argparse.Namespace) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    def watch_stdin() -> None:
        sys.stdin.read()  # returns at EOF: the parent is gone or done
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=watch_stdin, daemon=True).start()
    async with FakeRealtimeServer(api_key=args.api_key, pace=_pace(args.pace)) as srv:
        srv.response_audio = tone(duration_s=args.audio_seconds)
        print(json.dumps({"port": srv.port, "url": srv.url, "base_url": srv.base_url}), flush=True)
        await stop.wait()
        print(
            json.dumps({"connections": [_summary(record) for record in srv.connections]}),
            flush=True,
        )


def _summary(record: ConnRecord) -> dict[str, int]:
    """What one connection did, for the benchmark to check the clients did the same work."""
    return {
        "appends": record.received_types.count("input_audio_buffer.append"),
        "input_bytes": len(record.input_audio),
        "responses": record.received_types.count("response.create"),
        "audio_deltas": record.sent_types.count("response.output_audio.delta"),
        "errors": record.sent_types.count("error"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--api-key", default="sk-bench-0123456789")
    parser.add_argument("--pace", default="fast", help="fast, realtime or a speed factor")
    parser.add_argument("--audio-seconds", type=float, default=20.0, help="audio per response")
    parser.add_argument("--cpu", type=int, default=None, help="pin the server to one CPU")
    args = parser.parse_args()
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
