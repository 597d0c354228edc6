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

from system import foreign
from system.machine import Machine, SystestUnavailable
from system.rig import (
    ARCH,
    ASOUND_CONF,
    FAKE_UNIT,
    GOOD_CONFIG,
    HERE,
    MIC_FEEDER,
    MIC_UNIT,
    QEMU_DROPIN,
    QEMU_DROPIN_TEXT,
    QEMU_KEY_FILE,
    REPO,
    RESULTS,
    Rig,
)

# How much slower a root under qemu-user runs: every timeout is multiplied by this (Python
# there runs 6-17 times slower than here).
QEMU_SLOW = 10.0

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


def _listed(names: list[str] | None) -> str | None:
    return None if names is None else ", ".join(names) or "nothing"


def summary(results: dict[str, Any], dist: str, arch: str) -> str:
    """The benchmark section of one system-test run (joined into bench/results/README.md)."""
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    rows: list[tuple[str, Any]] = [
        ("start → READY=1, median of 5 (ms)", results.get("start_to_ready_median_ms")),
        ("start → READY=1, all 5 (ms)", results.get("start_to_ready_ms")),
        ("RSS 60 s after start (MiB)", results.get("rss_after_60s_mib")),
        (
            "systemd-analyze security, live / offline",
            f"{results.get('exposure_live')} / {results.get('exposure_offline')}",
        ),
        ("reload → new session at the server (s)", results.get("reload_to_new_session_s")),
        ("push-to-talk turn: audio committed (s)", results.get("ptt_committed_s")),
        ("push-to-talk turn: release → response done (s)", results.get("ptt_release_to_done_s")),
        ("make install inside (s)", results.get("install_s")),
        ("versions inside", f"{results.get('systemd')}, {results.get('python')}"),
        ("whole system test (s)", results.get("systest_s")),
    ]
    if "machine" in results:  # another architecture, under qemu-user
        rows += [
            ("emulation", f"{results.get('qemu')}; binfmt {results.get('binfmt')}"),
            ("compiled inside (no wheel for it)", _listed(results.get("compiled_inside"))),
            ("hands-free check inside (s)", results.get("hands_free_s")),
            (
                "systemd skipped under qemu-user (no seccomp)",
                _listed(results.get("seccomp_skipped")),
            ),
            ("relaxed for qemu-user", results.get("relaxed")),
        ]
    # Rows a run did not measure (amd64 only, or arm64 only) are left out.
    rows = [(n, v) for n, v in rows if v is not None and v != "None / None"]
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
    arch = ARCH
    emulated = arch != "amd64"
    binfmt = ""
    if emulated:
        # Another architecture: its binaries run under qemu-user, registered with binfmt_misc
        # (also what debootstrap's second stage needs).
        binfmt = foreign.ensure_binfmt(foreign.target(dist, arch))
    cache = Path(os.environ.get("SYSTEST_CACHE", "/var/cache/voiced-systest"))
    built = subprocess.run(
        [str(HERE / "mkroot.sh"), dist, arch, str(cache)], capture_output=True, text=True
    )
    if built.returncode != 0:
        raise SystestUnavailable(
            f"mkroot.sh {dist} {arch} exited {built.returncode}:\n{built.stderr[-3000:]}"
        )
    tarball = Path(built.stdout.strip())
    extras = ""
    if emulated:
        # Wheels for the root's architecture downloaded here, source distributions where PyPI
        # has no wheel for it: pip inside compiles those (under emulation), offline.
        extras = "hands-free"
        arch_wheels = foreign.wheels(REPO, cache, dist, arch, extras)
        binds = {str(arch_wheels.folder): "/opt/wheels"}
        pip_flags, pip_conf = "--no-index --find-links /opt/wheels", None
    elif dist == "bookworm":
        # The host is Debian 12 too: build the wheels here once, install them offline inside.
        binds = {str(_wheels(cache, dist, arch)): "/opt/wheels"}
        pip_flags, pip_conf = "--no-index --find-links /opt/wheels", None
    else:
        # Another Python: pip inside builds from the index this machine's pip config names.
        pip_conf, binds = _host_pip_config()
        pip_flags = ""
    work = Path(tempfile.mkdtemp(prefix="voiced-systest-", dir="/var/tmp"))

    def prepare(root: Path) -> None:
        _copy_source(root)
        if emulated:
            dropin = root / QEMU_DROPIN
            dropin.parent.mkdir(parents=True, exist_ok=True)
            dropin.write_text(QEMU_DROPIN_TEXT)

    machine = Machine.boot(
        tarball, binds, work, prepare=prepare, slow=QEMU_SLOW if emulated else 1.0
    )
    try:
        key = "sk-systest-" + secrets.token_hex(16)
        rig = Rig(machine, key, key_file=QEMU_KEY_FILE if emulated else None)
        (machine.root / "etc" / "asound.conf").write_text(ASOUND_CONF)
        t0 = time.monotonic()
        if pip_conf is not None:
            (machine.root / "etc" / "pip.conf").write_text(pip_conf)
        machine.run(
            f'make -C /opt/src install PIP_FLAGS="{pip_flags}" EXTRAS="{extras}"', timeout=900
        )
        rig.results["install_s"] = round(time.monotonic() - t0, 1)
        rig.results["systemd"] = machine.run("systemctl --version").stdout.split("(")[0].strip()
        rig.results["python"] = machine.run("python3 --version").stdout.strip()
        if emulated:
            rig.results["machine"] = machine.run("uname -m").stdout.strip()
            rig.results["qemu"] = foreign.qemu_version(foreign.target(dist, arch))
            rig.results["binfmt"] = binfmt
            rig.results["extras"] = extras
            rig.results["from_source"] = arch_wheels.from_source
            rig.results["relaxed"] = "LoadCredential= (every service; key by realtime.api_key_file)"
            machine.run(f"install -m 0640 -g voiced /dev/stdin {QEMU_KEY_FILE}", input=key + "\n")
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
