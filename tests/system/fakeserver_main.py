"""Run the project's fake realtime server as a process (inside the system test's container).

    python fakeserver_main.py --port 8765 --key-file /root/fake-key --status /run/fake.json

Every 0.2 s it writes what its connections did to --status as JSON (never the key: only
whether the Authorization header carried it): the frames received, audio appends, commits
and the audio each commit took, responses completed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fakeserver.server import FakeRealtimeServer


async def serve(port: int, key: str, status: Path) -> None:
    async with FakeRealtimeServer(api_key=key, port=port, pace="realtime") as srv:
        while True:
            records = [
                {
                    "auth_ok": c.headers.get("Authorization") == f"Bearer {key}",
                    "opened_at": c.opened_at,
                    "closed_at": c.closed_at,
                    "close_code": c.close_code,
                    "received": len(c.received_types),
                    "appends": c.received_types.count("input_audio_buffer.append"),
                    "commits": c.received_types.count("input_audio_buffer.commit"),
                    "committed_bytes": [len(audio) for audio in c.committed_audio],
                    "responses_done": c.sent_types.count("response.done"),
                }
                for c in srv.connections
            ]
            tmp = status.with_suffix(".tmp")
            tmp.write_text(json.dumps({"now": time.monotonic(), "connections": records}))
            os.replace(tmp, status)
            await asyncio.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--key-file", type=Path, required=True)
    parser.add_argument("--status", type=Path, required=True)
    args = parser.parse_args()
    asyncio.run(serve(args.port, args.key_file.read_text().strip(), args.status))


if __name__ == "__main__":
    main()
