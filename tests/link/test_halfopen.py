"""A half-open link (peer vanishes, no FIN, no RST) in a private network namespace."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = Path(__file__).with_name("halfopen_probe.py")


def netns_prefix() -> list[str]:
    """`unshare -n` as root; as anyone else a user namespace too (`-r`), or skip saying why."""
    if os.geteuid() == 0:
        return ["unshare", "-n"]
    probe = subprocess.run(["unshare", "-r", "-n", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(
            "needs root or unprivileged user namespaces for a private network namespace "
            f"(unshare -r -n: {probe.stderr.strip()}); run as root to include it"
        )
    return ["unshare", "-r", "-n"]


@pytest.mark.netns
def test_half_open_link_detected_within_default_bound() -> None:
    """With the default dead_link_s (10 s), a silent peer is noticed within 10 s, then healed."""
    out = subprocess.run(
        [*netns_prefix(), sys.executable, str(PROBE)], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["detected_s"] <= result["dead_link_s"] + 0.5, result
    assert result["detected_s"] >= 1.0, result  # it really was silent, not reset
    assert result["connections"] == 2, result
