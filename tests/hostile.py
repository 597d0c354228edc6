"""Frames a hostile or broken server may send, built by hand (not through the fake's models)."""

from __future__ import annotations

import base64
import json
import random
import string

from voiced.config.link import LinkConfig
from voiced.voice import OpenAIRealtimeVoice, SpeakerStream

from conftest import API_KEY, wait_until
from fakeserver import FakeRealtimeServer

FAST = LinkConfig(
    backoff_initial_s=0.02,
    backoff_max_s=0.05,
    healthy_uptime_s=0.2,
    close_timeout_s=0.5,
    connect_timeout_s=2.0,
)
PTT = {"audio": {"input": {"turn_detection": None}}}
_counter = iter(range(10**9))


def event_id() -> str:
    return f"event_h{next(_counter)}"


def frame(event_type: str, **fields: object) -> str:
    return json.dumps({"type": event_type, "event_id": event_id(), **fields})


def audio_delta(response_id: str, item_id: str = "item_x", pcm: bytes = b"\x00\x01" * 240) -> str:
    return frame(
        "response.output_audio.delta",
        response_id=response_id,
        item_id=item_id,
        output_index=0,
        content_index=0,
        delta=base64.b64encode(pcm).decode(),
    )


def response_created(response_id: str) -> str:
    return frame(
        "response.created",
        response={"id": response_id, "object": "realtime.response", "status": "in_progress"},
    )


def response_done(response_id: str, status: str = "completed") -> str:
    return frame(
        "response.done",
        response={"id": response_id, "object": "realtime.response", "status": status},
    )


def session_created() -> str:
    return frame("session.created", session={"type": "realtime", "id": "sess_h"})


def error(code: str | None, message: str = "hostile", error_type: str = "server_error") -> str:
    return frame("error", error={"type": error_type, "code": code, "message": message})


def random_text(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.printable) for _ in range(n))


class Turns:
    """A voice wired to count streams and finished responses."""

    def __init__(self, voice: OpenAIRealtimeVoice) -> None:
        self.voice = voice
        self.streams_opened = 0
        self.done: list[tuple[str, str]] = []
        voice.on("speaker", self._speaker)
        voice.on("response_done", lambda rid, status: self.done.append((rid, status)))

    async def _speaker(self, stream: SpeakerStream) -> None:
        self.streams_opened += 1
        await stream.read_all()

    async def complete_one(self, timeout_s: float = 5.0) -> None:
        """A text turn round trip: the fake answers and the response completes."""
        before = sum(1 for _, status in self.done if status == "completed")
        await wait_until(lambda: self.voice.connected, timeout_s)
        await self.voice.send_text("hello")
        await wait_until(
            lambda: sum(1 for _, status in self.done if status == "completed") > before, timeout_s
        )


def make_voice(srv: FakeRealtimeServer, **kw: object) -> OpenAIRealtimeVoice:
    kw.setdefault("session_config", PTT)
    kw.setdefault("link_config", FAST)
    return OpenAIRealtimeVoice(url=srv.url, api_key=API_KEY, **kw)  # type: ignore[arg-type]
