"""What the system tests share: the booted machine, the key, the configuration, results."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

from system.machine import Machine

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


def _free_port() -> int:
    """A port free on this machine's loopback (the container shares the host's network)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


FAKE_PORT = _free_port()
RESULTS = REPO / "bench" / "results"
ARCH = os.environ.get("SYSTEST_ARCH", "amd64")
"""The root's architecture: amd64 natively, anything else under qemu-user (see foreign.py)."""

# Under qemu-user, systemd cannot set up credentials: qemu refuses the clone(CLONE_NEWNS)
# systemd forks its credential helper with (EINVAL: every unit with LoadCredential= fails
# with 243/CREDENTIALS, systemd-sysusers and systemd-tmpfiles-setup at boot too). This
# drop-in for every service, written into a foreign root only, drops the credentials; the
# tests give voiced its key through realtime.api_key_file instead (QEMU_KEY_FILE).
QEMU_DROPIN = "etc/systemd/system/service.d/systest-qemu-user.conf"
QEMU_DROPIN_TEXT = """# system test under qemu-user only: qemu rejects clone(CLONE_NEWNS),
# which systemd needs to set up credentials (243/CREDENTIALS otherwise).
[Service]
LoadCredential=
"""
QEMU_KEY_FILE = "/etc/voiced/systest-key"

MIC_FIFO = "/run/systest-mic.fifo"
# The mic reads a FIFO fed at real-time pace (an unpaced /dev/zero would flood the daemon's
# loop at thousands of times real time, which no sound card does).
ASOUND_CONF = f"""# system test: file-backed PCMs (no sound card in the container)
pcm.vmic {{ type file slave.pcm {{ type null }} infile "{MIC_FIFO}" file "/dev/null" format "raw" }}
pcm.vspk {{ type file slave.pcm {{ type null }} file "/dev/null" format "raw" }}
"""

MIC_FEEDER = f"""import os, time
fd = os.open("{MIC_FIFO}", os.O_RDWR)  # read-write: never blocks waiting for a reader
period = bytes(960)  # 20 ms of 24 kHz s16le mono silence
due = time.monotonic()
while True:
    os.write(fd, period)
    due += 0.02
    delay = due - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    elif delay < -1.0:  # nobody read for a while (a restart): no burst afterwards
        due = time.monotonic()
"""

MIC_UNIT = f"""[Unit]
Description=real-time paced silence for the file-backed mic (system test)
Before=voiced.service
[Service]
ExecStartPre=/bin/sh -c 'rm -f {MIC_FIFO}; mkfifo -m 0666 {MIC_FIFO}'
ExecStart=/usr/bin/python3 /usr/local/lib/systest-mic-feeder.py
[Install]
WantedBy=multi-user.target
"""

GOOD_CONFIG = f"""[realtime]
provider = "openai"
url = "ws://127.0.0.1:{FAKE_PORT}/v1/realtime"
[audio]
input_device = "vmic"
output_device = "vspk"
[panel]
board = "none"
"""

FAKE_UNIT = f"""[Unit]
Description=the project's fake realtime server (system test)
[Service]
Environment=PYTHONUNBUFFERED=1
ExecStart=/opt/voiced/.venv/bin/python /opt/src/tests/system/fakeserver_main.py \\
  --port {FAKE_PORT} --key-file /root/fake-key --status /run/fake.json
"""


class Rig:
    """The booted machine plus what the tests share: the key, timings, results."""

    def __init__(self, machine: Machine, key: str, key_file: str | None = None) -> None:
        self.machine = machine
        self.key = key
        self.key_file = key_file
        """Where voiced reads its key when LoadCredential= cannot work (under qemu-user)."""
        self.results: dict[str, Any] = {}
        self.slow = machine.slow
        """Timeouts are multiplied by this (an emulated root runs several times slower)."""

    def run(self, command: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return self.machine.run(command, **kwargs)

    def show(self, *props: str) -> dict[str, str]:
        return self.machine.show("voiced", *props)

    def fake(self) -> dict[str, Any]:
        text = self.run("cat /run/fake.json", check=False).stdout
        return json.loads(text) if text else {"connections": []}

    def write_config(self, text: str) -> None:
        """Install `text` as /etc/voiced/voiced.toml (with realtime.api_key_file = key_file
        added to its [realtime] table when there is one)."""
        if self.key_file is not None:
            line = f'api_key_file = "{self.key_file}"\n'
            text = text.replace("[realtime]\n", "[realtime]\n" + line, 1)
        self.run("install -m 0640 -g voiced /dev/stdin /etc/voiced/voiced.toml", input=text)

    def wait(self, what: str, predicate: Any, timeout_s: float, step_s: float = 0.25) -> Any:
        """Poll `predicate` until it returns something true, for timeout_s × slow."""
        timeout_s *= self.slow
        deadline = time.monotonic() + timeout_s
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")
            time.sleep(step_s)

    def main_pid(self) -> int:
        return int(self.show("MainPID")["MainPID"])

    def journal(self, args: str = "") -> list[dict[str, Any]]:
        out = self.run(f"journalctl -u voiced -o json --no-pager {args}", check=False).stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()]
