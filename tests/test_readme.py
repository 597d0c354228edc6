"""The README's truth: every command and recipe in it has an entry in COVERAGE saying which
test exercises it (or, where it needs a Pi, what is checked instead), and every config key,
event, file, unit setting, board and name it mentions exists.

The commands are extracted mechanically: each line of the ```sh blocks (comments stripped)
and each inline code span that starts with a command word. A command added to the README
without a COVERAGE entry fails `test_every_readme_command_has_coverage`, naming it.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import os
import re
import shlex
import shutil
import subprocess
import tomllib
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest

from test_readme_daemon import CTL_COMMANDS
from voiced import errors as voiced_errors
from voiced.config import Config, load
from voiced.core import reconnect
from voiced.panel.profiles import load_profile, load_profiles
from voiced.voice import CompositeVoice, LoopbackVoice, OpenAIRealtimeVoice

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
SYSTEST = REPO / "tests" / "system"

# ---- what the README says, extracted mechanically -------------------------------------------

FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
SPAN = re.compile(r"`([^`]+)`")
#: An inline code span is a command when its first word is one of these (and it has two).
COMMAND_WORDS = frozenset(
    {
        "make",
        "voiced",
        "sudo",
        "journalctl",
        "systemctl",
        "systemd-analyze",
        "pip",
        "aplay",
        "fuser",
        "git",
        "apt",
        "apt-get",
        "jq",
        "nano",
        "alsamixer",
        "python3",
    }
)
CONFIG_SECTIONS = tuple(f.name for f in dataclasses.fields(Config) if f.name != "source")


def readme_text() -> str:
    return README.read_text(encoding="utf-8")


def fenced(lang: str) -> list[str]:
    """The bodies of the README's ```lang blocks."""
    return [body for tag, body in FENCE.findall(readme_text()) if tag == lang]


def prose() -> str:
    """The README without its fenced blocks."""
    return FENCE.sub("", readme_text())


def spans(text: str | None = None) -> list[str]:
    """Every inline code span (whitespace runs, line breaks included, made one space)."""
    return [" ".join(s.split()) for s in SPAN.findall(prose() if text is None else text)]


def sh_commands() -> list[str]:
    """Every non-empty line of the ```sh blocks, its trailing `# comment` stripped."""
    lines = []
    for body in fenced("sh"):
        for line in body.splitlines():
            command = re.sub(r"\s+#.*$", "", line).strip()
            if command and not command.startswith("#"):
                lines.append(command)
    return lines


def inline_commands() -> list[str]:
    """Inline spans that are commands; `voiced ctl a|b|c` becomes one command per word."""
    found = []
    for span in spans():
        words = span.split()
        if len(words) < 2 or words[0] not in COMMAND_WORDS:
            continue
        if "|" in words[-1] and not any(q in span for q in "'\""):
            found += [" ".join([*words[:-1], alt]) for alt in words[-1].split("|")]
        else:
            found.append(span)
    return found


def readme_commands() -> set[str]:
    return set(sh_commands()) | set(inline_commands())


def section(title: str) -> str:
    """The text of the README's `## title` section."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", readme_text(), re.S | re.M)
    assert match, f"README has no section {title!r}"
    return match.group(1)


def events_listed(title: str) -> set[str]:
    """The names in the `Events: …` sentence of section `title`."""
    match = re.search(r"^Events: (.*?)\.(?:\s|$)", FENCE.sub("", section(title)), re.S | re.M)
    assert match, f"no 'Events:' sentence in {title!r}"
    return set(spans(match.group(1)))


# ---- how each command is exercised ----------------------------------------------------------

Kind = Literal["run", "systest", "dry-run", "checked"]


@dataclass(frozen=True)
class Cover:
    """How one README command is exercised.

    run: executed for real by `test` (a `file::function` under tests/) in `make test`.
    systest: executed by `test` in tests/system (`make systest`, CI) as `as_run`, which holds
      the README's words in order (plus output options such as --no-pager); the test's source
      must contain it, so the mapping cannot rot.
    dry-run: `make -n` of it exits 0 and prints the recipe lines named in DRY_RUNS.
    checked: it cannot run here (needs a Pi, a sound card or a person); `test` checks only
      what `how` says (its syntax, the tool or package, the file it edits).
    """

    kind: Kind
    test: str
    how: str
    as_run: str = ""


JQ_RECIPE = "journalctl -u voiced -o json | jq 'select(.VOICED_EVENT) | {VOICED_EVENT, MESSAGE}'"
SELF = "tests/test_readme.py::"
DAEMON = "tests/test_readme_daemon.py::"
SERVICE = "tests/system/test_service.py::"
SYSTEST_FIXTURE = "tests/system/conftest.py::rig"


def _ctl(command: str) -> Cover:
    return Cover(
        "run",
        DAEMON + f"test_ctl_{command.replace('-', '_')}",
        f"`voiced ctl --socket S {command}` against a `make run` daemon; systest: "
        "`ctl status` on the installed service",
    )


COVERAGE: dict[str, Cover] = {
    # -- the two commands and the other make targets
    "make run": Cover(
        "run",
        DAEMON + "test_make_run_starts_the_daemon",
        "`make run CONFIG=…` starts the daemon the ctl tests drive (fake server, file audio)",
    ),
    "make test": Cover(
        "dry-run", SELF + "test_make_dry_run", "it runs this file; dry run: lint, then pytest"
    ),
    "make lint": Cover("dry-run", SELF + "test_make_dry_run", "run by `make test` (test: lint)"),
    "make bench": Cover("dry-run", SELF + "test_make_dry_run", "about 15 minutes: dry run only"),
    "make devices": Cover(
        "run", DAEMON + "test_make_devices_lists_the_pcms", "lists the test PCMs"
    ),
    "make check": Cover(
        "run", DAEMON + "test_make_check_and_voiced_check", "each line ok or FAIL …. Fix: …"
    ),
    "make soak": Cover(
        "dry-run",
        SELF + "test_make_dry_run",
        "1,000 reconnects: dry run; 200 of them run in tests/link/test_soak.py",
    ),
    "make systest": Cover(
        "dry-run",
        SELF + "test_make_dry_run",
        "needs nspawn and root: dry run here; .ci/run runs it (test_ci_runs_the_systest)",
    ),
    "make systest DIST=trixie": Cover(
        "dry-run", SELF + "test_make_dry_run", "dry run here; .ci/run runs it for both dists"
    ),
    "make systest ARCH=arm64": Cover(
        "dry-run",
        SELF + "test_make_dry_run",
        "qemu-user: dry run here; .ci/run runs it after the amd64 runs",
    ),
    "make run VENV_FLAGS=--system-site-packages": Cover(
        "dry-run", SELF + "test_make_dry_run", "the venv is made with --system-site-packages"
    ),
    "make install": Cover(
        "systest",
        SYSTEST_FIXTURE,
        "the system test's set-up installs with it (as root); dry run here too",
        as_run="make -C /opt/src install",
    ),
    "sudo make install": Cover(
        "systest",
        SYSTEST_FIXTURE,
        "as root in the container (no sudo needed there); dry run here too",
        as_run="make -C /opt/src install",
    ),
    "sudo make install EXTRAS=hands-free": Cover(
        "dry-run", SELF + "test_make_dry_run", "pip installs '.[hands-free]'"
    ),
    "pip install 'voiced[hands-free]'": Cover(
        "checked",
        SELF + "test_hands_free_extra",
        "the extra exists, names the packages the README names, and they are installed here",
    ),
    # -- the CLI
    "voiced --version": Cover("run", DAEMON + "test_version_and_help", "prints the version"),
    "voiced devices": Cover("run", DAEMON + "test_make_devices_lists_the_pcms", "lists PCMs"),
    "voiced check": Cover(
        "run",
        DAEMON + "test_make_check_and_voiced_check",
        "bare, on this machine; systest: as root with the unit's credential",
    ),
    "voiced check audio": Cover(
        "run", DAEMON + "test_check_audio_records_and_plays", "records a tone, plays it back"
    ),
    "voiced check network": Cover(
        "run", DAEMON + "test_check_network_reaches_the_server", "a live session at the fake"
    ),
    "voiced ctl --socket PATH": Cover(
        "run", DAEMON + "test_ctl_status", "every ctl test passes --socket PATH"
    ),
    **{f"voiced ctl {c}": _ctl(c) for c in CTL_COMMANDS},
    # -- on the Pi (Install on a Raspberry Pi)
    "sudo apt-get install -y git make python3-venv python3-lgpio": Cover(
        "checked",
        SELF + "test_pi_install_lines",
        "syntax; git, make, python3-venv are Debian packages installed here; python3-lgpio is "
        "Raspberry Pi OS's (not in Debian 12): not checked",
    ),
    "sudo apt install python3-lgpio": Cover(
        "checked", SELF + "test_pi_install_lines", "syntax only (a Raspberry Pi OS package)"
    ),
    "git clone <this repository> voiced && cd voiced": Cover(
        "checked", SELF + "test_pi_install_lines", "syntax only (the URL is a placeholder)"
    ),
    "sudo install -m 0600 /dev/stdin /etc/credstore/voiced.openai_api_key": Cover(
        "systest",
        SYSTEST_FIXTURE,
        "the system test stores its key this way (as root)",
        as_run="install -m 0600 /dev/stdin /etc/credstore/voiced.openai_api_key",
    ),
    "sudo nano /etc/voiced/voiced.toml": Cover(
        "checked",
        SELF + "test_pi_install_lines",
        "syntax; the file is the one `make install` writes (nano itself: not checked)",
    ),
    "sudo /opt/voiced/.venv/bin/voiced check": Cover(
        "systest",
        SERVICE + "test_check_as_the_readme_says",
        "as root, reading the unit's credential",
        as_run="/opt/voiced/.venv/bin/voiced check",
    ),
    "sudo systemctl enable --now voiced": Cover(
        "checked",
        SELF + "test_pi_install_lines",
        "syntax; the unit has [Install] WantedBy=multi-user.target; the system test starts "
        "it with `systemctl start voiced` (enable itself is not exercised)",
    ),
    "sudo usermod -aG voiced $USER": Cover(
        "checked",
        SELF + "test_pi_install_lines",
        "syntax, usermod exists, ctl's refusal names it; the system test's member of group "
        "voiced (made with useradd -G voiced) may use ctl",
    ),
    # -- journald recipes and systemctl: the system test runs them
    "journalctl -u voiced -f": Cover(
        "systest",
        SERVICE + "test_journal_fields_and_readme_recipes",
        "follows for 2 s and prints entries",
        as_run="timeout 2 journalctl -u voiced -f --no-pager -n 3",
    ),
    "journalctl -u voiced VOICED_EVENT=reconnect": Cover(
        "systest",
        SERVICE + "test_troubleshooting_recipes_word_for_word",
        "word for word after an outage; test_reconnect_recipe checks VOICED_ATTEMPT on each",
        as_run="journalctl -u voiced VOICED_EVENT=reconnect",
    ),
    "journalctl -u voiced VOICED_EVENT=link_failed -n 5": Cover(
        "systest",
        SERVICE + "test_rejected_key_waits_for_a_person",
        "after a rejected key it says why",
        as_run="journalctl -u voiced VOICED_EVENT=link_failed -n 5 --no-pager",
    ),
    "journalctl -u voiced -p warning --since today": Cover(
        "systest",
        SERVICE + "test_journal_fields_and_readme_recipes",
        "every entry has PRIORITY <= 4",
        as_run="journalctl -u voiced -p warning --since today -o json --no-pager",
    ),
    JQ_RECIPE: Cover(
        "systest",
        SERVICE + "test_journal_fields_and_readme_recipes",
        "prints the ready event",
        as_run=JQ_RECIPE,
    ),
    "systemctl status voiced": Cover(
        "systest",
        SERVICE + "test_status_line_and_key_delivered",
        'shows Status: "connected…"',
        as_run="systemctl status voiced --no-pager",
    ),
    "systemctl status": Cover(
        "systest",
        SERVICE + "test_status_line_and_key_delivered",
        "as `systemctl status voiced`",
        as_run="systemctl status voiced --no-pager",
    ),
    "systemctl show": Cover(
        "systest",
        SERVICE + "test_key_never_shown",
        "the key is not in its output",
        as_run="systemctl show voiced",
    ),
    "systemctl reload voiced": Cover(
        "systest",
        SERVICE + "test_reload_keeps_pid_and_opens_new_session",
        "same PID, a new session",
        as_run="systemctl reload voiced",
    ),
    "systemctl reload": Cover(
        "systest",
        SERVICE + "test_reload_keeps_pid_and_opens_new_session",
        "as `systemctl reload voiced`",
        as_run="systemctl reload voiced",
    ),
    "systemctl restart voiced": Cover(
        "systest",
        SERVICE + "test_rejected_key_waits_for_a_person",
        "the README's fix for a rejected key",
        as_run="systemctl restart voiced",
    ),
    "systemd-analyze security voiced": Cover(
        "systest",
        SERVICE + "test_live_hardening_score",
        "exposure 1.5 or less",
        as_run="systemd-analyze security voiced",
    ),
    # -- troubleshooting: recipes the system test does not run, tools that need a sound card
    "journalctl -u voiced -g board:": Cover(
        "systest",
        SERVICE + "test_troubleshooting_recipes_word_for_word",
        "word for word: the daemon's `board: none (…)` line",
        as_run="journalctl -u voiced -g board:",
    ),
    "journalctl -u voiced -g underrun": Cover(
        "systest",
        SERVICE + "test_troubleshooting_recipes_word_for_word",
        "word for word: it runs, and finds none",
        as_run="journalctl -u voiced -g underrun",
    ),
    "journalctl -u voiced -n 20": Cover(
        "systest",
        SERVICE + "test_troubleshooting_recipes_word_for_word",
        "word for word: 1 to 20 lines",
        as_run="journalctl -u voiced -n 20",
    ),
    "aplay -l": Cover(
        "checked",
        SELF + "test_sound_card_tools",
        "syntax; aplay is on PATH (alsa-utils, which `make deps` installs); needs a card",
    ),
    "fuser -v /dev/snd/*": Cover(
        "checked", SELF + "test_sound_card_tools", "syntax; fuser is on PATH (psmisc)"
    ),
}


# ---- the table itself ---------------------------------------------------------------------


def test_every_readme_command_has_coverage() -> None:
    """Each command in the README has a COVERAGE entry, and each entry is in the README."""
    commands = readme_commands()
    missing = sorted(commands - COVERAGE.keys())
    assert not missing, "README commands with no COVERAGE entry: " + "; ".join(missing)
    stale = sorted(COVERAGE.keys() - commands)
    assert not stale, "COVERAGE entries no longer in the README: " + "; ".join(stale)


def test_extraction_finds_the_known_commands() -> None:
    """The extractor sees the sh blocks, wrapped inline spans and ctl alternatives."""
    commands = readme_commands()
    for known in (
        "make run",
        "journalctl -u voiced -o json | jq 'select(.VOICED_EVENT) | {VOICED_EVENT, MESSAGE}'",
        "make systest DIST=trixie",  # wraps onto the next line in the README
        "voiced ctl volume-down",
        "sudo install -m 0600 /dev/stdin /etc/credstore/voiced.openai_api_key",
    ):
        assert known in commands, known
    assert not any("#" in c and "jq" not in c for c in commands), commands
    assert len(fenced("python")) == 1


def _functions(path: Path) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def test_each_entry_names_a_real_test() -> None:
    """Every COVERAGE entry names a test function that exists."""
    for command, cover in COVERAGE.items():
        file, _, name = cover.test.partition("::")
        path = REPO / file
        assert path.is_file(), f"{command}: {file} does not exist"
        assert name in _functions(path), f"{command}: no function {name} in {file}"


# ---- the system test runs the journald recipes ------------------------------------------------


def _render(node: ast.AST, names: dict[str, str], journal: str) -> Iterator[str]:
    """The command strings in `node`: literals, f-strings with known names filled in, and
    `rig.journal("ARGS")` as the journalctl command it runs."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            yield sub.value
        elif isinstance(sub, ast.JoinedStr):
            parts = []
            for value in sub.values:
                if isinstance(value, ast.Constant):
                    parts.append(str(value.value))
                elif isinstance(value, ast.FormattedValue) and isinstance(value.value, ast.Name):
                    parts.append(names.get(value.value.id, "{" + value.value.id + "}"))
                else:
                    parts.append("{?}")
            yield "".join(parts)
        elif (
            isinstance(sub, ast.Call)
            and isinstance(sub.func, ast.Attribute)
            and sub.func.attr == "journal"
            and sub.args
            and isinstance(sub.args[0], ast.Constant)
        ):
            yield journal.replace("{args}", str(sub.args[0].value))


def _string_names(tree: ast.AST) -> dict[str, str]:
    """`NAME = "text"` assignments in `tree`."""
    found = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            found[node.targets[0].id] = node.value.value
    return found


def systest_commands(test: str) -> list[str]:
    """The commands the system test function `file::name` runs, as strings."""
    file, _, name = test.partition("::")
    path = REPO / file
    module = ast.parse(path.read_text(encoding="utf-8"))
    rig_source = (SYSTEST / "rig.py").read_text(encoding="utf-8")
    match = re.search(r'f"(journalctl [^"]*\{args\})"', rig_source)
    assert match, "rig.journal() no longer runs journalctl: update _render"
    function = _functions(path)[name]
    names = {**_string_names(module), **_string_names(function)}
    return list(_render(function, names, match.group(1)))


def _subsequence(words: list[str], of: list[str]) -> bool:
    it = iter(of)
    return all(w in it for w in words)


@pytest.mark.parametrize("command", sorted(c for c, v in COVERAGE.items() if v.kind == "systest"))
def test_systest_runs_the_recipe(command: str) -> None:
    """The mapped system test's source runs the command (README words in order)."""
    cover = COVERAGE[command]
    ran = systest_commands(cover.test)
    assert any(cover.as_run in text for text in ran), (cover.as_run, ran)
    readme_words = shlex.split(command)
    readme_words = readme_words[1:] if readme_words[0] == "sudo" else readme_words
    assert _subsequence(readme_words, shlex.split(cover.as_run)), (command, cover.as_run)


def test_ci_runs_the_systest() -> None:
    """.ci/run runs `make systest` for Debian 12 and 13 on amd64 and Debian 12 on arm64, as
    the README says."""
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "make systest DIST=$dist ARCH=$arch" in ci
    assert '"bookworm amd64" "trixie amd64" "bookworm arm64"' in ci
    assert "make test" in ci


# ---- what can run here: make dry runs, syntax, tools --------------------------------------

#: Recipe text each dry run must print (beyond exiting 0).
DRY_RUNS = {
    "make test": ("ruff check daemon tests bench", "mypy", "-m pytest"),
    "make lint": ("ruff check daemon tests bench", "ruff format --check", "mypy"),
    "make bench": ("bench/run.py",),
    "make soak": ("tests/soak.py 1000",),
    "make systest": ("VOICED_SYSTEST=1", "SYSTEST_DIST=bookworm", "tests/system"),
    "make systest DIST=trixie": ("SYSTEST_DIST=trixie",),
    "make systest ARCH=arm64": ("SYSTEST_ARCH=arm64",),
    "make run VENV_FLAGS=--system-site-packages": (
        "-m venv --system-site-packages",
        "bin/voiced run",
    ),
    "make install": (
        "install -D -m 0644 systemd/voiced.service /etc/systemd/system/voiced.service",
        "systemd-sysusers",
        "systemctl daemon-reload",
    ),
    "sudo make install": ("systemd/voiced.toml.example /etc/voiced/voiced.toml",),
    "sudo make install EXTRAS=hands-free": ("install -q  '.[hands-free]'",),
}


def make_env() -> dict[str, str]:
    """The environment without an outer make's flags (its jobserver is not ours)."""
    drop = ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES")
    return {k: v for k, v in os.environ.items() if k not in drop}


@pytest.mark.parametrize("command", sorted(DRY_RUNS))
def test_make_dry_run(command: str, tmp_path: Path) -> None:
    """`make -n` of the command exits 0 and prints its recipe (targets and variables exist)."""
    words = shlex.split(command)
    words = words[1:] if words[0] == "sudo" else words
    # A fresh VENV so the venv recipe prints in full; nothing runs but nested $(MAKE) -n.
    # HAVE_*=ok spares the python3 probes `deps` makes in every nested make (1 s a run).
    argv = [words[0], "-n", *words[1:], f"VENV={tmp_path / 'venv'}"]
    argv += ["HAVE_HEADERS=ok", "HAVE_ENSUREPIP=ok"]
    out = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=60, env=make_env())
    assert out.returncode == 0, out.stdout + out.stderr
    for line in DRY_RUNS[command]:
        assert line in out.stdout, f"{command}: {line!r} not in\n{out.stdout}"
    assert not (tmp_path / "venv").exists(), "a dry run created the venv"


def test_dry_runs_cover_the_dry_run_entries() -> None:
    """Every dry-run entry has recipe lines to check, and the install entries are dry-run too."""
    dry = {c for c, v in COVERAGE.items() if v.kind == "dry-run"}
    assert dry <= DRY_RUNS.keys(), dry - DRY_RUNS.keys()


def bash_syntax_ok(command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-n", "-c", command], capture_output=True, text=True, timeout=10)


@pytest.mark.parametrize("command", sorted(COVERAGE))
def test_command_is_valid_shell(command: str) -> None:
    """Every README command parses as shell (`bash -n`)."""
    out = bash_syntax_ok(command)
    assert out.returncode == 0, out.stderr


def installed(package: str) -> bool:
    out = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True, timeout=10
    )
    return "ok installed" in out.stdout


def test_pi_install_lines() -> None:
    """The Pi install lines: Debian packages exist here, the edited file is the one `make
    install` writes, the unit can be enabled, and ctl's refusal names the usermod line."""
    apt_line = "sudo apt-get install -y git make python3-venv python3-lgpio"
    packages = shlex.split(apt_line)[4:]
    assert packages[-1] == "python3-lgpio"  # Raspberry Pi OS's archive; not in Debian 12
    for package in packages[:-1]:
        assert installed(package), f"{package} is not an installed Debian package here"
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert "systemd/voiced.toml.example /etc/voiced/voiced.toml" in makefile
    unit = (REPO / "systemd" / "voiced.service").read_text(encoding="utf-8")
    assert re.search(r"^\[Install\]\n(?:.*\n)*?WantedBy=multi-user.target$", unit, re.M)
    # /usr/sbin is not on a normal user's PATH (make test runs as one too)
    sbin_path = f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin"
    assert shutil.which("usermod", path=sbin_path), "usermod is missing"
    cli = (REPO / "daemon" / "voiced" / "cli.py").read_text(encoding="utf-8")
    assert "sudo usermod -aG voiced $USER" in cli


def test_sound_card_tools() -> None:
    """aplay (alsa-utils, which `make deps` installs) and fuser (psmisc) are on PATH."""
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^APT_BUILD :=.*\balsa-utils\b", makefile, re.M)
    assert shutil.which("aplay") and shutil.which("fuser")


def test_journalctl_options_parse() -> None:
    """journalctl accepts the options of every README journalctl command (against this
    machine's journal: the unit need not exist); the recipes the system test does not run
    grep for messages the daemon logs."""
    journalctl = [c for c in COVERAGE if c.startswith("journalctl") and "|" not in c]
    assert journalctl
    for command in journalctl:
        argv = [*shlex.split(command), "--no-pager"]
        if "-f" in argv:
            argv.remove("-f")  # following never ends; the options are what is checked
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        assert out.returncode in (0, 1), (command, out.stderr)
        for complaint in ("unrecognized", "invalid", "Failed to parse", "usage"):
            assert complaint not in out.stderr, (command, out.stderr)
    playback = (REPO / "daemon" / "voiced" / "audio" / "playback.py").read_text(encoding="utf-8")
    assert re.search(r'log\.warning\("speaker underrun', playback)


def test_hands_free_extra() -> None:
    """`voiced[hands-free]` exists, holds the packages the README names, installed here."""
    import importlib.metadata as metadata

    assert "hands-free" in (metadata.metadata("voiced").get_all("Provides-Extra") or [])
    requires = metadata.requires("voiced") or []
    extra = {re.split(r"[<>=;\s]", r)[0] for r in requires if 'extra == "hands-free"' in r}
    match = re.search(r"pip install 'voiced\[hands-free\]'` \(([^;]+);", prose())
    assert match, "the README no longer says which packages the extra brings"
    named = {n.strip() for n in match.group(1).split(",")}
    assert named == extra, (named, extra)
    for name in extra:
        assert metadata.version(name)


# ---- config keys ----------------------------------------------------------------------------

#: Values for keys whose default is None or not a TOML value.
SAMPLES: dict[str, Any] = {
    "realtime.provider": "loopback",
    "realtime.url": "wss://myresource.openai.azure.com/openai/v1/realtime",
    "realtime.api_key_file": "/etc/voiced/openai_api_key",
    "realtime.instructions": "Answer in one sentence.",
    "link.rotate_after_s": 3300.0,
    "audio.echo_cancel": True,
    "wake.threshold": 0.9,
    "panel.gpio_chip": 4,
    "sounds.voice": "en-us+f3",
}


def readme_config_keys() -> dict[str, str | None]:
    """Every `section.key` the README names → the TOML value it gives (None: none), with
    `a.b` / `c` shorthand (c in section a) resolved."""
    sections = "|".join(CONFIG_SECTIONS)
    keys: dict[str, str | None] = {}
    text = prose()
    for span in spans(text):
        match = re.fullmatch(rf"((?:{sections})\.\w+)(?:\s*=\s*(.+))?", span)
        if match:
            keys.setdefault(match.group(1), match.group(2))
            if match.group(2):
                keys[match.group(1)] = match.group(2)
        elif re.fullmatch(rf"\[(?:{sections})\.\w+\]", span):
            keys.setdefault(span.strip("[]"), None)
    for match in re.finditer(rf"`((?:{sections}))\.\w+`((?:\s*/\s*`\w+`)+)", text):
        for short in re.findall(r"`(\w+)`", match.group(2)):
            keys.setdefault(f"{match.group(1)}.{short}", None)
    return keys


def test_readme_names_config_keys() -> None:
    """The key extraction finds the table, the shorthand and the troubleshooting keys."""
    keys = readme_config_keys()
    for key in (
        "audio.prebuffer_ms",
        "talk.half_duplex",
        "audio.echo_tail_ms",
        "panel.gpio_chip",
        "link.backoff_max_s",  # `link.backoff_initial_s` / `backoff_max_s`
        "sounds.voice",  # `sounds.notices` / `language` / `voice`
        "realtime.session",
    ):
        assert key in keys, key
    assert keys["link.carry_over"] == "false"


def _wav(path: Path) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(24000)
        out.writeframes(bytes(480))
    return path


@pytest.mark.parametrize(("key", "given"), sorted(readme_config_keys().items()))
def test_config_key_is_accepted(key: str, given: str | None, tmp_path: Path) -> None:
    """A file setting the key (to the README's value, else a valid one) loads, and the value
    lands on that key."""
    group, name = key.split(".")
    fields = {f.name for f in dataclasses.fields(getattr(Config(), group))}
    assert name in fields, f"the README names {key}, which is not a configuration key"
    if name == "session":
        text, expected = f'[{key}]\ninstructions = "x"\n', {"instructions": "x"}
    else:
        if given is not None:
            value = tomllib.loads(f"v = {given}")["v"]
            if isinstance(value, str) and value.endswith(".wav") and not Path(value).exists():
                value = str(_wav(tmp_path / "sound.wav"))  # the README's placeholder path
        elif key in SAMPLES:
            value = SAMPLES[key]
        else:
            value = getattr(getattr(Config(), group), name)
            assert value is not None, f"{key}: its default is None: add a value to SAMPLES"
        if isinstance(value, tuple):
            value = list(value)
        text, expected = f"[{group}]\n{name} = {json.dumps(value)}\n", value
    path = tmp_path / "voiced.toml"
    path.write_text(text, encoding="utf-8")
    loaded = getattr(getattr(load(path), group), name)
    assert (list(loaded) if isinstance(loaded, tuple) else loaded) == expected


def test_profile_key_mute_switch(tmp_path: Path) -> None:
    """`buttons.mute_switch` (a board-profile key, the README says) is accepted in a profile."""
    named = [s for s in spans() if s.startswith("buttons.")]
    assert named == ["buttons.mute_switch"], named
    shipped = REPO / "hardware" / "boards" / "usb-generic.toml"
    path = tmp_path / shipped.name
    path.write_text(
        shipped.read_text(encoding="utf-8") + '\n[buttons.mute_switch]\npin = 22\npull = "up"\n',
        encoding="utf-8",
    )
    profile = load_profile(path)
    assert profile.buttons["mute_switch"].pin == 22


def example_keys() -> dict[str, Any]:
    """`section.key` → value for each key in systemd/voiced.toml.example, set or commented
    out (a commented-out table: an empty dict)."""
    found: dict[str, Any] = {}
    current = ""
    text = (REPO / "systemd" / "voiced.toml.example").read_text(encoding="utf-8")
    for line in text.splitlines():
        header = re.match(r"#?\s*\[([\w.]+)\]", line)
        if header:
            current = header.group(1)
            if "." in current:
                found[current] = {}
            continue
        key = re.match(r"#?\s*(\w+)\s*=(.*)", line)
        if key and current and "." not in current:
            found[f"{current}.{key.group(1)}"] = tomllib.loads(f"v = {key.group(2)}")["v"]
    return found


def test_example_lists_every_key_with_its_default() -> None:
    """The README: systemd/voiced.toml.example lists every key with its default (a key
    whose default is unset shows an example value), and loads to the defaults."""
    defaults = {
        f"{s}.{f.name}": getattr(getattr(Config(), s), f.name)
        for s in CONFIG_SECTIONS
        for f in dataclasses.fields(getattr(Config(), s))
    }
    listed = example_keys()
    missing = sorted(defaults.keys() - listed.keys())
    assert not missing, "keys missing from systemd/voiced.toml.example: " + ", ".join(missing)
    assert not listed.keys() - defaults.keys(), sorted(listed.keys() - defaults.keys())
    for key, value in listed.items():
        default = defaults[key]
        if default is not None and not isinstance(default, dict):
            expected = list(default) if isinstance(default, tuple) else default
            assert value == expected, (
                f"{key}: the example says {value!r}, the default is {default!r}"
            )
    example = load(REPO / "systemd" / "voiced.toml.example")
    assert dataclasses.replace(example, source=Config().source) == Config()


# ---- events, names, files -------------------------------------------------------------------

DAEMON_SOURCES = sorted((REPO / "daemon" / "voiced").rglob("*.py"))


def journald_events_in_code() -> set[str]:
    """VOICED_EVENT values the daemon logs: literal ones, and the machine's notes (logged as
    VOICED_EVENT by the one dynamic line in app/actions.py)."""
    found: set[str] = set()
    for path in DAEMON_SOURCES:
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r'"VOICED_EVENT": "(\w+)"', text))
        found |= set(re.findall(r'self\._note\(\s*"(\w+)"', text))
        dynamic = [
            line
            for line in text.splitlines()
            if "VOICED_EVENT" in line and not re.search(r'"VOICED_EVENT": "\w+"', line)
        ]
        if path.name == "actions.py":
            assert [ln.strip() for ln in dynamic] == [
                'log.info("%s", action.detail, extra={"VOICED_EVENT": action.event})'
            ], dynamic
        else:
            assert not dynamic, f"{path}: a VOICED_EVENT this test cannot read: {dynamic}"
    return found


def test_journald_events_are_the_ones_logged() -> None:
    """The README's journald event list is exactly the VOICED_EVENT values the code logs."""
    listed, logged = events_listed("journald recipes"), journald_events_in_code()
    assert not listed - logged, f"listed but never logged: {sorted(listed - logged)}"
    assert not logged - listed, f"logged but not in the README: {sorted(logged - listed)}"
    for span in spans():
        if span.startswith("VOICED_EVENT="):
            assert span.split("=", 1)[1] in logged, span


def test_library_events_are_the_ones_emitted() -> None:
    """The library's event list is exactly what the voices emit; the methods exist on every
    voice the README names."""
    emitted: set[str] = set()
    for path in (REPO / "daemon" / "voiced" / "voice").glob("*.py"):
        emitted |= set(re.findall(r'self\.emit\(\s*"(\w+)"', path.read_text(encoding="utf-8")))
    listed = events_listed("The library")
    assert listed == emitted, (sorted(listed - emitted), sorted(emitted - listed))
    also = re.search(r"^Also (.*?)\.\n", section("The library"), re.M | re.S)
    assert also
    methods = {re.match(r"\w+", s).group(0) for s in spans(also.group(1))}  # type: ignore[union-attr]
    assert "get_speakers" in methods and "interrupt" in methods
    for voice in (OpenAIRealtimeVoice, CompositeVoice, LoopbackVoice):
        for method in methods:
            assert callable(getattr(voice, method, None)), f"{voice.__name__}.{method}"


def test_named_errors_and_functions_exist() -> None:
    """The error types, `classify` and the `err.failure` / `err.fatal` attributes exist."""
    named = [s for s in spans() if re.fullmatch(r"[A-Z]\w*(?:Error|Peer)", s)]
    assert len(named) >= 6, named
    for name in named:
        cls = getattr(voiced_errors, name, None)
        assert isinstance(cls, type) and issubclass(cls, voiced_errors.RealtimeError), name
    assert callable(reconnect.classify)
    err = voiced_errors.CredentialsRejectedError(401, "rejected")
    assert err.fatal is True and err.failure is not None
    with pytest.raises(AttributeError):
        err.fatal = False  # type: ignore[misc]


def path_spans() -> list[str]:
    """Spans that are paths: repository-relative (a/ or a/b.c, constraints.txt) or absolute."""
    found = []
    for span in spans():
        if " " in span or "://" in span or "=" in span:
            continue
        if span.startswith("/") or re.fullmatch(r"[\w.-]+/[\w./*{},-]*|[\w-]+\.txt", span):
            found.append(span)
    return found


def _expand(pattern: str) -> list[str]:
    """`{a,b}` alternatives and the DIST/ARCH placeholders of the system test's results."""
    match = re.search(r"\{([^}]*)\}", pattern)
    if match:
        return [
            p
            for alt in match.group(1).split(",")
            for p in _expand(pattern[: match.start()] + alt + pattern[match.end() :])
        ]
    return [pattern.replace("DIST", "bookworm").replace("ARCH", "amd64")]


INSTALL_SOURCES = [
    REPO / "Makefile",
    *sorted((REPO / "systemd").iterdir()),
    *DAEMON_SOURCES,
    *sorted(p for p in (REPO / "hardware").rglob("*") if p.is_file()),
    *sorted((REPO / "tests" / "system").glob("*.py")),
]


def test_named_files_exist() -> None:
    """Every repository path the README names exists (a glob matches something); every
    system path it names is one the project installs, uses or documents in its files."""
    paths = path_spans()
    for must in ("hardware/udev/99-voiced-gpio.rules", "constraints.txt", "/run/voiced"):
        assert must in paths, must
    everything = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in INSTALL_SOURCES)
    for span in paths:
        if span.startswith("/"):
            literal = span.split("*")[0]
            assert literal in everything, f"{span}: named nowhere in the project's files"
            continue
        for pattern in _expand(span):
            roots = (REPO, REPO / "daemon" / "voiced")  # core/reconnect.py: in the package
            hits = [hit for root in roots for hit in root.glob(pattern.rstrip("/"))]
            assert hits, f"{span}: no such file or folder"


def test_unit_settings_named_exist() -> None:
    """`LoadCredential=`, `RestartPreventExitStatus=` (78), `StartLimitIntervalSec=0` are in
    the unit, and the control socket's folder is made 0750 by it."""
    unit = (REPO / "systemd" / "voiced.service").read_text(encoding="utf-8")
    settings = [s for s in spans() if re.fullmatch(r"[A-Z][a-z]\w*=\S*", s)]
    assert len(settings) >= 3, settings
    for setting in settings:
        assert re.search(rf"^{re.escape(setting)}", unit, re.M), setting
    assert re.search(r"^RestartPreventExitStatus=.*\b78\b", unit, re.M)
    assert re.search(r"^RuntimeDirectoryMode=0750$", unit, re.M)
    assert Config().control.socket == "/run/voiced/control.sock"


def test_board_table_matches_the_profiles() -> None:
    """The wiring table names every shipped profile, with the talk button's GPIO."""
    table = section("Wiring and boards")
    rows = re.findall(r"^\| [^|]*\(`([\w-]+)`\) \| ([^|]*) \|", table, re.M)
    profiles = load_profiles()
    assert {name for name, _ in rows} == set(profiles)
    for name, button in rows:
        gpio = re.match(r"GPIO(\d+)", button)
        if gpio:
            assert profiles[name].buttons["talk"].pin == int(gpio.group(1)), name
