"""The real wake-word detector (pymicro-wakeword) on real speech synthesised by espeak-ng."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from voiced.audio.wake import WakeDetection, WakeWordDetector
from voiced.config.wake import BUILTIN_MODELS, WakeConfig
from voiced.errors import ConfigError

from speech_rig import Samples, level_dbfs, mix, noise, silence, speak

RATE_HZ = 24000
LEAD_S = 0.5

# Voice × speed combinations whose rendering reaches the bundled model's own cutoff (found by
# bench/wake_bench.py; other voices and hey_jarvis at its 0.97 cutoff do not).
HEARD = [
    ("hey_mycroft", "hey mycroft", "en-gb-x-rp", 175),
    ("hey_mycroft", "hey mycroft", "en+f3", 150),
    ("alexa", "alexa", "en-us", 150),
    ("alexa", "alexa", "en-us+m1", 175),
    ("okay_nabu", "okay nabu", "en-us", 150),
]
OTHER_SPEECH = (
    "The licenses for most software are designed to take away your freedom to share and "
    "change it. By contrast, this license is intended to guarantee your freedom."
)


def utterance(phrase: Samples, *, after: Samples | None = None, rate_hz: int = RATE_HZ) -> Samples:
    """Silence, the phrase, what follows (default 1 s of silence), over a quiet noise floor."""
    tail = silence(1.0, rate_hz) if after is None else after
    clean = np.concatenate([silence(LEAD_S, rate_hz), phrase, tail])
    return mix(clean, noise(len(clean) / rate_hz, rate_hz, dbfs=-55.0))


def feed(detector: WakeWordDetector, audio: Samples, frame_ms: int = 20) -> list[WakeDetection]:
    """Feed `audio` in mic-sized frames, as the mic path will."""
    step = detector.input_rate_hz * frame_ms // 1000
    found: list[WakeDetection] = []
    for i in range(0, len(audio), step):
        found += detector.feed(audio[i : i + step].tobytes())
    return found


@pytest.mark.parametrize(("model", "text", "voice", "speed_wpm"), HEARD)
def test_the_wake_phrase_is_detected_once_where_it_was_said(
    model: str, text: str, voice: str, speed_wpm: int
) -> None:
    """One detection, by the right model, between the phrase's start and its end."""
    phrase = speak(text, voice, speed_wpm, rate_hz=RATE_HZ)
    detector = WakeWordDetector(WakeConfig(model=model), input_rate_hz=RATE_HZ)
    found = feed(detector, utterance(phrase))
    assert [d.model for d in found] == [model]
    start_ms, end_ms = LEAD_S * 1000, LEAD_S * 1000 + len(phrase) * 1000 / RATE_HZ
    assert start_ms + 300 < found[0].end_ms <= end_ms + 100
    assert found[0].probability > detector.cutoffs[model]
    assert found[0].end_sample == round(found[0].end_ms * RATE_HZ / 1000)


def test_other_speech_and_noise_wake_no_model() -> None:
    """Ordinary sentences in two voices, then loud noise: no model fires."""
    speech = np.concatenate([speak(OTHER_SPEECH, "en-us", 160), speak(OTHER_SPEECH, "en+m3", 180)])
    audio = np.concatenate(
        [mix(speech, noise(len(speech) / RATE_HZ, dbfs=-45.0)), noise(3.0, dbfs=-20.0, seed=7)]
    )
    others = [WakeWordDetector(WakeConfig(model=m), input_rate_hz=RATE_HZ) for m in BUILTIN_MODELS]
    assert [feed(d, audio) for d in others] == [[], [], [], []]


def test_threshold_overrides_the_models_cutoff() -> None:
    """ "hey jarvis" in espeak's en+f4 stays under the model's 0.97; at 0.9 it wakes."""
    audio = utterance(speak("hey jarvis", "en+f4", 150))
    strict = WakeWordDetector(WakeConfig(model="hey_jarvis"), input_rate_hz=RATE_HZ)
    lenient = WakeWordDetector(WakeConfig(model="hey_jarvis", threshold=0.9), input_rate_hz=RATE_HZ)
    assert strict.cutoffs == {"hey_jarvis": 0.97} and lenient.cutoffs == {"hey_jarvis": 0.9}
    assert feed(strict, audio) == []
    assert [d.model for d in feed(lenient, audio)] == ["hey_jarvis"]


def test_preroll_is_what_was_said_after_the_wake_word() -> None:
    """Speech right after the wake word is in the pre-roll: from the detection point to now."""
    question = speak("what time is it", "en-us", 170)
    audio = utterance(speak("alexa", "en-us", 175), after=question)
    detector = WakeWordDetector(WakeConfig(model="alexa", preroll_ms=2000), input_rate_hz=RATE_HZ)
    found = feed(detector, audio)
    assert len(found) == 1
    preroll = np.frombuffer(detector.preroll(found[0]), dtype="<i2")
    assert len(preroll) == detector.position_samples - found[0].end_sample
    assert np.array_equal(preroll, audio[found[0].end_sample : detector.position_samples])
    assert level_dbfs(preroll) > -35.0  # the question, not the noise floor


def test_preroll_is_bounded_by_preroll_ms() -> None:
    """A detection older than the ring gives at most preroll_ms of audio."""
    audio = utterance(speak("alexa", "en-us", 175), after=silence(2.0))
    detector = WakeWordDetector(WakeConfig(model="alexa", preroll_ms=300), input_rate_hz=RATE_HZ)
    found = feed(detector, audio)
    assert len(found) == 1 and len(detector.preroll(found[0])) == 300 * 24 * 2


def test_16_khz_input_is_detected_too() -> None:
    """A 16 kHz mic stream (no resampling) wakes the same model; positions in 16 kHz samples."""
    phrase = speak("hey mycroft", "en-gb-x-rp", 175, rate_hz=16000)
    detector = WakeWordDetector(WakeConfig(model="hey_mycroft"), input_rate_hz=16000)
    found = feed(detector, utterance(phrase, rate_hz=16000))
    assert [d.model for d in found] == ["hey_mycroft"]
    assert found[0].end_sample == round(found[0].end_ms * 16)


def test_an_extra_model_by_path_is_listened_for_too(tmp_path: Path) -> None:
    """A model config given by path (here a copy of hey_mycroft's) fires under its own id."""
    import pymicro_wakeword

    models = Path(pymicro_wakeword.__file__).parent / "models"
    shutil.copy(models / "hey_mycroft.tflite", tmp_path / "my_word.tflite")
    config = json.loads((models / "hey_mycroft.json").read_text())
    config["model"] = "my_word.tflite"
    (tmp_path / "my_word.json").write_text(json.dumps(config))
    wake = WakeConfig(model="okay_nabu", extra_models=(str(tmp_path / "my_word.json"),))
    wake.validate("voiced.toml")
    detector = WakeWordDetector(wake, input_rate_hz=RATE_HZ)
    assert set(detector.cutoffs) == {"okay_nabu", "my_word"}
    found = feed(detector, utterance(speak("hey mycroft", "en-gb-x-rp", 175)))
    assert [d.model for d in found] == ["my_word"]


def test_a_model_file_that_does_not_load_is_a_config_error(tmp_path: Path) -> None:
    """A .json naming a missing .tflite → ConfigError on wake.extra_models."""
    bad = tmp_path / "broken.json"
    bad.write_text(json.dumps({"model": "missing.tflite", "wake_word": "x", "micro": {}}))
    with pytest.raises(ConfigError) as caught:
        WakeWordDetector(WakeConfig(extra_models=(str(bad),)), file="voiced.toml")
    assert caught.value.key == "wake.extra_models" and "broken.json" in caught.value.problem


def test_reset_forgets_the_preroll() -> None:
    """After reset() the ring is empty but positions keep counting."""
    detector = WakeWordDetector(WakeConfig(), input_rate_hz=RATE_HZ)
    feed(detector, silence(0.5))
    detector.reset()
    marker = WakeDetection("okay_nabu", "Okay Nabu", 1.0, 0, 0.0)
    assert detector.preroll(marker) == b"" and detector.position_samples == RATE_HZ // 2
