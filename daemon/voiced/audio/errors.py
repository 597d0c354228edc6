"""Audio errors: each names the device, the config key and what to check."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

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
        self.why = message
        self.fix = _generic_fix(config_key)
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
        """Build the error with a message that says what is wrong and, after "Fix:", what to
        do for this kind of fault (`why` and `fix` are kept apart for `voiced check`)."""
        if fault is Fault.BUSY:
            why = f"another program holds {device} ({alsa_text})"
            fix = (
                "find it with `fuser -v /dev/snd/*` and stop it, or share the card through "
                f"dsnoop (mic) / dmix (speaker) and point {config_key} at that (hardware/alsa/)"
            )
        elif fault is Fault.MISSING:
            if existing:
                names = ", ".join(existing)
            elif on_raspberry_pi():
                names = "none (is the HAT's dtoverlay= in /boot/firmware/config.txt?)"
            else:
                names = "none (no sound card: plug one in, or start the sound server)"
            why = f"no ALSA device {device!r} ({alsa_text}); devices that exist: {names}"
            fix = f"set {config_key} to one of them (`voiced devices` lists rates and channels)"
        elif fault is Fault.PERMISSION:
            why = f"not allowed to open {device} ({alsa_text})"
            fix = (
                "add the service user to the `audio` group (`usermod -aG audio voiced`) or "
                "check /dev/snd permissions"
            )
        elif fault is Fault.GONE:
            why = f"{device} vanished while in use ({alsa_text})"
            fix = (
                "check the USB cable or the sound server; it is reopened automatically when "
                "it returns"
            )
        else:
            why = f"{device}: {alsa_text}"
            fix = _generic_fix(config_key)
        error = cls(device, fault, f"{why}. Fix: {fix}", config_key)
        error.why, error.fix = why, fix
        return error


def _generic_fix(config_key: str) -> str:
    """What to try for an ALSA error with no better advice (not "run voiced check audio":
    that is where a person reads this)."""
    return (
        f"set {config_key} to a device `voiced devices` lists; a plughw:CARD=… name lets ALSA "
        "convert the rate and format"
    )


def on_raspberry_pi(model_file: Path = Path("/sys/firmware/devicetree/base/model")) -> bool:
    """True on a Raspberry Pi (its device-tree model says so)."""
    try:
        return "raspberry pi" in model_file.read_text(errors="replace").lower()
    except OSError:
        return False


class AudioFormatError(AudioError):
    """The device refused the channel layout or format we need."""
