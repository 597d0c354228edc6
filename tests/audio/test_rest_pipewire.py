"""An appliance at rest costs almost nothing: the daemon on PipeWire-paced devices in hold
mode, nobody talking, its own threads' wake-ups counted from /proc (a count, not a time)."""

from __future__ import annotations

import asyncio
import time

import pytest

from voiced.app.daemon import Daemon
from voiced.audio.capture import AlsaMicrophone
from voiced.audio.playback import AlsaSpeaker
from voiced.config import AudioConfig, Config, TalkConfig
from voiced.core.status import Status, TalkEvent
from voiced.panel.null import NullPanel
from voiced.voice import LoopbackVoice

from audio_rig import PipeWireSession, activity_between, thread_activity
from conftest import wait_until

pytestmark = pytest.mark.pipewire

#: The daemon's own threads: the event loop and the audio threads (not the PipeWire
#: plugin's client threads, which a Pi on hw: devices does not have).
OURS = ("MainThread", "voiced-mic", "voiced-speaker")
MAX_WAKEUPS_PER_S = 30.0


async def test_at_rest_in_hold_our_threads_wake_rarely(pipewire: PipeWireSession) -> None:
    """At rest: ≤ 30 wake-ups a second over our threads; a press still gets every period."""
    audio = AudioConfig(input_device="pwmic", output_device="pwspk", speaker_idle_s=0.5)
    config = Config(audio=audio, talk=TalkConfig(mode="hold"))
    mic = AlsaMicrophone(audio)
    daemon = Daemon(
        config,
        voice=LoopbackVoice(),
        mic=mic,
        speaker=AlsaSpeaker(audio),
        panel=NullPanel("test"),
    )
    run = asyncio.create_task(daemon.run())
    try:
        await wait_until(lambda: daemon.status is Status.READY)
        await asyncio.sleep(1.0)  # the speaker rests after 0.5 s of silence
        before, t0 = thread_activity(), time.monotonic()
        await asyncio.sleep(3.0)
        rates = activity_between(before, thread_activity(), time.monotonic() - t0)
        ours = sum(rates.get(name, (0.0, 0.0))[0] for name in OURS)
        assert ours <= MAX_WAKEUPS_PER_S, rates
        assert rates["voiced-mic"][0] > 1.0  # still reading: the mic stays alive
        seen = mic.xruns, mic.dropped_frames
        daemon.on_input(TalkEvent.TALK_START)
        await wait_until(lambda: daemon.machine.turn_bytes > 0)  # a press: frames flow again
        assert (mic.xruns, mic.dropped_frames) == seen  # nothing lost switching pace
    finally:
        daemon.stop()
        assert await asyncio.wait_for(run, 10.0) == 0
