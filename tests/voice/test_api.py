"""The voice API is complete everywhere: CompositeVoice delegates every method explicitly,
LoopbackVoice and OpenAIRealtimeVoice implement every one."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

import pytest

from voiced.core.status import LinkState
from voiced.voice import CompositeVoice, LoopbackVoice, OpenAIRealtimeVoice, Voice
from voiced.voice.base import API_METHODS, Audio, Tool

#: Arguments that make each API call valid.
ARGS: dict[str, tuple[Any, ...]] = {
    "connect": (1.0, False),
    "send": (b"\x00\x00" * 480,),
    "interrupt": (120,),
    "speak": ("hello",),
    "send_text": ("hi",),
    "update_config": ({"instructions": "be brief"},),
    "add_instructions": ("be brief",),
    "add_tools": ({},),
}


def test_api_methods_are_the_public_methods_of_voice() -> None:
    """API_METHODS lists every public method of Voice (but the emitter's on/off/emit)."""
    public = {
        name
        for name, member in inspect.getmembers(Voice, inspect.isfunction)
        if not name.startswith("_") and name not in ("on", "off", "emit", "listens", "spawn")
    }
    assert public == set(API_METHODS)


class Recorder(Voice):
    """A provider that records each API call it receives."""

    realtime = True

    def __init__(self) -> None:
        super().__init__(speaker="coral")
        self.calls: list[str] = []

    async def connect(self, timeout: float = 10.0, reconnect: bool = False) -> None:
        self.calls.append("connect")

    def start(self) -> None:
        self.calls.append("start")

    async def send(self, audio: Audio) -> None:
        self.calls.append("send")

    async def answer(self) -> None:
        self.calls.append("answer")

    async def clear_input(self) -> None:
        self.calls.append("clear_input")

    async def interrupt(self, played_ms: int | None = None) -> None:
        self.calls.append("interrupt")

    async def speak(self, text: str) -> None:
        self.calls.append("speak")

    async def send_text(self, text: str, *, respond: bool = True) -> None:
        self.calls.append("send_text")

    async def update_config(self, session: Mapping[str, Any]) -> None:
        self.calls.append("update_config")

    async def add_instructions(self, instructions: str) -> None:
        self.calls.append("add_instructions")

    async def add_tools(self, tools: Mapping[str, tuple[str, dict[str, Any], Tool]]) -> None:
        self.calls.append("add_tools")

    def retry_now(self) -> None:
        self.calls.append("retry_now")

    async def close(self) -> None:
        self.calls.append("close")

    def get_speakers(self) -> list[str]:
        self.calls.append("get_speakers")
        return ["coral"]


async def call(voice: Voice, name: str) -> None:
    result = getattr(voice, name)(*ARGS.get(name, ()))
    if inspect.isawaitable(result):
        await result


@pytest.mark.parametrize("name", API_METHODS)
async def test_composite_delegates_each_method(name: str) -> None:
    """Each API method of CompositeVoice reaches the realtime provider, exactly once."""
    provider = Recorder()
    voice = CompositeVoice(realtime=provider)
    await call(voice, name)
    assert provider.calls == [name]
    assert name in vars(CompositeVoice), f"{name} is not delegated explicitly"


@pytest.mark.parametrize("cls", [LoopbackVoice, OpenAIRealtimeVoice])
def test_providers_implement_every_method(cls: type[Voice]) -> None:
    """No provider falls back on the warn-only base for any API method."""
    missing = [
        name
        for name in API_METHODS
        if name != "get_speakers" and getattr(cls, name) is getattr(Voice, name)
    ]
    assert missing == []


async def test_loopback_answers_every_call() -> None:
    """Every API call on LoopbackVoice works (no warning, no error); the documented no-ops
    keep what they are given."""
    voice = LoopbackVoice()
    states: list[tuple[str, str]] = []
    voice.on("state", lambda state, detail: states.append((state, detail)))
    for name in API_METHODS:
        await call(voice, name)
    assert voice.session_config == {"instructions": "be brief"}
    assert states[0][0] is LinkState.LIVE and states[-1][0] is LinkState.CLOSED
    assert states[0][0] == "live"  # a str enum: library users may compare with strings


async def test_composite_without_a_provider_warns_and_returns(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """With no realtime provider, connect() warns and returns at once (the seed's rule)."""
    voice = CompositeVoice()
    await voice.connect(timeout=1.0)
    assert "no realtime" in caplog.text
    assert not voice.connected
