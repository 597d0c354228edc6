"""What the system tests share: the booted machine, the key, the configuration, results."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

from system.machine import Machine

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
FAKE_PORT = 8765
RESULTS = REPO / "bench" / "results"

ASOUND_CONF = """# system test: file-backed PCMs (no sound card in the container)
pcm.vmic { type file slave.pcm { type null } infile "/dev/zero" file "/dev/null" format "raw" }
pcm.vspk { type file slave.pcm { type null } file "/dev/null" format "raw" }
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

    def __init__(self, machine: Machine, key: str) -> None:
        self.machine = machine
        self.key = key
        self.results: dict[str, Any] = {}

    def run(self, command: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return self.machine.run(command, **kwargs)

    def show(self, *props: str) -> dict[str, str]:
        return self.machine.show("voiced", *props)

    def fake(self) -> dict[str, Any]:
        text = self.run("cat /run/fake.json", check=False).stdout
        return json.loads(text) if text else {"connections": []}

    def write_config(self, text: str) -> None:
        self.run("install -m 0640 -g voiced /dev/stdin /etc/voiced/voiced.toml", input=text)

    def wait(self, what: str, predicate: Any, timeout_s: float, step_s: float = 0.25) -> Any:
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
