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
    def __init__(
        self, root: Path, proc: subprocess.Popen[bytes], log: Path, slow: float = 1.0
    ) -> None:
        self.root = root
        self.proc = proc
        self.log = log
        self.leader = 0
        self.slow = slow
        """Every timeout is multiplied by this (an emulated root runs several times slower)."""

    @classmethod
    def boot(
        cls,
        tarball: Path,
        binds: dict[str, str],
        workdir: Path,
        prepare: Callable[[Path], None] | None = None,
        slow: float = 1.0,
    ) -> Machine:
        """Unpack `tarball`, call `prepare(root)`, boot it; returns once systemd is up.
        `slow` scales every timeout (a root of another architecture runs under qemu-user)."""
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
        machine = cls(root, proc, log, slow)
        machine._wait_for_leader(30.0 * slow)
        machine._wait_running(60.0 * slow)
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
        raise SystestUnavailable(f"systemd-nspawn started no init within {timeout_s:g} s")

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
        """Run `command` (a shell line) inside the container, as root or as `user`; the
        timeout is scaled by `slow`."""
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
            argv,
            capture_output=True,
            text=True,
            timeout=timeout * self.slow,
            input=input,
            check=False,
        )
        if check and out.returncode != 0:
            raise AssertionError(
                f"in the container, {command!r} exited {out.returncode}:\n"
                f"{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
            )
        return out

    def host_pid(self, pid: int) -> int:
        """This machine's PID of the container's process `pid`."""
        ns = os.readlink(f"/proc/{self.leader}/ns/pid")
        for status in Path("/proc").glob("[0-9]*/status"):
            with contextlib.suppress(OSError):
                if os.readlink(status.parent / "ns" / "pid") != ns:
                    continue
                for line in status.read_text().splitlines():
                    if line.startswith("NSpid:") and line.split()[-1] == str(pid):
                        return int(line.split()[1])
        raise AssertionError(f"no process of this machine is PID {pid} in the container")

    def mount_options(self, host_pid: int, path: str) -> str:
        """The options of the mount `path` is on, in the mount namespace of `host_pid`.
        Entered from here: an nsenter inside an emulated root cannot (qemu-user's threads
        share their filesystem context, and setns(CLONE_NEWNS) refuses that); the container's
        PID namespace too, or its /proc has no /proc/self for findmnt."""
        argv = ["nsenter", "-t", str(host_pid), "-m", "-p", "findmnt", "-rno", "OPTIONS", "-T"]
        out = subprocess.run(
            [*argv, path], capture_output=True, text=True, check=False, timeout=30 * self.slow
        )
        if out.returncode != 0:
            raise AssertionError(f"findmnt {path} in PID {host_pid}'s namespace: {out.stderr}")
        return out.stdout.strip()

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
