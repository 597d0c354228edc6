"""Value rules applied to every section as it is loaded: finite numbers in range, strings
non-empty and without NUL. Pure: the loader calls `check_fields` after building a section.

Ranges live here, keyed by the dotted key, so a section's dataclass stays a plain list of
fields and its own `validate()` keeps only the checks that relate two fields.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from voiced.errors import ConfigError

#: Inclusive bounds and a suggested value, by dotted key. Keys a section does not have are
#: ignored, so a rule may be listed before its field lands.
RANGES: dict[str, tuple[float, float, str]] = {
    "link.connect_timeout_s": (0.1, 600.0, "10"),
    "link.dead_link_s": (0.5, 3600.0, "10"),
    "link.close_timeout_s": (0.1, 60.0, "5"),
    "link.backoff_initial_s": (0.01, 3600.0, "1"),
    "link.backoff_max_s": (0.1, 86400.0, "60"),
    "link.healthy_uptime_s": (0.0, 86400.0, "30"),
    "link.rotate_after_s": (60.0, 3600.0, "3300 (55 min; the server ends a session at 60)"),
    "link.offline_buffer_s": (0.1, 300.0, "10"),
    "link.carry_over_turns": (1.0, 1000.0, "20"),
    "link.carry_over_chars": (1.0, 1_000_000.0, "8000"),
    "talk.long_press_s": (0.3, 30.0, "2"),
    "talk.debounce_ms": (0.0, 1000.0, "30"),
    "talk.vad_threshold": (0.0, 1.0, "0.6"),
    "talk.vad_silence_duration_ms": (50.0, 10000.0, "800"),
    "talk.max_turn_s": (1.0, 3600.0, "120"),
    "talk.tap_s": (0.05, 2.0, "0.3"),
    "audio.input_channels": (1.0, 32.0, "1 or 2"),
    "audio.echo_tail_ms": (0.0, 5000.0, "300"),
    "audio.reopen_min_s": (0.01, 600.0, "0.5"),
    "audio.reopen_max_s": (0.01, 3600.0, "10"),
    "panel.gpio_chip": (0.0, 64.0, "0 (or 4 on older Pi 5 kernels)"),
}

#: Any other whole number must fit in 32 bits before the section's own checks compare it.
INT_LIMIT = 2**31
#: The longest AF_UNIX socket path Linux accepts (sun_path is 108 bytes with the NUL).
MAX_SOCKET_PATH_BYTES = 107


def _fmt(x: float) -> str:
    return f"{x:g}"


def check_value(key: str, value: Any, file: str) -> None:
    """Raise ConfigError when `value` (already of its field's type) breaks a rule."""
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(key, file, f"{value} is not a finite number", "use a plain number")
    if isinstance(value, int | float):
        rule = RANGES.get(key)
        if rule is not None:
            low, high, use = rule
            if not low <= value <= high:
                shown = _fmt(value) if abs(value) < 1e15 else "a number that large"
                raise ConfigError(
                    key, file, f"{shown} is outside {_fmt(low)}-{_fmt(high)}", f"use {use}"
                )
        elif isinstance(value, int) and not -INT_LIMIT < value < INT_LIMIT:
            raise ConfigError(key, file, "the number is far too large", "use a small number")
        return
    if isinstance(value, str):
        if not value.strip():
            raise ConfigError(
                key, file, "is empty", "set a value, or remove the line to use the default"
            )
        if "\x00" in value:
            raise ConfigError(key, file, "contains a NUL character", "remove the \\u0000")
        if key == "control.socket" and len(value.encode()) > MAX_SOCKET_PATH_BYTES:
            raise ConfigError(
                key, file, "is longer than a Unix socket path may be", "use a shorter path"
            )


def check_fields(obj: Any, file: str, prefix: str) -> None:
    """Apply `check_value` to every field of the dataclass instance `obj`."""
    for f in dataclasses.fields(obj):
        key = f"{prefix}.{f.name}" if prefix else f.name
        value = getattr(obj, f.name)
        if isinstance(value, str) and not value.strip() and f.default == "":
            continue  # a field whose default is empty (a description) may stay empty
        check_value(key, value, file)


def nesting_depth(value: Any, limit: int) -> int:
    """How deep tables and lists nest in `value`, counting no further than `limit` + 1."""
    if limit < 0:
        return 1
    if isinstance(value, dict):
        return 1 + max((nesting_depth(v, limit - 1) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((nesting_depth(v, limit - 1) for v in value), default=0)
    return 0
