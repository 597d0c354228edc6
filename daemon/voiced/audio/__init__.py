"""The audio engine: ALSA mic and speaker (pyalsaaudio), soxr resampling to/from 24 kHz.

Construct with a `voiced.config.AudioConfig`:

    mic = AlsaMicrophone(config.audio, on_fault=report)          # ports.Microphone
    volume = Volume.open(config.audio, state_dir=Path(config.control.state_dir))
    speaker = AlsaSpeaker(config.audio, volume=volume, on_fault=report)   # ports.Speaker
"""

from voiced.audio.capture import AlsaMicrophone
from voiced.audio.errors import AudioDeviceError, AudioError
from voiced.audio.mixer import Volume
from voiced.audio.playback import AlsaSpeaker

__all__ = [
    "AlsaMicrophone",
    "AlsaSpeaker",
    "AudioDeviceError",
    "AudioError",
    "Volume",
]
