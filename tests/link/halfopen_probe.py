"""Run inside a private network namespace (unshare -n): a half-open link, for real.

Connects the link to the fake server on loopback, then drops every packet of that TCP
connection with nftables (no FIN, no RST reaches either side), and prints as JSON how long
the link took to notice and, once the rule is gone, to be live again.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path[:0] = [
    str(Path(__file__).resolve().parents[1]),
    str(Path(__file__).resolve().parents[2] / "daemon"),
]

from voiced.config.link import LinkConfig  # noqa: E402
from voiced.core.session import build_session  # noqa: E402
from voiced.link import LinkState, RealtimeLink, realtime_endpoint  # noqa: E402

from conformance import validate_client_frames  # noqa: E402
from fakeserver import FakeRealtimeServer  # noqa: E402

KEY = "sk-netns-test-key-123456"


#: nftables lives in /usr/sbin, which is not on a non-root user's PATH on Debian.
NFT = shutil.which("nft") or shutil.which("nft", path="/usr/sbin:/sbin") or "nft"


def nft(*args: str) -> None:
    subprocess.run([NFT, *args], check=True)


async def main() -> dict[str, float]:
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    dead_link_s = float(sys.argv[1]) if len(sys.argv) > 1 else LinkConfig().dead_link_s
    config = LinkConfig(dead_link_s=dead_link_s, backoff_initial_s=0.2, backoff_max_s=0.5)
    # The server's own keepalive is off: only the client's detection is measured.
    async with FakeRealtimeServer(api_key=KEY, ping_interval_s=None) as srv:
        endpoint = realtime_endpoint(
            provider="compatible", model="gpt-realtime", api_key=KEY, url=srv.url
        )
        link = RealtimeLink(endpoint, session=build_session, on_event=lambda e: None, config=config)
        await link.connect(timeout_s=5.0, reconnect=True)
        nft("add", "table", "inet", "voiced_test")
        nft(
            "add",
            "chain",
            "inet",
            "voiced_test",
            "c",
            "{ type filter hook input priority 0; policy accept; }",
        )
        nft("add", "rule", "inet", "voiced_test", "c", "tcp", "dport", str(srv.port), "drop")
        nft("add", "rule", "inet", "voiced_test", "c", "tcp", "sport", str(srv.port), "drop")
        cut = time.monotonic()
        while link.state is LinkState.LIVE and time.monotonic() - cut < 3 * dead_link_s:
            await asyncio.sleep(0.05)
        detected_s = time.monotonic() - cut
        nft("delete", "table", "inet", "voiced_test")
        healed = time.monotonic()
        while not (link.live and link.connections == 2) and time.monotonic() - healed < 20:
            await asyncio.sleep(0.05)
        result = {
            "dead_link_s": dead_link_s,
            "detected_s": detected_s,
            "reconnected_s": time.monotonic() - healed,
            "connections": float(link.connections),
        }
        await link.close()
    for conn in srv.connections:
        validate_client_frames(conn.received)
    return result


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
