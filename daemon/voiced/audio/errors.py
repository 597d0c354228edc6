"""Audio errors: each names the device, the config key and what to check."""

from __future__ import annotations

from collections.abc import Sequence

from voiced.core.audio_choice import Fault
from voiced.errors import VoicedError


class AudioError(VoicedError):
    """Something is wrong with the mic or the speaker."""


class AudioDeviceError(AudioError):
    """An ALSA device could not be opened or was lost; `fault` says which way."""

    def __init__(self, device: str, fault: Fault, message: str, config_key: str) -> None:
        self.device = device
        self.fault = fault
        self.config_key = config_key
        super().__init__(message)

    @classmethod
    def describe(
        cls,
        *,
        device: str,
        fault: Fault,
        alsa_text: str,
        config_key: str,
        existing: Sequence[str] = (),
    ) -> AudioDeviceError:
        """Build the error with a message that says what to check for this kind of fault."""
        if fault is Fault.BUSY:
            text = (
                f"another program holds {device} ({alsa_text}) — find it with "
                "`fuser -v /dev/snd/*`; stop it, or share the card through dsnoop (mic) / "
                f"dmix (speaker) and point {config_key} at that (see hardware/alsa/)"
            )
        elif fault is Fault.MISSING:
            names = ", ".join(existing) if existing else "(none: is the HAT's overlay loaded?)"
            text = (
                f"no ALSA device {device!r} ({alsa_text}); devices that exist: {names}. "
                f"Set {config_key} to one of them (`voiced devices` lists rates and channels)"
            )
        elif fault is Fault.PERMISSION:
            text = (
                f"not allowed to open {device} ({alsa_text}): add the service user to the "
                "`audio` group (`usermod -aG audio voiced`) or check /dev/snd permissions"
            )
        elif fault is Fault.GONE:
            text = (
                f"{device} vanished ({alsa_text}): check the USB cable / the sound server; "
                "it is reopened automatically when it returns"
            )
        else:
            text = f"{device}: {alsa_text} (check {config_key} with `voiced check audio`)"
        return cls(device, fault, text, config_key)


class AudioFormatError(AudioError):
    """The device refused the channel layout or format we need."""
