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

from voiced.config.ranges import check_fields, nesting_depth
from voiced.errors import ConfigError

T = TypeVar("T")

#: A configuration file larger than this is refused (the example is about 2 KiB).
MAX_FILE_BYTES = 1024 * 1024
#: Tables and lists nested deeper than this are refused (the deepest real one is about 5).
MAX_NESTING = 32


def _key_text(name: str) -> str:
    """A key as it may be printed: quoted when it holds anything but plain characters."""
    return name if name.isprintable() and name.strip() == name and name else repr(name)


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


def _short(value: Any, limit: int = 60) -> str:
    """A value for an error message: its repr, cut short (a table or a 5,000-digit number)."""
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**limit:
        return "a number that large"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


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
            key, file, f"{_short(value)} is not {_type_name(tp)}", f"set {key} to {_type_name(tp)}"
        )
    if origin is typing.Literal:
        if value in args:
            return value
        choices = ", ".join(repr(a) for a in args)
        raise ConfigError(key, file, f"{_short(value)} is not allowed", f"use one of {choices}")
    if origin in (list, tuple):
        if not isinstance(value, list):
            raise ConfigError(key, file, f"{_short(value)} is not a list", f"write {key} = [ ... ]")
        inner = args[0] if args else Any
        items = [_coerce(v, inner, f"{key}[{i}]", file) for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if origin is dict or tp is dict:
        if not isinstance(value, dict):
            raise ConfigError(key, file, "is not a table", f"write [{key}] as a table")
        if nesting_depth(value, MAX_NESTING) > MAX_NESTING:
            raise ConfigError(key, file, f"nests deeper than {MAX_NESTING} levels", "flatten it")
        return dict(value)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if not isinstance(value, Mapping):
            raise ConfigError(key, file, "is not a table", f"write [{key}] as a table")
        return build(tp, value, file, prefix=key)
    if tp is Any:
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(
                key, file, f"{_short(value)} is not a number", f"set {key} to a number"
            )
        try:
            return float(value)
        except OverflowError as exc:
            raise ConfigError(
                key, file, "the number is far too large", "use a small number"
            ) from exc
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(
                key, file, f"{_short(value)} is not an integer", f"set {key} to a whole number"
            )
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(
                key,
                file,
                f"{_short(value)} is not true or false",
                f"set {key} = true or {key} = false",
            )
        return value
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(
                key, file, f"{_short(value)} is not a string", f'set {key} = "..." (quoted)'
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
        key = f"{prefix}.{_key_text(name)}" if prefix else _key_text(name)
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
    check_fields(obj, file, prefix)
    check = getattr(obj, "validate", None)
    if check is not None:
        check(file, prefix)
    return obj


def read_toml(path: Path) -> dict[str, Any]:
    """Read a TOML file: every way it can be wrong is a ConfigError naming the file."""

    def bad(problem: str, fix: str, key: str = "(file)") -> ConfigError:
        return ConfigError(key, str(path), problem, fix)

    try:
        if path.is_dir():
            raise bad("is a directory", "pass the .toml file itself with --config")
        with path.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except ConfigError:
        raise
    except FileNotFoundError as exc:
        raise bad(
            "the file does not exist",
            "create it from systemd/voiced.toml.example or pass --config",
        ) from exc
    except PermissionError as exc:
        raise bad(
            "the file is not readable by this user",
            "make it readable by the voiced user (chmod 0640, group voiced), "
            "or run the command with sudo",
        ) from exc
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise bad(f"cannot be read ({reason})", "point --config at a regular TOML file") from exc
    if len(data) > MAX_FILE_BYTES:
        raise bad(
            f"is larger than {MAX_FILE_BYTES // 1024} KiB",
            "point --config at the configuration file (the example is about 2 KiB)",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise bad(
            f"is not UTF-8 text (byte {exc.start}, line {line})",
            "save it as UTF-8 (iconv -t UTF-8) or retype the characters there",
            "(encoding)",
        ) from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise bad(str(exc), "fix the TOML syntax there", "(syntax)") from exc
    except RecursionError as exc:
        raise bad("nests tables or lists too deeply", "flatten it", "(syntax)") from exc
    except (ValueError, OverflowError, MemoryError) as exc:
        # e.g. an integer of more than 4,300 digits
        raise bad(
            f"has a value TOML cannot hold ({_short(str(exc))})", "use smaller numbers", "(syntax)"
        ) from exc
