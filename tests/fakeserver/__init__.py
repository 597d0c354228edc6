"""A fake OpenAI Realtime (GA) server on loopback, with fault injection.

Independent of ``voiced``: it parses client JSON itself so it catches client bugs.
"""

from fakeserver.conn import ConnRecord
from fakeserver.events import BYTES_PER_MS, DELTA_BYTES, MIN_COMMIT_BYTES, SAMPLE_RATE_HZ
from fakeserver.faults import Faults, SilentTCPServer
from fakeserver.server import FakeRealtimeServer, Pace, tone

__all__ = [
    "BYTES_PER_MS",
    "DELTA_BYTES",
    "MIN_COMMIT_BYTES",
    "SAMPLE_RATE_HZ",
    "ConnRecord",
    "FakeRealtimeServer",
    "Faults",
    "Pace",
    "SilentTCPServer",
    "tone",
]
