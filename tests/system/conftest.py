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

import pytest

from system.machine import Machine, SystestUnavailable
from system.rig import ASOUND_CONF, FAKE_UNIT, GOOD_CONFIG, HERE, REPO, RESULTS, Rig

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


@pytest.fixture(scope="session")
def rig() -> Iterator[Rig]:
    started = time.monotonic()
    _require_host()
    dist = os.environ.get("SYSTEST_DIST", "bookworm")
    arch = os.environ.get("SYSTEST_ARCH", "amd64")
    if (dist, arch) != ("bookworm", "amd64"):
        raise SystestUnavailable(
            f"DIST={dist} ARCH={arch}: not implemented yet (only bookworm/amd64; the wheels "
            "are built on this Debian 12 host)"
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
    wheels = _wheels(cache, dist, arch)
    work = Path(tempfile.mkdtemp(prefix="voiced-systest-", dir="/var/tmp"))
    machine = Machine.boot(tarball, {str(wheels): "/opt/wheels"}, work, prepare=_copy_source)
    try:
        key = "sk-systest-" + secrets.token_hex(16)
        rig = Rig(machine, key)
        (machine.root / "etc" / "asound.conf").write_text(ASOUND_CONF)
        t0 = time.monotonic()
        machine.run(
            'make -C /opt/src install PIP_FLAGS="--no-index --find-links /opt/wheels"',
            timeout=600,
        )
        rig.results["install_s"] = round(time.monotonic() - t0, 1)
        machine.run(
            "install -m 0600 /dev/stdin /etc/credstore/voiced.openai_api_key", input=key + "\n"
        )
        machine.run("install -m 0600 /dev/stdin /root/fake-key", input=key + "\n")
        rig.write_config(GOOD_CONFIG)
        machine.run("useradd -m -G voiced member && useradd -m outsider")
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
        if "rig" in locals():
            rig.results["systest_s"] = round(time.monotonic() - started, 1)
            RESULTS.mkdir(parents=True, exist_ok=True)
            (RESULTS / f"systest-{dist}-{arch}.json").write_text(
                json.dumps(rig.results, indent=2) + "\n"
            )
        with open(work / "nspawn.log", errors="replace") as fh:
            tail = fh.read()[-4000:]
        print("--- container console (tail) ---\n" + tail)
        machine.shutdown()
        shutil.rmtree(work, ignore_errors=True)
