"""The realtime voice library: `OpenAIRealtimeVoice`, `CompositeVoice`, `LoopbackVoice`."""

from voiced.voice.base import VOICES, RealtimeVoice, Voice
from voiced.voice.composite import CompositeVoice
from voiced.voice.loopback import LoopbackVoice
from voiced.voice.openai import OpenAIRealtimeVoice
from voiced.voice.stream import SpeakerStream

__all__ = [
    "VOICES",
    "CompositeVoice",
    "LoopbackVoice",
    "OpenAIRealtimeVoice",
    "RealtimeVoice",
    "SpeakerStream",
    "Voice",
]
