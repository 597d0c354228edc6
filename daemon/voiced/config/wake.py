"""[wake]: the offline wake word (talk.mode = "wake")."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from voiced.errors import ConfigError

BUILTIN_MODELS = ("okay_nabu", "hey_jarvis", "hey_mycroft", "alexa")
"""The models bundled in pymicro-wakeword's wheel."""

BATCH_MS = (60, 70, 80, 90, 100)


@dataclass(frozen=True)
class WakeConfig:
    model: str = "okay_nabu"
    """A bundled model (okay_nabu, hey_jarvis, hey_mycroft, alexa) or the path of a
    microWakeWord model config (.json naming its .tflite)."""
    threshold: float | None = None
    """Probability (0-1) a detection needs; None: the model's own cutoff (0.85-0.97).
    Lower hears more (and more false wakes)."""
    extra_models: tuple[str, ...] = ()
    """Further microWakeWord model configs (.json paths), each listened for at its own cutoff."""
    preroll_ms: int = 500
    """Audio kept before the mic is forwarded; on a wake, what was said after the wake word
    within this window is sent first."""
    follow_up_s: float = 5.0
    """After an answer, listen again without the wake word for this long (0: off)."""
    batch_ms: int = 80
    """The detector runs once per this much audio (60-100 ms): cost per call vs. latency."""

    def validate(self, file: str, prefix: str = "wake") -> None:
        """Range checks; raises ConfigError naming `prefix.key`, the file and the fix."""

        def bad(key: str, problem: str, fix: str) -> ConfigError:
            return ConfigError(f"{prefix}.{key}", file, problem, fix)

        if self.model not in BUILTIN_MODELS:
            _check_model_file(self.model, bad("model", "", ""), BUILTIN_MODELS)
        for path in self.extra_models:
            _check_model_file(path, bad("extra_models", "", ""), ())
        if self.threshold is not None and not 0.0 < self.threshold < 1.0:
            raise bad(
                "threshold",
                f"{self.threshold} is not a probability between 0 and 1",
                "remove it to use the model's cutoff, or try 0.5-0.95",
            )
        if not 0 <= self.preroll_ms <= 5000:
            raise bad("preroll_ms", "must be 0-5000 ms", "use 500")
        if not 0.0 <= self.follow_up_s <= 60.0:
            raise bad("follow_up_s", "must be 0-60 s", "use 5 (0 turns the follow-up off)")
        if self.batch_ms not in BATCH_MS:
            raise bad("batch_ms", f"{self.batch_ms} ms is not supported", "use 60, 80 or 100")


def _check_model_file(path: str, template: ConfigError, builtin: tuple[str, ...]) -> None:
    """A model given by path must be an existing .json (its contents are checked on loading)."""
    names = f"one of {', '.join(builtin)} or " if builtin else ""
    model = Path(path)
    if model.suffix != ".json":
        problem = f"{path!r} is not a model config (.json)"
    elif not model.is_file():
        problem = f"{path} does not exist"
    else:
        return
    raise ConfigError(
        template.key,
        template.file,
        problem,
        f"use {names}the path of a microWakeWord model's .json (its .tflite beside it)",
    )
