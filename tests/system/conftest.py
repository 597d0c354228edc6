"""The system test's fixtures: one booted Debian root with voiced installed (`make systest`).

Collected only when VOICED_SYSTEST=1 (the Makefile's systest target sets it), so `make test`
never boots a container. Where the container cannot run, every test errors with the reason:
the system test never passes silently.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from system.machine import Machine, SystestUnavailable
from system.rig import (
    ASOUND_CONF,
    FAKE_UNIT,
    GOOD_CONFIG,
    HERE,
    MIC_FEEDER,
    MIC_UNIT,
    REPO,
    RESULTS,
    Rig,
)

if os.environ.get("VOICED_SYSTEST") != "1":
    collect_ignore_glob = ["test_*.py"]


def _require_host() -> None:
    if os.geteuid() != 0:
        raise SystestUnavailable(
            "the system test needs root (it boots a container): run `sudo make systest`"
        )
    for tool in ("systemd-nspawn", "debootstrap", "nsenter", "zstd"):
        if shutil.which(tool) is None:
            raise SystestUnavailable(f"{tool} is missing (make systest-deps installs it)")


def _wheels(cache: Path, dist: str, arch: str) -> Path:
    """Wheels of voiced and its dependencies, built here with this machine's pip config."""
    wheels = cache / f"wheels-{dist}-{arch}"
    wheels.mkdir(parents=True, exist_ok=True)
    for old in wheels.glob("voiced-*.whl"):
        old.unlink()
    pip = [sys.executable, "-m", "pip", "-q"]
    subprocess.run(
        [*pip, "wheel", "-w", str(wheels), "--find-links", str(wheels), str(REPO)], check=True
    )
    subprocess.run(
        [*pip, "download", "-d", str(wheels), "setuptools>=77", "wheel", "pip"], check=True
    )
    return wheels


def _copy_source(root: Path) -> None:
    """The checkout's files (tracked and untracked, not ignored) into /opt/src."""
    dest = root / "opt" / "src"
    dest.mkdir(parents=True)
    files = subprocess.run(
        ["git", "-C", str(REPO), "ls-files", "-co", "--exclude-standard", "-z"],
        capture_output=True,
        check=True,
    ).stdout
    archive = subprocess.run(
        ["tar", "-C", str(REPO), "--null", "--ignore-failed-read", "-T", "-", "-cf", "-"],
        input=files,
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(["tar", "-C", str(dest), "-xf", "-"], input=archive, check=True)


def summary(results: dict[str, Any], dist: str, arch: str) -> str:
    """The benchmark section of one system-test run (joined into bench/results/README.md)."""
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    rows = [
        ("start → READY=1, median of 5 (ms)", results.get("start_to_ready_median_ms")),
        ("start → READY=1, all 5 (ms)", results.get("start_to_ready_ms")),
        ("RSS 60 s after start (MiB)", results.get("rss_after_60s_mib")),
        (
            "systemd-analyze security, live / offline",
            f"{results.get('exposure_live')} / {results.get('exposure_offline')}",
        ),
        ("reload → new session at the server (s)", results.get("reload_to_new_session_s")),
        ("make install inside (s)", results.get("install_s")),
        ("versions inside", f"{results.get('systemd')}, {results.get('python')}"),
        ("whole system test (s)", results.get("systest_s")),
    ]
    lines = [
        f"## Service under a real systemd ({dist}/{arch})",
        "",
        f"Command: `make systest DIST={dist} ARCH={arch}` · {when} · Debian root booted with "
        "systemd-nspawn; file-backed ALSA devices; the fake realtime server inside.",
        "",
        "| what | result |",
        "|---|---|",
        *(f"| {name} | {value} |" for name, value in rows),
        "",
    ]
    return "\n".join(lines)


def _host_pip_config() -> tuple[str, dict[str, str]]:
    """This machine's own pip configuration (files and PIP_* variables, as `pip config list`
    shows it) as a pip.conf for the root, and the local paths it names, to bind read-only
    (a local index's parent folder too: its pages link to ../files)."""
    out = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True, check=True
    ).stdout
    settings: dict[str, str] = {}
    for line in out.splitlines():
        name, _, value = line.partition("=")
        settings[name.split(".", 1)[-1]] = value.strip().strip("'\"")
    binds = {}
    for key, value in settings.items():
        if key == "cert":
            # This machine's CA bundle (it may hold a CA the root's own bundle lacks).
            binds[value] = "/usr/local/share/systest-pip-ca.crt"
            settings[key] = "/usr/local/share/systest-pip-ca.crt"
            continue
        for word in value.split():
            path = Path(word.removeprefix("file://"))
            if path.is_absolute() and path.exists():
                base = path.parent if path.name == "simple" else path
                binds[str(base)] = str(base)
    return "[global]\n" + "".join(f"{k} = {v}\n" for k, v in settings.items()), binds


@pytest.fixture(scope="session")
def rig(request: pytest.FixtureRequest) -> Iterator[Rig]:
    started = time.monotonic()
    _require_host()
    dist = os.environ.get("SYSTEST_DIST", "bookworm")
    arch = os.environ.get("SYSTEST_ARCH", "amd64")
    if arch != "amd64":
        raise SystestUnavailable(
            f"ARCH={arch}: not implemented (qemu-user runs need binfmt set up by hand; see "
            "tests/system/README.md)"
        )
    cache = Path(os.environ.get("SYSTEST_CACHE", "/var/cache/voiced-systest"))
    tarball = Path(
        subprocess.run(
            [str(HERE / "mkroot.sh"), dist, arch, str(cache)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    if dist == "bookworm":
        # The host is Debian 12 too: build the wheels here once, install them offline inside.
        binds = {str(_wheels(cache, dist, arch)): "/opt/wheels"}
        pip_flags, pip_conf = "--no-index --find-links /opt/wheels", None
    else:
        # Another Python: pip inside builds from the index this machine's pip config names.
        pip_conf, binds = _host_pip_config()
        pip_flags = ""
    work = Path(tempfile.mkdtemp(prefix="voiced-systest-", dir="/var/tmp"))
    machine = Machine.boot(tarball, binds, work, prepare=_copy_source)
    try:
        key = "sk-systest-" + secrets.token_hex(16)
        rig = Rig(machine, key)
        (machine.root / "etc" / "asound.conf").write_text(ASOUND_CONF)
        t0 = time.monotonic()
        if pip_conf is not None:
            (machine.root / "etc" / "pip.conf").write_text(pip_conf)
        machine.run(f'make -C /opt/src install PIP_FLAGS="{pip_flags}"', timeout=900)
        rig.results["install_s"] = round(time.monotonic() - t0, 1)
        rig.results["systemd"] = machine.run("systemctl --version").stdout.split("(")[0].strip()
        rig.results["python"] = machine.run("python3 --version").stdout.strip()
        machine.run(
            "install -m 0600 /dev/stdin /etc/credstore/voiced.openai_api_key", input=key + "\n"
        )
        machine.run("install -m 0600 /dev/stdin /root/fake-key", input=key + "\n")
        rig.write_config(GOOD_CONFIG)
        machine.run("useradd -m -G voiced member && useradd -m outsider")
        (machine.root / "usr/local/lib/systest-mic-feeder.py").write_text(MIC_FEEDER)
        machine.run(
            "install -m 0644 /dev/stdin /etc/systemd/system/systest-mic.service && "
            "systemctl daemon-reload && systemctl start systest-mic",
            input=MIC_UNIT,
        )
        machine.run(
            "install -m 0644 /dev/stdin /etc/systemd/system/fakeserver.service && "
            "systemctl daemon-reload && systemctl start fakeserver",
            input=FAKE_UNIT,
        )
        rig.wait(
            "the fake server",
            lambda: machine.run("test -e /run/fake.json", check=False).returncode == 0,
            30,
        )
        yield rig
    finally:
        # Only a whole run records results (a -k selection would leave holes in them).
        if "rig" in locals() and not request.config.option.keyword:
            rig.results["systest_s"] = round(time.monotonic() - started, 1)
            RESULTS.mkdir(parents=True, exist_ok=True)
            (RESULTS / f"systest-{dist}-{arch}.json").write_text(
                json.dumps(rig.results, indent=2) + "\n"
            )
            (RESULTS / f"systest-{dist}-{arch}.md").write_text(summary(rig.results, dist, arch))
        with open(work / "nspawn.log", errors="replace") as fh:
            tail = fh.read()[-4000:]
        print("--- container console (tail) ---\n" + tail)
        machine.shutdown()
        shutil.rmtree(work, ignore_errors=True)
