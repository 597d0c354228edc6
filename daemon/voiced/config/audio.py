"""[audio]: the ALSA mic and speaker."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from voiced.config.echo import EchoCancelConfig
from voiced.errors import ConfigError

ResampleQuality = Literal["QQ", "LQ", "MQ", "HQ", "VHQ"]


@dataclass(frozen=True)
class AudioConfig:
    input_device: str = "default"
    """ALSA PCM name of the mic, e.g. "plughw:CARD=seeed2micvoicec" or "dsnoop:1"."""
    output_device: str = "default"
    """ALSA PCM name of the speaker, e.g. "plughw:CARD=Headphones" or "dmix:0"."""
    input_rate_hz: int | None = None
    """None: the device's own rate (24 kHz if it takes it, else 48/16/44.1 kHz)."""
    output_rate_hz: int | None = None
    """None: the device's own rate, chosen as for input_rate_hz."""
    input_channel: int = 0
    """Which channel of a stereo or multi-channel mic to use (0 = first)."""
    input_channels: int | None = None
    """Channels to open the mic with; None: mono if the device takes it, else the fewest."""
    frame_ms: int = 20
    """Length of each 24 kHz mic frame handed to the conversation, in ms."""
    period_ms: int = 20
    """ALSA period (one blocking read or write) in ms; flush latency is at most one period."""
    periods: int = 4
    """ALSA buffer length in periods (buffer = period_ms x periods)."""
    prebuffer_ms: int = 60
    """Jitter buffer: audio collected before a response starts (and after an underrun)."""
    resample_quality: ResampleQuality = "HQ"
    """soxr quality: QQ (quick) < LQ < MQ < HQ (default, > 100 dB SNR) < VHQ."""
    mixer_control: str | None = None
    """ALSA mixer control for the volume (e.g. "Master", "PCM", "Speaker"); None: try the
    usual names on the output card, else software gain."""
    mixer_device: str | None = None
    """ALSA control device of the mixer (e.g. "hw:1"); None: the output device's card."""
    volume_percent: int = 80
    """Start-up volume, 0-100, until a volume is saved in the state directory."""
    volume_step_percent: int = 10
    """How much one volume-up / volume-down press changes the volume."""
    mic_gain_db: float = 0.0
    """Software gain applied to the mic, in dB (quiet MEMS mics: +6 to +12)."""
    echo_tail_ms: int = 300
    """Half-duplex: the mic stays gated this long after the speaker stops (room echo)."""
    reopen_min_s: float = 0.5
    """A vanished device is reopened after up to this delay (jittered: half to all of it),
    doubling per failure (core.reconnect.backoff_delay_s, the link's backoff too) ..."""
    reopen_max_s: float = 10.0
    """... up to this delay, while the daemon keeps running."""
    speaker_idle_s: float = 5.0
    """With nothing to play for this long the speaker device is closed (no wake-ups at
    rest), and opened again for the next sound; 0: keep it running, writing silence (for
    amplifiers that lose the first syllable when they wake)."""
    mic_idle_read_ms: int = 250
    """Push-to-talk at rest: the mic is read this often, in bulk, instead of every period
    (a press switches to every period at once)."""
    echo_cancel: bool | None = None
    """WebRTC AEC3 on the mic path (the hands-free extra); None: on in the hands-free modes
    (wake, vad), off in hold and toggle. With it on, speaking over the assistant interrupts
    it and the half-duplex gate is off."""
    noise_suppression: bool = False
    """WebRTC noise suppression after echo cancellation (fans, hum)."""
    noise_suppression_level: int = 1
    """0-3: about 6, 12, 18, 21 dB of suppression."""
    echo_reference_lead_ms: float = 20.0
    """The echo reference is taken this far ahead of the played position (below
    period_ms x periods)."""

    def echo(self) -> EchoCancelConfig:
        """The echo-cancellation keys as the canceller takes them."""
        return EchoCancelConfig(
            echo_cancel=self.echo_cancel,
            noise_suppression=self.noise_suppression,
            noise_suppression_level=self.noise_suppression_level,
            reference_lead_ms=self.echo_reference_lead_ms,
        )

    def validate(self, file: str, prefix: str) -> None:
        def bad(key: str, problem: str, fix: str) -> ConfigError:
            return ConfigError(f"{prefix}.{key}", file, problem, fix)

        for key in ("input_rate_hz", "output_rate_hz"):
            rate = getattr(self, key)
            if rate is not None and not 8000 <= rate <= 384000:
                raise bad(key, f"{rate} Hz is not an audio rate", "use 16000, 44100 or 48000")
        if not 0 <= self.input_channel < 32:
            raise bad("input_channel", "must be 0-31", "use 0 for the first (left) channel")
        if self.input_channels is not None and self.input_channels <= self.input_channel:
            raise bad(
                "input_channels",
                f"{self.input_channels} channels has no channel {self.input_channel}",
                "raise input_channels or lower input_channel",
            )
        if self.frame_ms not in (10, 20, 30, 40, 50, 60, 80, 100):
            raise bad("frame_ms", f"{self.frame_ms} ms is not supported", "use 10, 20 or 40")
        if not 5 <= self.period_ms <= 100:
            raise bad("period_ms", "must be 5-100 ms", "use 20")
        if not 2 <= self.periods <= 16:
            raise bad("periods", "must be 2-16", "use 4")
        if not 0 <= self.prebuffer_ms <= 2000:
            raise bad("prebuffer_ms", "must be 0-2000 ms", "use 60 (more on a jittery network)")
        if not 0 <= self.volume_percent <= 100:
            raise bad("volume_percent", "must be 0-100", "use 80")
        if not 1 <= self.volume_step_percent <= 50:
            raise bad("volume_step_percent", "must be 1-50", "use 10")
        if not -40.0 <= self.mic_gain_db <= 40.0:
            raise bad("mic_gain_db", "must be -40 to +40 dB", "use 0 or a few dB")
        if self.echo_tail_ms < 0:
            raise bad("echo_tail_ms", "must be 0 or more", "use 300")
        if not 0 < self.reopen_min_s <= self.reopen_max_s:
            raise bad("reopen_min_s", "must be > 0 and <= reopen_max_s", "use 0.5 and 10")
        if not 0.0 <= self.speaker_idle_s <= 3600.0:
            raise bad("speaker_idle_s", "must be 0-3600 s", "use 5 (0 keeps the speaker running)")
        if not 0 <= self.mic_idle_read_ms <= 1000:
            raise bad("mic_idle_read_ms", "must be 0-1000 ms", "use 250 (0: every period)")
        self.echo().validate(file, prefix)
