"""Hands-free through the whole daemon in real time: a person's voice (espeak-ng) played
into the PipeWire test sink, heard by the daemon's own mic (the sink's monitor) together
with its own answers, echo-cancelled, the real wake-word detector, the fake server's VAD."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from voiced.app.credentials import find_api_key
from voiced.app.daemon import Daemon
from voiced.app.handsfree import hands_free
from voiced.app.sounds import Sounds
from voiced.app.voices import make_voice
from voiced.audio.capture import AlsaMicrophone
from voiced.audio.playback import AlsaSpeaker
from voiced.config import (
    AudioConfig,
    Config,
    LinkConfig,
    RealtimeConfig,
    SoundsConfig,
    TalkConfig,
    WakeConfig,
)
from voiced.core.status import Status
from voiced.panel.null import NullPanel

from audio_rig import PipeWireSession
from conftest import API_KEY, checked_server, wait_until
from fakeserver import tone
from speech_rig import have_espeak, scale_to, silence, speak

pytestmark = [
    pytest.mark.pipewire,
    pytest.mark.skipif(not have_espeak(), reason="espeak-ng is not installed"),
]


def said(*parts: np.ndarray) -> bytes:
    return np.concatenate(parts).astype("<i2").tobytes()


def voice_of(text: str, speed_wpm: int = 160) -> np.ndarray:
    return scale_to(speak(text, "en-us", speed_wpm), -18.0)


async def test_wake_word_to_answer_to_follow_up_through_pipewire(
    pipewire: PipeWireSession,
) -> None:
    """ "alexa, what is the weather": listening, the turn reaches the server, the answer
    plays; a follow-up without the word is answered; silence returns to idle."""
    async with checked_server() as srv:
        srv.response_audio = tone(0.6, 300.0, amplitude=0.1)
        config = Config(
            realtime=RealtimeConfig(provider="compatible", url=srv.url),
            link=LinkConfig(backoff_initial_s=0.05),
            talk=TalkConfig(mode="wake", vad_silence_duration_ms=500),
            wake=WakeConfig(model="alexa", follow_up_s=2.5),
            audio=AudioConfig(
                input_device="pwmic",
                output_device="pwspk",
                input_rate_hz=48000,
                output_rate_hz=48000,
            ),
            sounds=SoundsConfig(notices=False, volume=0.1),
        )
        daemon = Daemon(
            config,
            voice=make_voice(config, find_api_key(config, {"OPENAI_API_KEY": API_KEY})),
            mic=AlsaMicrophone(config.audio),
            speaker=AlsaSpeaker(config.audio),
            panel=NullPanel("test"),
            sounds=Sounds(config, state_dir=None),
            hands_free=hands_free,
        )
        person = AlsaSpeaker(AudioConfig(output_device="pwspk", output_rate_hz=48000))
        run = asyncio.create_task(daemon.run())
        try:
            await wait_until(lambda: daemon.status is Status.READY)
            await wait_until(lambda: daemon.feed.canceller is not None)
            await person.start()
            await asyncio.sleep(0.5)  # the mic's stream runs: what plays now is heard
            seen: set[Status] = set()
            person.play(
                "p1",
                said(
                    silence(0.3), voice_of("alexa", 150), silence(0.4),
                    voice_of("what is the weather like today"), silence(1.2),
                ),
            )  # fmt: skip
            person.finish("p1")
            for _ in range(300):
                seen.add(daemon.status)
                if daemon.status is Status.SPEAKING:
                    break
                await asyncio.sleep(0.02)
            assert Status.LISTENING in seen and daemon.turns == 1, seen
            conn = srv.connections[0]
            assert conn.sent_types.count("response.created") == 1
            await wait_until(lambda: daemon.status is Status.LISTENING, timeout_s=10.0)
            person.play("p2", said(voice_of("and tomorrow"), silence(1.2)))
            person.finish("p2")
            await wait_until(lambda: conn.sent_types.count("response.created") == 2, 10.0)
            await wait_until(lambda: daemon.status is Status.READY, timeout_s=15.0)
            assert daemon.turns == 2
        finally:
            await person.stop()
            daemon.stop()
            assert await asyncio.wait_for(run, 10.0) == 0
