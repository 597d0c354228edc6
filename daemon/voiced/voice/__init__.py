"""The realtime voice library: `OpenAIRealtimeVoice`, `CompositeVoice`, `LoopbackVoice`.

Each name loads its module on first use, so a program that needs one provider pays for
that one only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from voiced.lazy import lazy_names

if TYPE_CHECKING:
    from voiced.voice.base import VOICES, RealtimeVoice, Voice
    from voiced.voice.composite import CompositeVoice
    from voiced.voice.loopback import LoopbackVoice
    from voiced.voice.openai import OpenAIRealtimeVoice
    from voiced.voice.stream import SpeakerStream

_HOME = {
    "VOICES": "base",
    "RealtimeVoice": "base",
    "Voice": "base",
    "CompositeVoice": "composite",
    "LoopbackVoice": "loopback",
    "OpenAIRealtimeVoice": "openai",
    "SpeakerStream": "stream",
}

__all__ = [
    "VOICES",
    "CompositeVoice",
    "LoopbackVoice",
    "OpenAIRealtimeVoice",
    "RealtimeVoice",
    "SpeakerStream",
    "Voice",
]


__getattr__ = lazy_names(__name__, _HOME)
