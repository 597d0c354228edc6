"""The small interfaces the app wires together. Real adapters and tests both implement them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Protocol

from voiced.core.status import PanelInput, Status


class Microphone(Protocol):
    """Captured audio as 24 kHz s16le mono frames (default 20 ms = 960 bytes)."""

    async def start(self) -> None: ...

    def frames(self) -> AsyncIterator[bytes]: ...

    def pace(self, read_every_ms: int) -> None:
        """0: hand over every frame as it is captured; else (at rest) in bulk this often.
        Turning to 0 drops frames captured before and not yet handed over."""

    async def stop(self) -> None: ...


class Speaker(Protocol):
    """Plays 24 kHz s16le mono audio, one response at a time, and says how much was heard."""

    async def start(self) -> None: ...

    def play(self, response_id: str, pcm_24k: bytes) -> None:
        """Queue audio of `response_id` (never blocks)."""

    def finish(self, response_id: str) -> None:
        """No more audio comes for `response_id`: play out what is queued."""

    def flush(self) -> int:
        """Barge-in: stop within one period, drop what is queued; return ms played of it."""

    def played_ms(self, response_id: str) -> int:
        """How many ms of `response_id` actually reached the speaker so far."""

    def is_playing(self) -> bool: ...

    when_finished: Callable[[], None] | None
    """Called on the event loop when everything queued has been heard (playback ended)."""

    far_end: Callable[[bytes, float], None] | None
    """Called from the writer with each period written (mono s16le at `device_rate_hz`)
    and the time its first sample is heard: the echo canceller's reference."""

    @property
    def device_rate_hz(self) -> int | None:
        """The rate the device runs at (None before it is open)."""

    def step_volume(self, steps: int) -> int | None:
        """Change the volume by `steps` (+1 louder, -1 softer); the new percent, or None
        when this speaker has no volume control."""

    async def stop(self) -> None: ...


class Panel(Protocol):
    """Buttons in, status light out."""

    async def start(self, on_input: Callable[[PanelInput], None]) -> None:
        """Start; `on_input` (talk-button gestures, other requests) is always called on the
        event loop's thread."""

    def show(self, status: Status) -> None: ...

    async def stop(self) -> None: ...
