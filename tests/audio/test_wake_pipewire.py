"""The wake word through the PipeWire test devices in real time: the phrase played on the null
sink, heard by the mic (the sink's monitor feeds the source), detected by the real detector."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from voiced.audio.capture import AlsaMicrophone
from voiced.audio.playback import AlsaSpeaker
from voiced.audio.wake import WakeDetection, WakeWordDetector
from voiced.config.audio import AudioConfig
from voiced.config.wake import WakeConfig

from audio_rig import PipeWireSession
from speech_rig import scale_to, silence, speak

pytestmark = pytest.mark.pipewire


async def listen(pipewire: PipeWireSession, text: str, voice: str, model: str) -> list[str]:
    """Play `text` through pwspk while the detector listens on pwmic at 24 kHz (the mic path's
    rate); return the models that woke."""
    mic = AlsaMicrophone(AudioConfig(input_device="pwmic", input_rate_hz=48000))
    speaker = AlsaSpeaker(AudioConfig(output_device="pwspk", output_rate_hz=48000))
    detector = WakeWordDetector(WakeConfig(model=model), input_rate_hz=24000)
    await mic.start()
    await speaker.start()
    frames = mic.frames()
    await anext(frames)  # the capture stream exists: what plays now is heard
    phrase = scale_to(speak(text, voice, 175), -20.0)
    pcm = np.concatenate([silence(0.2), phrase, silence(0.8)]).tobytes()
    for i in range(0, len(pcm), 1920):
        speaker.play("wake", pcm[i : i + 1920])
    speaker.finish("wake")
    found: list[WakeDetection] = []
    heard_ms = 0
    async with asyncio.timeout(10):
        while heard_ms < len(pcm) * 1000 // 48000 + 500:
            frame = await anext(frames)
            heard_ms += len(frame) * 1000 // 48000
            found += detector.feed(frame)
    await speaker.stop()
    await mic.stop()
    return [d.model for d in found]


async def test_a_played_wake_phrase_is_detected_from_the_mic(pipewire: PipeWireSession) -> None:
    """ "alexa" played on the speaker wakes the alexa model once, from the captured audio."""
    assert await listen(pipewire, "alexa", "en-us", "alexa") == ["alexa"]


async def test_other_words_played_do_not_wake_it(pipewire: PipeWireSession) -> None:
    """Other words played the same way do not wake the alexa model."""
    assert await listen(pipewire, "the weather is nice today", "en-us", "alexa") == []
