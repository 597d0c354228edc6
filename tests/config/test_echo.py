"""EchoCancelConfig: on by default in the hands-free modes only; ranges name their key."""

from __future__ import annotations

import pytest

from voiced.config.echo import EchoCancelConfig
from voiced.errors import ConfigError


@pytest.mark.parametrize(
    ("echo_cancel", "mode", "on"),
    [
        (None, "wake", True),
        (None, "vad", True),
        (None, "hold", False),
        (None, "toggle", False),
        (False, "wake", False),
        (True, "hold", True),
    ],
)
def test_default_follows_the_talk_mode(echo_cancel: bool | None, mode: str, on: bool) -> None:
    """Unset: on in wake and vad; an explicit value wins in every mode."""
    assert EchoCancelConfig(echo_cancel=echo_cancel).enabled(mode) is on


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"noise_suppression_level": 4}, "audio.noise_suppression_level"),
        ({"reference_lead_ms": -1.0}, "audio.echo_reference_lead_ms"),
    ],
)
def test_bad_values_name_their_key(changes: dict[str, object], key: str) -> None:
    """Out of range → ConfigError on that key."""
    EchoCancelConfig().validate("voiced.toml")
    with pytest.raises(ConfigError) as caught:
        EchoCancelConfig(**changes).validate("voiced.toml")  # type: ignore[arg-type]
    assert caught.value.key == key
