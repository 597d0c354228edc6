"""The real AEC3 (pywebrtc-audio) on a rig echo path: the speaker's voice fed back into the mic
after 45 ms through a reverberant room, plus a person talking over it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
import soxr

from voiced.audio.aec import EchoCanceller
from voiced.config.echo import EchoCancelConfig

from fakeserver.vad import EnergyVad
from speech_rig import Samples, level_dbfs, mix, noise, room_echo, room_response, scale_to, speak

RATE_HZ = 24000
T0_S = 100.0  # the shared clock's reading at the rig's first sample
REPLY = (
    "Here is a long answer from the assistant about the weather, the news and the time of "
    "day, spoken without a pause, so that the echo canceller has to keep up for a while."
)
INTERRUPTION = "stop, stop please, I want to ask something else"


@dataclass(frozen=True)
class Scene:
    far: Samples  # what the speaker played
    near: Samples  # the person, as the mic hears them
    mic: Samples  # echo + person + noise floor
    talk: slice  # where the person talks


def scene(*, talk_at_s: float = 6.0, delay_ms: float = 45.0) -> Scene:
    far = scale_to(speak(REPLY, "en-us+f2", 170), -22.0)
    talker = scale_to(speak(INTERRUPTION, "en+m3", 160), -26.0)
    near = np.zeros(len(far), dtype=np.int16)
    start = round(talk_at_s * RATE_HZ)
    talk = slice(start, min(len(far), start + len(talker)))
    near[talk] = talker[: talk.stop - talk.start]
    echo = room_echo(far, room_response(RATE_HZ, delay_ms=delay_ms))
    return Scene(far, near, mix(echo, near, noise(len(far) / RATE_HZ, dbfs=-60.0)), talk)


def cancel(
    canceller: EchoCanceller,
    s: Scene,
    *,
    frame_ms: int = 20,
    ahead_ms: int = 60,
    played_late_ms: float = 0.0,
) -> Samples:
    """Play and capture in frames: the speaker writes `ahead_ms` ahead of what is heard (its
    device buffer) and reports each period's played position (optionally a few ms late); the
    mic hands each frame with its capture time. Returns the cleaned mic."""
    step = RATE_HZ * frame_ms // 1000
    ahead = RATE_HZ * ahead_ms // 1000
    written = 0
    out = []
    for i in range(0, len(s.far) - step + 1, step):
        while written < min(len(s.far), i + step + ahead):
            played_at_s = T0_S + written / RATE_HZ + played_late_ms / 1000
            canceller.far_end(s.far[written : written + step].tobytes(), played_at_s)
            written += step
        out.append(canceller.process(s.mic[i : i + step].tobytes(), T0_S + i / RATE_HZ))
    return np.frombuffer(b"".join(out), dtype="<i2")


@pytest.fixture(scope="module")
def rig() -> tuple[Scene, Samples]:
    s = scene()
    return s, cancel(EchoCanceller(sample_rate_hz=RATE_HZ), s)


def test_echo_is_reduced_by_25_db_after_3_s(rig: tuple[Scene, Samples]) -> None:
    """Echo return loss enhancement from 3 s until the person talks is at least 25 dB."""
    s, out = rig
    echo_only = slice(3 * RATE_HZ, s.talk.start)
    erle_db = level_dbfs(s.mic[echo_only]) - level_dbfs(out[echo_only])
    assert erle_db >= 25.0, erle_db


def test_the_person_talking_over_it_is_kept(rig: tuple[Scene, Samples]) -> None:
    """During double talk the output is within 3 dB of the person alone."""
    s, out = rig
    change_db = level_dbfs(out[s.talk]) - level_dbfs(s.near[s.talk])
    assert abs(change_db) <= 3.0, change_db


def test_the_fake_servers_vad_hears_the_person_not_the_echo(rig: tuple[Scene, Samples]) -> None:
    """server_vad (energy, threshold 0.5): the raw mic triggers on the assistant's own voice
    within the first second; the cancelled mic stays quiet until the person talks over it."""
    s, out = rig

    def first_start_ms(audio: Samples) -> int | None:
        vad = EnergyVad(threshold=0.5, silence_duration_ms=500)
        starts = [e.audio_ms for e in vad.feed(audio.tobytes()) if e.kind == "started"]
        return starts[0] if starts else None

    raw = first_start_ms(s.mic)
    assert raw is not None and raw < 1000
    cleaned = first_start_ms(out[3 * RATE_HZ :])
    talk_ms = (s.talk.start - 3 * RATE_HZ) * 1000 // RATE_HZ
    assert cleaned is not None and talk_ms <= cleaned <= talk_ms + 500


def test_the_reference_lead_covers_a_late_played_position() -> None:
    """played_at reported 60 ms late, later than the 45 ms echo path: with the 20 ms reference
    lead it still cancels ≥ 25 dB; with no lead the reference comes after its echo and AEC3
    loses most of it."""
    s = scene(talk_at_s=60.0)  # nobody talks
    echo = slice(3 * RATE_HZ, None)
    erle_db = {}
    for lead_ms in (20.0, 0.0):
        canceller = EchoCanceller.from_config(EchoCancelConfig(reference_lead_ms=lead_ms))
        out = cancel(canceller, s, played_late_ms=60.0)
        erle_db[lead_ms] = level_dbfs(s.mic[echo]) - level_dbfs(out[echo])
    assert erle_db[20.0] >= 25.0 and erle_db[0.0] < 20.0, erle_db


def test_a_far_end_at_the_device_rate_is_resampled_onto_the_timeline() -> None:
    """The speaker reports 48 kHz periods (its device rate): still ≥ 25 dB after 3 s."""
    s = scene(talk_at_s=60.0)
    far_48k = np.asarray(soxr.resample(s.far, RATE_HZ, 48000), dtype=np.int16)
    canceller = EchoCanceller(sample_rate_hz=RATE_HZ, far_rate_hz=48000)
    step, written, out = RATE_HZ // 50, 0, []
    for i in range(0, len(s.far) - step + 1, step):
        while written < min(len(far_48k), 2 * (i + step) + 2 * 1440):  # 60 ms ahead
            canceller.far_end(far_48k[written : written + 960].tobytes(), T0_S + written / 48000)
            written += 960
        out.append(canceller.process(s.mic[i : i + step].tobytes(), T0_S + i / RATE_HZ))
    cleaned = np.frombuffer(b"".join(out), dtype="<i2")
    echo = slice(3 * RATE_HZ, None)
    assert level_dbfs(s.mic[echo]) - level_dbfs(cleaned[echo]) >= 25.0


def test_without_a_reference_nothing_is_cancelled() -> None:
    """The far end is what makes it work: with none reported the echo passes (within 3 dB)."""
    s = scene(talk_at_s=60.0)
    canceller = EchoCanceller(sample_rate_hz=RATE_HZ)
    step = RATE_HZ // 50
    out = np.frombuffer(
        b"".join(
            canceller.process(s.mic[i : i + step].tobytes(), T0_S + i / RATE_HZ)
            for i in range(0, len(s.mic) - step + 1, step)
        ),
        dtype="<i2",
    )
    assert abs(level_dbfs(s.mic[3 * RATE_HZ :]) - level_dbfs(out[3 * RATE_HZ :])) <= 3.0


def test_odd_chunks_are_processed_in_10_ms_frames() -> None:
    """15 ms chunks: every output is a multiple of 10 ms and the total lags by < 10 ms."""
    canceller = EchoCanceller(sample_rate_hz=RATE_HZ)
    chunk = 360  # 15 ms
    lengths = [
        len(canceller.process(np.zeros(chunk, np.int16).tobytes(), T0_S + k * chunk / RATE_HZ))
        for k in range(7)
    ]
    assert all(n % (240 * 2) == 0 for n in lengths)
    assert 7 * chunk - sum(lengths) // 2 == (7 * chunk) % 240


def test_noise_suppression_lowers_steady_noise() -> None:
    """Noise suppression on: steady white noise comes out ≥ 4 dB quieter (WebRTC NS takes about
    6 dB off white noise at 24 kHz, whose energy is half above the 8 kHz band it works in)."""
    hum = noise(3.0, dbfs=-35.0, seed=3)
    plain = EchoCanceller(sample_rate_hz=RATE_HZ)
    quiet = EchoCanceller(sample_rate_hz=RATE_HZ, noise_suppression=True)
    step = 480
    outs = []
    for canceller in (plain, quiet):
        outs.append(
            np.frombuffer(
                b"".join(
                    canceller.process(hum[i : i + step].tobytes(), T0_S + i / RATE_HZ)
                    for i in range(0, len(hum), step)
                ),
                dtype="<i2",
            )
        )
    tail = slice(RATE_HZ, None)
    assert level_dbfs(outs[0][tail]) - level_dbfs(outs[1][tail]) >= 4.0
