"""A root of another architecture (ARCH=arm64) for the system test: qemu-user through
binfmt_misc, and the wheels pip inside installs offline.

Debian's qemu-user-static ships the registration line in /usr/lib/binfmt.d; it is written
to the kernel here (the F flag opens the interpreter now, so binaries inside the container,
which has no /usr/libexec/qemu-binfmt, run too). Every way this can fail is a
SystestUnavailable with the reason: never a silent pass.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from system.machine import SystestUnavailable

BINFMT = Path("/proc/sys/fs/binfmt_misc")


@dataclass(frozen=True)
class Target:
    """What differs between the Debian root's architecture and this machine's."""

    qemu: str  # qemu's name for the CPU (binfmt entry qemu-NAME)
    machine: str  # uname -m inside, the tail of wheel platform tags
    python: str  # the root's python3, for pip's tags ("311")
    glibc_minor: int  # the root's glibc 2.N: the newest manylinux_2_N wheel that runs


# Debian 12: Python 3.11, glibc 2.36.
TARGETS = {("bookworm", "arm64"): Target("aarch64", "aarch64", "311", 36)}


def target(dist: str, arch: str) -> Target:
    try:
        return TARGETS[(dist, arch)]
    except KeyError:
        known = ", ".join(f"DIST={d} ARCH={a}" for d, a in TARGETS)
        raise SystestUnavailable(
            f"DIST={dist} ARCH={arch}: not implemented (foreign roots: {known})"
        ) from None


def qemu_version(tgt: Target) -> str:
    """`qemu-NAME-static --version`'s first line."""
    try:
        out = _sh(f"qemu-{tgt.qemu}-static", "--version")
    except OSError as exc:
        return f"unknown ({exc})"
    return out.stdout.splitlines()[0] if out.returncode == 0 and out.stdout else "unknown"


def _sh(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, check=False)


def _entry_flags(entry: Path) -> tuple[bool, str]:
    """(enabled, flags) of a binfmt_misc entry."""
    lines = entry.read_text().splitlines()
    flags = next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("flags:")), "")
    return "enabled" in lines, flags


def ensure_binfmt(tgt: Target) -> str:
    """binfmt_misc mounted and qemu-NAME registered, enabled, with the F flag (idempotent).
    Returns the entry's state for the results."""
    if not (BINFMT / "register").exists():
        out = _sh("mount", "-t", "binfmt_misc", "binfmt_misc", str(BINFMT))
        if out.returncode != 0:
            raise SystestUnavailable(
                f"ARCH needs binfmt_misc, and `mount -t binfmt_misc binfmt_misc {BINFMT}` "
                f"failed: {out.stderr.strip()} (an unprivileged container cannot do it)"
            )
    if (BINFMT / "status").read_text().strip() != "enabled":
        raise SystestUnavailable(f"binfmt_misc is disabled ({BINFMT}/status): echo 1 > it")
    name = f"qemu-{tgt.qemu}"
    entry = BINFMT / name
    conf = Path(f"/usr/lib/binfmt.d/{name}.conf")
    if entry.exists():
        enabled, flags = _entry_flags(entry)
        if enabled and "F" in flags:
            return f"{name} flags {flags}"
        # Registered without F (the interpreter would be looked up inside the container)
        # or disabled: replace it with qemu-user-static's own line.
        entry.write_text("-1")
    if not conf.exists():
        raise SystestUnavailable(f"{conf} is missing: install qemu-user-static (make systest-deps)")
    line = conf.read_text().strip()
    # :name:type:offset:magic:mask:interpreter:flags
    fields = line.split(":")
    if len(fields) != 8 or not Path(fields[6]).exists():
        raise SystestUnavailable(f"{conf}: not a registration line with an interpreter: {line!r}")
    if "F" not in fields[7]:
        line += "F"
    try:
        (BINFMT / "register").write_text(line)
    except OSError as exc:
        raise SystestUnavailable(f"registering {name} with binfmt_misc failed: {exc}") from exc
    enabled, flags = _entry_flags(entry)
    if not enabled or "F" not in flags:
        raise SystestUnavailable(f"{entry} is not enabled with the F flag after registering")
    return f"{name} flags {flags}"


def _platforms(tgt: Target) -> list[str]:
    """pip's --platform values for the root: manylinux_2_N down to 2_17 (pip does not expand
    a newer manylinux tag to the older ones by itself)."""
    tags = [f"manylinux_2_{n}_{tgt.machine}" for n in range(tgt.glibc_minor, 16, -1)]
    return [*tags, f"manylinux2014_{tgt.machine}"]


def canonical(name: str) -> str:
    """A distribution's name as PyPI compares them (systemd_python is systemd-python)."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Wheels:
    folder: Path
    """CACHE/wheels-DIST-ARCH, bound read-only to /opt/wheels inside."""
    from_source: list[str]
    """NAME==VERSION of the dependencies with no wheel for the root: pip inside compiles them."""


def wheels(repo: Path, cache: Path, dist: str, arch: str, extras: str) -> Wheels:
    """The dependencies of `repo[extras]` for the root's architecture, in
    CACHE/wheels-DIST-ARCH: resolved here (the same Python version as inside; markers
    evaluate as on this machine, so a dependency only the root's architecture declares
    would be missing, and pip's offline install inside fails naming it), then each pinned
    release downloaded for the root's platform: a binary wheel where PyPI has one, else the
    source distribution, which pip inside compiles (under emulation)."""
    tgt = target(dist, arch)
    here = f"{sys.version_info.major}{sys.version_info.minor}"
    if here != tgt.python:
        raise SystestUnavailable(
            f"ARCH={arch}: this machine's Python is {here}, the root's {tgt.python}: the "
            "dependencies are resolved here for the root, so they must match"
        )
    dest = cache / f"wheels-{dist}-{arch}"
    dest.mkdir(parents=True, exist_ok=True)
    pip = [sys.executable, "-m", "pip", "-q"]
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        spec = f"{repo}[{extras}]" if extras else str(repo)
        out = subprocess.run(
            [*pip, "install", "--dry-run", "--ignore-installed", "--report", str(report), spec],
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode != 0:
            raise SystestUnavailable(f"resolving {spec} failed:\n{out.stderr[-3000:]}")
        resolved = json.loads(report.read_text())["install"]
    pins = {
        canonical(item["metadata"]["name"]): item["metadata"]["version"]
        for item in resolved
        if item["metadata"]["name"] != "voiced"
    }
    platform = [arg for tag in _platforms(tgt) for arg in ("--platform", tag)]
    # --no-deps: every pin is listed (and it lets pip take a source distribution where no
    # wheel for the platform exists).
    out = subprocess.run(
        [
            *pip,
            "download",
            "--no-deps",
            "-d",
            str(dest),
            *platform,
            "--python-version",
            tgt.python,
            "--implementation",
            "cp",
            "--abi",
            f"cp{tgt.python}",
            *(f"{name}=={version}" for name, version in pins.items()),
            "setuptools>=77",
            "wheel",
            "pip",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystestUnavailable(f"downloading the {arch} wheels failed:\n{out.stderr[-3000:]}")
    have = {(canonical(w.name.split("-")[0]), w.name.split("-")[1]) for w in dest.glob("*.whl")}
    return Wheels(dest, sorted(f"{n}=={v}" for n, v in pins.items() if (n, v) not in have))
