"""WakeConfig: defaults are valid; each out-of-range value names its key."""

from __future__ import annotations

from pathlib import Path

import pytest

from voiced.config.wake import WakeConfig
from voiced.errors import ConfigError


def test_defaults_are_valid() -> None:
    """okay_nabu, the model's cutoff, 500 ms pre-roll, 5 s follow-up."""
    config = WakeConfig()
    config.validate("voiced.toml")
    assert (config.model, config.threshold, config.follow_up_s) == ("okay_nabu", None, 5.0)


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"model": "hey_siri"}, "wake.model"),
        ({"model": "/nonexistent/model.json"}, "wake.model"),
        ({"extra_models": ("/nonexistent/x.json",)}, "wake.extra_models"),
        ({"extra_models": ("model.tflite",)}, "wake.extra_models"),
        ({"threshold": 1.0}, "wake.threshold"),
        ({"threshold": 0.0}, "wake.threshold"),
        ({"preroll_ms": -1}, "wake.preroll_ms"),
        ({"preroll_ms": 6000}, "wake.preroll_ms"),
        ({"follow_up_s": -0.5}, "wake.follow_up_s"),
        ({"follow_up_s": 61.0}, "wake.follow_up_s"),
        ({"batch_ms": 50}, "wake.batch_ms"),
    ],
)
def test_bad_values_name_their_key(changes: dict[str, object], key: str) -> None:
    """Each bad value → ConfigError on that key with a fix."""
    with pytest.raises(ConfigError) as caught:
        WakeConfig(**changes).validate("voiced.toml")  # type: ignore[arg-type]
    assert caught.value.key == key and caught.value.fix


def test_a_model_by_path_is_accepted(tmp_path: Path) -> None:
    """An existing .json is a valid model; the prefix is the caller's."""
    model = tmp_path / "word.json"
    model.write_text("{}")
    WakeConfig(model=str(model), threshold=0.5, follow_up_s=0.0).validate("voiced.toml")
    with pytest.raises(ConfigError) as caught:
        WakeConfig(threshold=2.0).validate("voiced.toml", prefix="hands_free.wake")
    assert caught.value.key == "hands_free.wake.threshold"
