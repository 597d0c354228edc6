"""Turn TOML tables into nested frozen dataclasses, naming the file and key on any error.

Pure apart from reading the file: every section is a frozen dataclass whose fields carry
their types and defaults; unknown keys, wrong types and bad values raise ConfigError.
"""

from __future__ import annotations

import dataclasses
import tomllib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from voiced.errors import ConfigError

T = TypeVar("T")


def _type_name(tp: Any) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}
    if tp in names:
        return names[tp]
    origin = typing.get_origin(tp)
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(tp))
    if origin in (list, tuple):
        return "a list"
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(tp) if a is not type(None))
    return getattr(tp, "__name__", str(tp))


def _coerce(value: Any, tp: Any, key: str, file: str) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors: list[ConfigError] = []
        for arm in args:
            if arm is type(None):
                continue
            try:
                return _coerce(value, arm, key, file)
            except ConfigError as exc:
                errors.append(exc)
        raise ConfigError(
            key, file, f"{value!r} is not {_type_name(tp)}", f"set {key} to {_type_name(tp)}"
        )
    if origin is typing.Literal:
        if value in args:
            return value
        choices = ", ".join(repr(a) for a in args)
        raise ConfigError(key, file, f"{value!r} is not allowed", f"use one of {choices}")
    if origin in (list, tuple):
        if not isinstance(value, list):
            raise ConfigError(key, file, f"{value!r} is not a list", f"write {key} = [ ... ]")
        inner = args[0] if args else Any
        items = [_coerce(v, inner, f"{key}[{i}]", file) for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if origin is dict or tp is dict:
        if not isinstance(value, dict):
            raise ConfigError(key, file, "is not a table", f"write [{key}] as a table")
        return dict(value)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if not isinstance(value, Mapping):
            raise ConfigError(key, file, "is not a table", f"write [{key}] as a table")
        return build(tp, value, file, prefix=key)
    if tp is Any:
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(key, file, f"{value!r} is not a number", f"set {key} to a number")
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(
                key, file, f"{value!r} is not an integer", f"set {key} to a whole number"
            )
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(
                key, file, f"{value!r} is not true or false", f"set {key} = true or {key} = false"
            )
        return value
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(
                key, file, f"{value!r} is not a string", f'set {key} = "..." (quoted)'
            )
        return value
    return value


def build(cls: type[T], table: Mapping[str, Any], file: str, prefix: str = "") -> T:
    """Build dataclass `cls` from `table`; unknown keys and bad values raise ConfigError."""
    assert dataclasses.is_dataclass(cls)
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    kwargs: dict[str, Any] = {}
    for name, value in table.items():
        key = f"{prefix}.{name}" if prefix else name
        if name not in fields:
            known = ", ".join(sorted(fields)) or "(none)"
            raise ConfigError(key, file, "unknown key", f"remove it or use one of: {known}")
        kwargs[name] = _coerce(value, hints[name], key, file)
    try:
        obj = cls(**kwargs)
    except ConfigError:
        raise
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            prefix or "(top level)", file, str(exc), "see the example config"
        ) from exc
    check = getattr(obj, "validate", None)
    if check is not None:
        check(file, prefix)
    return obj


def read_toml(path: Path) -> dict[str, Any]:
    """Read a TOML file, turning parse errors into ConfigError that names the line."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(
            "(file)",
            str(path),
            "the file does not exist",
            "create it from systemd/voiced.toml.example or pass --config",
        ) from exc
    except PermissionError as exc:
        raise ConfigError(
            "(file)",
            str(path),
            "the file is not readable",
            "make it readable by the voiced user (chmod 0640, group voiced)",
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("(syntax)", str(path), str(exc), "fix the TOML syntax there") from exc
