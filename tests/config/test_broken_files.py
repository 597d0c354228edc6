"""Generated broken configuration files: each is a ConfigError naming the key, never a
traceback; `voiced run` exits 78 on a sample of them."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import typing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voiced.config import Config, load
from voiced.errors import EXIT_CONFIG, ConfigError

HUGE = "9" * 400
SETTINGS = settings(
    max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _all_keys() -> list[tuple[str, str, Any]]:
    """(section, field, type) for every key a configuration file may set."""
    keys = []
    hints = typing.get_type_hints(Config)
    for section in dataclasses.fields(Config):
        if section.name == "source":
            continue
        cls = hints[section.name]
        for name, tp in typing.get_type_hints(cls).items():
            keys.append((section.name, name, tp))
    return keys


KEYS = _all_keys()


def _base(tp: Any) -> Any:
    """The type without Optional."""
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    if typing.get_origin(tp) is not typing.Literal and len(args) == 1:
        return args[0]
    return tp


def bad_values(tp: Any) -> list[str]:
    """TOML literals that are wrong for every key of type `tp`."""
    tp = _base(tp)
    wrong_type = ["{ a = 1 }", "[1, 2]"]
    if tp is float:
        return [
            "nan",
            "inf",
            "-inf",
            "+nan",
            "1e300",
            "-1e300",
            HUGE,
            "-" + HUGE,
            '"1.0"',
            "true",
            *wrong_type,
        ]
    if tp is int:
        return [
            HUGE,
            "-" + HUGE,
            "1000000000000000",
            "-1000000000000000",
            "1.5",
            "nan",
            '"7"',
            "false",
            *wrong_type,
        ]
    if tp is bool:
        return ['"yes"', "1", "0.0", *wrong_type]
    if tp is str:
        return ['""', '"   "', '"a\\u0000b"', '"\\u0000"', "1", "true", *wrong_type]
    if typing.get_origin(tp) is typing.Literal:
        return ['"no-such-choice"', '""', "1", "inf", *wrong_type]
    if typing.get_origin(tp) in (tuple, list):
        return ["1", '"a"', "[1]", "[true]", "{ a = 1 }", '["a\\u0000b"]', '[""]']
    if tp is dict or typing.get_origin(tp) is dict:
        return ["1", '"a"', "[1]", "a = " * 0 + "{ x = " * 40 + "1" + " }" * 40]
    raise AssertionError(f"no bad values for {tp}")


CASES = [(s, n, v) for s, n, tp in KEYS for v in bad_values(tp)]


def test_every_key_has_cases() -> None:
    """The generator covers every key of every section (a new key gets cases by its type)."""
    assert {(s, n) for s, n, _ in CASES} == {(s, n) for s, n, _ in KEYS}
    assert len(CASES) > 300


filler = st.lists(
    st.sampled_from(["# a comment", "", '[log]\nlevel = "debug"', '[talk]\nmode = "toggle"']),
    max_size=3,
    unique=True,
)


def render(section: str, name: str, value: str, before: list[str]) -> str:
    # The broken key comes last, in its own table header (re-opening a table is a TOML error,
    # so the filler never names the same section).
    lines = [f for f in before if f"[{section}]" not in f]
    return "\n".join([*lines, f"[{section}]", f"{name} = {value}", ""])


@SETTINGS
@given(case=st.sampled_from(CASES), before=filler)
def test_broken_value_names_the_key(
    tmp_path: Path, case: tuple[str, str, str], before: list[str]
) -> None:
    """A bad value for any key is a ConfigError that names that key and the file."""
    section, name, value = case
    path = tmp_path / "voiced.toml"
    path.write_text(render(section, name, value, before), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load(path)
    key = info.value.key
    assert key == f"{section}.{name}" or key.startswith(f"{section}.{name}["), str(info.value)
    assert f"{section}.{name}" in str(info.value) and str(path) in str(info.value)
    assert "Fix: " in str(info.value)


def _raw_broken() -> st.SearchStrategy[bytes]:
    depth = st.integers(min_value=1, max_value=5000)
    return st.one_of(
        st.binary(max_size=200),
        st.binary(min_size=1, max_size=20).map(lambda b: b'[talk]\nmode = "' + b + b'\xff"\n'),
        depth.map(lambda n: b"a = " + b"[" * n + b"]" * n + b"\n"),
        depth.map(lambda n: b"a = " + b"{b=" * n + b"1" + b"}" * n + b"\n"),
        st.integers(min_value=300, max_value=6000).map(
            lambda n: b"[link]\ndead_link_s = " + b"7" * n
        ),
        st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.sampled_from([b"\x00", b"\xef\xbb\xbf[talk]\n", b"[talk]\nmode = 'hold'\x00\n"]),
    )


@SETTINGS
@given(data=_raw_broken())
def test_broken_bytes_never_raise_anything_else(tmp_path: Path, data: bytes) -> None:
    """Arbitrary bytes either load or raise ConfigError: no other exception escapes."""
    path = tmp_path / "voiced.toml"
    path.write_bytes(data)
    try:
        load(path)
    except ConfigError as exc:
        assert str(path) in str(exc) and "Fix: " in str(exc)


@pytest.mark.parametrize(
    ("make", "key"),
    [
        (lambda p: p.mkdir(), "(file)"),
        (lambda p: p.write_bytes(b"# x\n" * (300 * 1024)), "(file)"),
        (lambda p: p.write_bytes(b'[talk]\nmode = "h\xe9"\n'), "(encoding)"),
        (lambda p: p.write_text("a = " + "[" * 5000 + "]" * 5000), "(syntax)"),
        (lambda p: p.write_text("[link]\ndead_link_s = " + "1" * 5000), "(syntax)"),
        (lambda p: p.write_text("source = 'x'\n"), "source"),
    ],
    ids=["directory", "too-large", "latin-1", "deep-nesting", "5000-digits", "source-key"],
)
def test_file_level_failures(tmp_path: Path, make: Any, key: str) -> None:
    """The file itself wrong (a directory, huge, not UTF-8, too deep): one clear error."""
    path = tmp_path / "voiced.toml"
    make(path)
    with pytest.raises(ConfigError) as info:
        load(path)
    assert info.value.key == key


def test_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    """A file this user may not read says so (and how to fix it)."""
    if os.geteuid() == 0:
        path = Path("/proc/self/mem")  # root can open it, but it is not a config file
    else:
        path = tmp_path / "voiced.toml"
        path.write_text("")
        path.chmod(0)
    with pytest.raises(ConfigError) as info:
        load(path)
    assert info.value.key in ("(file)", "(encoding)", "(syntax)")


SAMPLE = CASES[:: max(1, len(CASES) // 12)]


@pytest.mark.parametrize(("section", "name", "value"), SAMPLE)
def test_run_exits_78_once_without_traceback(
    tmp_path: Path, section: str, name: str, value: str
) -> None:
    """`voiced run` on a broken file: exit 78, the key named once, no traceback."""
    path = tmp_path / "voiced.toml"
    path.write_text(render(section, name, value, []), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("JOURNAL_STREAM", "INVOCATION_ID")}
    out = subprocess.run(
        [sys.executable, "-m", "voiced", "run", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert out.returncode == EXIT_CONFIG, out.stderr
    assert "Traceback" not in out.stderr
    assert out.stderr.count(f"{section}.{name}:") == 1, out.stderr
    assert out.stdout == ""


def test_check_prints_config_error_once(tmp_path: Path) -> None:
    """`voiced check` on a broken file prints the error once and exits 78."""
    path = tmp_path / "voiced.toml"
    path.write_text("[talk]\nlong_press_s = -1\n")
    out = subprocess.run(
        [sys.executable, "-m", "voiced", "check", "--config", str(path), "config"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == EXIT_CONFIG
    assert (out.stdout + out.stderr).count("talk.long_press_s") == 1, out.stdout + out.stderr
    assert "Traceback" not in out.stderr


def test_generated_files_are_valid_toml_apart_from_the_value() -> None:
    """Sanity: the renderer writes the broken key where the loader will look for it."""
    text = render("talk", "mode", json.dumps("x"), ['[talk]\nmode = "toggle"', "# c"])
    assert text.count("[talk]") == 1
