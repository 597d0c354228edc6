"""The offline wake word: pymicro-wakeword's microWakeWord models on the mic stream.

Thin adapter, no threads: the caller (the mic path) hands it frames with `feed()`. Audio at
the mic path's rate (24 kHz, or 16 kHz) is resampled to the models' 16 kHz with soxr; the
detector runs once per `wake.batch_ms` batch; features are computed once and shared by every
model. Each detection carries the stream position where it was decided, so `preroll()` can
give back what was said right after the wake word.

    detector = WakeWordDetector(config.wake, input_rate_hz=24000, file=config.source)
    for detection in detector.feed(frame):       # usually []
        forward(detector.preroll(detection))     # then forward the live mic
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from voiced.audio.extras import require_wake_word
from voiced.audio.resample import StreamResampler
from voiced.config.wake import BUILTIN_MODELS, WakeConfig
from voiced.core.preroll import Batcher, PreRoll, ms_to_samples, samples_to_ms
from voiced.errors import ConfigError

if TYPE_CHECKING:
    from pymicro_wakeword import MicroWakeWord

log = logging.getLogger(__name__)

MODEL_RATE_HZ = 16000
"""microWakeWord's features are computed on 16 kHz audio in 10 ms steps."""
_CHUNK_BYTES = 160 * 2  # 10 ms at 16 kHz, s16le


@dataclass(frozen=True)
class WakeDetection:
    """A wake word was heard."""

    model: str
    """Model id, e.g. "hey_mycroft" (a file's stem for extra models)."""
    wake_word: str
    """The phrase, e.g. "Hey Mycroft"."""
    probability: float
    """The model's averaged probability when it crossed its cutoff."""
    end_sample: int
    """Position in the input stream (input samples from the first fed) where it was decided:
    the wake word ends at or a little before this."""
    end_ms: float
    """The same position in ms from the start of the stream."""


@dataclass
class _Model:
    net: MicroWakeWord
    cutoff: float


class WakeWordDetector:
    """Wake-word detection on a continuous s16le mono stream, with a bounded pre-roll."""

    def __init__(
        self, config: WakeConfig, *, input_rate_hz: int = 24000, file: str = "(defaults)"
    ) -> None:
        self.input_rate_hz = input_rate_hz
        require_wake_word(file)  # a clear ConfigError when the package is missing
        from pymicro_features import MicroFrontend  # imported by pymicro_wakeword itself

        self._frontend_class = MicroFrontend
        self._frontend = MicroFrontend()
        self._models = [_load(config.model, config.threshold, file, "wake.model")]
        self._models += [
            _load(path, None, file, "wake.extra_models") for path in config.extra_models
        ]
        self._batcher = Batcher(ms_to_samples(config.batch_ms, input_rate_hz))
        self._preroll = PreRoll(ms_to_samples(config.preroll_ms, input_rate_hz))
        self._resampler = StreamResampler(input_rate_hz, MODEL_RATE_HZ)
        self._audio_16k = bytearray()
        self._consumed_16k = 0

    @property
    def cutoffs(self) -> dict[str, float]:
        """The probability each model needs, by model id."""
        return {m.net.id: m.cutoff for m in self._models}

    @property
    def position_samples(self) -> int:
        """Input samples fed so far."""
        return self._preroll.end_sample

    def feed(self, pcm: bytes) -> list[WakeDetection]:
        """Add mic audio (s16le mono at `input_rate_hz`, any length); detections, usually []."""
        self._preroll.append(pcm)
        detections: list[WakeDetection] = []
        for _, batch in self._batcher.add(pcm):
            detections += self._detect(batch)
        return detections

    def preroll(self, detection: WakeDetection) -> bytes:
        """The audio heard after `detection` up to now (at most `wake.preroll_ms`)."""
        return self._preroll.since(detection.end_sample)

    def reset(self) -> None:
        """Forget features, model state and the pre-roll (after a wake, or when resuming);
        stream positions keep counting, so later detections stay comparable."""
        self._frontend = self._frontend_class()
        for model in self._models:
            model.net.reset()
        self._preroll.clear()

    def close(self) -> None:
        for model in self._models:
            model.net.close()

    def _detect(self, batch: bytes) -> list[WakeDetection]:
        samples = np.frombuffer(batch, dtype="<i2")
        self._audio_16k += self._resampler.process(samples).tobytes()
        found: list[WakeDetection] = []
        used = 0
        while used + _CHUNK_BYTES <= len(self._audio_16k):
            result = self._frontend.process_samples(
                bytes(self._audio_16k[used : used + _CHUNK_BYTES])
            )
            if result.samples_read <= 0:
                break  # the frontend took nothing: wait for more audio rather than spin
            used += result.samples_read * 2
            self._consumed_16k += result.samples_read
            if not result.features:
                continue
            features = np.array(result.features).reshape((1, 1, len(result.features)))
            for model in self._models:
                probability = model.net.process_streaming_prob(features)
                if probability is not None and probability > model.cutoff:
                    found.append(self._detection(model, probability))
                    model.net.reset()  # one wake per utterance: the window starts afresh
        del self._audio_16k[:used]
        return found

    def _detection(self, model: _Model, probability: float) -> WakeDetection:
        end_sample = round(self._consumed_16k * self.input_rate_hz / MODEL_RATE_HZ)
        log.info("wake word %s (%.3f > %.3f)", model.net.wake_word, probability, model.cutoff)
        return WakeDetection(
            model=model.net.id,
            wake_word=model.net.wake_word,
            probability=float(probability),
            end_sample=end_sample,
            end_ms=samples_to_ms(end_sample, self.input_rate_hz),
        )


def _load(name: str, threshold: float | None, file: str, key: str) -> _Model:
    """A bundled model by name or a model config by path → the loaded network and its cutoff."""
    from pymicro_wakeword import MicroWakeWord, Model

    try:
        if name in BUILTIN_MODELS:
            net = MicroWakeWord.from_builtin(Model(name))
        else:
            config = json.loads(Path(name).read_text(encoding="utf-8"))
            if not (Path(name).parent / config["model"]).is_file():
                raise FileNotFoundError(f"{config['model']} is not next to {name}")
            net = MicroWakeWord.from_config(name)
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
        raise ConfigError(
            key,
            file,
            f"the wake-word model {name!r} does not load ({exc})",
            f"use one of {', '.join(BUILTIN_MODELS)} or a microWakeWord .json whose "
            '"model" file lies beside it',
        ) from exc
    cutoff = float(net.probability_cutoff if threshold is None else threshold)
    return _Model(net=net, cutoff=cutoff)
