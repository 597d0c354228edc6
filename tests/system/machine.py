"""A Debian root booted under a real systemd with systemd-nspawn, driven from outside.

Used by the system test (`make systest`): `Machine.boot()` unpacks the cached root,
boots it, and `run()` executes a command inside through nsenter (machinectl and
systemd-run --machine need a registered machine, which this host does not have).
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

INNER_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class SystestUnavailable(RuntimeError):
    """This machine cannot run the system test (not root, no nspawn, no boot): say why."""


class Machine:
    def __init__(self, root: Path, proc: subprocess.Popen[bytes], log: Path) -> None:
        self.root = root
        self.proc = proc
        self.log = log
        self.leader = 0

    @classmethod
    def boot(
        cls,
        tarball: Path,
        binds: dict[str, str],
        workdir: Path,
        prepare: Callable[[Path], None] | None = None,
    ) -> Machine:
        """Unpack `tarball`, call `prepare(root)`, boot it; returns once systemd is up."""
        root = Path(tempfile.mkdtemp(prefix="root-", dir=workdir))
        subprocess.run(["tar", "-C", str(root), "--zstd", "-xf", str(tarball)], check=True)
        if prepare is not None:
            prepare(root)
        log = workdir / "nspawn.log"
        cmd = [
            "systemd-nspawn",
            "-D",
            str(root),
            "--boot",
            "--register=no",
            "--keep-unit",
            "--console=read-only",
            f"--machine=voiced-systest-{os.getpid()}",
        ]
        for source, target in binds.items():
            cmd.append(f"--bind-ro={source}:{target}")
        with log.open("wb") as out:
            # A writable /sys (as on a real machine), so the unit's own read-only and
            # read-write mounts of /sys are what the tests see, not nspawn's.
            env = {**os.environ, "SYSTEMD_NSPAWN_API_VFS_WRITABLE": "1"}
            proc = subprocess.Popen(
                cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, env=env
            )
        machine = cls(root, proc, log)
        machine._wait_for_leader()
        machine._wait_running()
        return machine

    def _wait_for_leader(self, timeout_s: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystestUnavailable(
                    f"systemd-nspawn exited with {self.proc.returncode}: "
                    + self.log.read_text(errors="replace")[-2000:]
                )
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
            with contextlib.suppress(OSError):
                pids = children.read_text().split()
                if pids:
                    self.leader = int(pids[0])
                    return
            time.sleep(0.05)
        raise SystestUnavailable("systemd-nspawn started no init within 30 s")

    def _wait_running(self, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            out = self.run("systemctl is-system-running", check=False, timeout=30)
            state = out.stdout.strip()
            if state in ("running", "degraded"):
                return
            time.sleep(0.2)
        raise SystestUnavailable(f"the container's systemd did not come up: {state!r}")

    def run(
        self,
        command: str,
        *,
        check: bool = True,
        timeout: float = 120.0,
        user: str | None = None,
        input: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run `command` (a shell line) inside the container, as root or as `user`."""
        inner = command
        if user is not None:
            inner = f"runuser -u {shlex.quote(user)} -- sh -c {shlex.quote(command)}"
        argv = [
            "nsenter",
            "-t",
            str(self.leader),
            "-a",
            "--",
            "env",
            "-i",
            f"PATH={INNER_PATH}",
            "HOME=/root",
            "LANG=C.UTF-8",
            "SYSTEMD_COLORS=0",
            "SYSTEMD_PAGER=",
            "sh",
            "-c",
            inner,
        ]
        out = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, input=input, check=False
        )
        if check and out.returncode != 0:
            raise AssertionError(
                f"in the container, {command!r} exited {out.returncode}:\n"
                f"{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
            )
        return out

    def show(self, unit: str, *props: str) -> dict[str, str]:
        out = self.run(f"systemctl show {unit} " + " ".join(f"-p {p}" for p in props))
        return dict(line.split("=", 1) for line in out.stdout.splitlines() if "=" in line)

    def shutdown(self) -> None:
        with contextlib.suppress(Exception):
            self.run("systemctl poweroff --no-block", check=False, timeout=10)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)
