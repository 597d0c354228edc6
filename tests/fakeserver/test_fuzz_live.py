"""Live fuzzing: hypothesis-made server frames through a real connection to the client.

Not only into the parser: each example is pushed by the fake server over the WebSocket,
then a marker frame proves the client read past all of it with the link still up. At the
end at least MIN_FRAMES frames went through and a turn completes.
"""

from __future__ import annotations

import asyncio
import base64
import json
import threading
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostile import Turns, frame, make_voice
from voiced.core.protocol import KNOWN_SERVER_EVENT_TYPES
from voiced.voice import OpenAIRealtimeVoice

from conftest import checked_server, wait_until
from fakeserver import FakeRealtimeServer

MIN_FRAMES = 10_000
EXAMPLES = 400
PER_EXAMPLE = (26, 32)  # EXAMPLES * 26 > MIN_FRAMES; small lists keep hypothesis fast
T = TypeVar("T")

# Codes that end the session on purpose (fatal, expired) are the scenarios' business.
SAFE_CODES = st.sampled_from(
    [None, "server_error", "invalid_value", "invalid_event", "rate_limit_exceeded", "x"]
)
LEAF = (
    st.none()
    | st.booleans()
    | st.integers(-(2**64), 2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
JSON = st.recursive(
    LEAF,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=5,
)
IDS = st.sampled_from(["resp_1", "resp_2", "item_1", ""]) | st.text(max_size=6)
FIELDS = {
    "event_id": IDS | JSON,
    "response_id": IDS | JSON,
    "item_id": IDS | JSON,
    "delta": st.binary(max_size=48).map(lambda b: base64.b64encode(b).decode()) | JSON,
    "output_index": st.integers(-1, 2) | JSON,
    "content_index": st.integers(-1, 2) | JSON,
    "audio_start_ms": st.integers(-5, 10**6) | JSON,
    "audio_end_ms": st.integers(-5, 10**6) | JSON,
    "transcript": st.text(max_size=20) | JSON,
    "text": st.text(max_size=20) | JSON,
    "response": st.fixed_dictionaries(
        {"id": IDS, "status": st.sampled_from(["completed", "cancelled", "failed", "zz"])}
    )
    | JSON,
    "error": st.fixed_dictionaries(
        {"type": st.text(max_size=8), "code": SAFE_CODES, "message": st.text(max_size=20)}
    )
    | JSON,
    "session": JSON,
}
KNOWN_EVENT = st.builds(
    lambda event_type, fields: json.dumps({"type": event_type, **fields}),
    st.sampled_from(sorted(KNOWN_SERVER_EVENT_TYPES)),
    st.fixed_dictionaries({}, optional=FIELDS),  # type: ignore[arg-type]
)
FRAME: st.SearchStrategy[str | bytes] = st.one_of(
    KNOWN_EVENT,
    KNOWN_EVENT,
    KNOWN_EVENT,
    JSON.map(json.dumps),
    st.text(max_size=30),
    st.binary(max_size=30),
)


class LiveRig:
    """The fake server and a connected voice on their own loop, for sync hypothesis tests."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.unhandled: list[dict[str, Any]] = []
        self.loop.set_exception_handler(lambda _loop, ctx: self.unhandled.append(ctx))
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self.frames_sent = 0
        self.markers: set[str] = set()
        self._cm: Any = None
        self.server: FakeRealtimeServer | None = None
        self.voice: OpenAIRealtimeVoice | None = None
        self.turns: Turns | None = None

    def run(self, coro: Coroutine[Any, Any, T], timeout_s: float = 20.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout_s)

    async def start(self) -> None:
        self._cm = checked_server(pace="fast")
        self.server = await self._cm.__aenter__()
        self.voice = make_voice(self.server)
        self.turns = Turns(self.voice)
        self.voice.on("writing", lambda text, role: self.markers.add(text))
        await self.voice.connect(timeout=5.0, reconnect=True)

    async def push(self, frames: list[str | bytes], marker: str) -> None:
        assert self.server is not None and self.voice is not None
        await wait_until(lambda: self.voice is not None and self.voice.connected, 10.0)
        await self.server.push(*frames)
        mark = frame(
            "response.output_audio_transcript.delta",
            response_id="resp_marker",
            item_id="item_marker",
            output_index=0,
            content_index=0,
            delta=marker,
        )
        await self.server.push(mark)
        await wait_until(lambda: marker in self.markers, 10.0)
        self.frames_sent += len(frames)

    async def stop(self) -> None:
        assert self.voice is not None and self.turns is not None
        await self.turns.complete_one(10.0)
        await self.voice.close()
        await self._cm.__aexit__(None, None, None)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5.0)
        self.loop.close()


@pytest.fixture(scope="module")
def rig() -> Iterator[LiveRig]:
    live = LiveRig()
    live.run(live.start())
    yield live
    try:
        live.run(live.stop())  # a turn completes after everything (checks frames strictly)
        assert live.frames_sent >= MIN_FRAMES, live.frames_sent
        assert not live.unhandled, live.unhandled[:3]
    finally:
        live.close()


_count = iter(range(10**9))


# The client's own loop thread (websockets' ping payloads, the backoff jitter) draws from
# `random` while hypothesis generates; the strategies themselves do not.
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
@given(frames=st.lists(FRAME, min_size=PER_EXAMPLE[0], max_size=PER_EXAMPLE[1]))
def test_fuzzed_frames_through_a_live_connection(rig: LiveRig, frames: list[str | bytes]) -> None:
    """Any frames: the client reads past them with its link up and its state bounded."""
    rig.run(rig.push(frames, f"marker-{next(_count)}"))
    voice = rig.voice
    assert voice is not None and voice.link is not None and voice.link._task is not None
    assert not voice.link._task.done()
    assert len(voice._streams) <= 1


def test_enough_frames_went_through(rig: LiveRig) -> None:
    """Runs after the fuzzing (same module): the budget of live frames was met."""
    assert rig.frames_sent >= MIN_FRAMES, rig.frames_sent
