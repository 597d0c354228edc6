"""The peer's own virtualenv (``.venv-peer``): openai-python's realtime extra.

``openai[realtime]`` pins ``websockets<16`` while voiced uses websockets 17, so the peer
cannot share the project venv. Created on first use with the base interpreter of the
running Python, then installed by package name through the ordinary pip (which reads
the machine's own index configuration). Idempotent: a stamp marks a finished install.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEER_VENV = ROOT / ".venv-peer"
PEER_PYTHON = PEER_VENV / "bin" / "python"
PEER_REQUIREMENT = os.environ.get("VOICED_BENCH_PEER", "openai[realtime]")
STAMP = PEER_VENV / ".voiced-bench-stamp"


def _base_python() -> str:
    base = getattr(sys, "_base_executable", None)
    if base and Path(base).exists():
        return str(base)
    return shutil.which("python3") or sys.executable


def _usable() -> bool:
    if not (PEER_PYTHON.exists() and STAMP.exists()):
        return False
    if STAMP.read_text().strip() != PEER_REQUIREMENT:
        return False
    check = subprocess.run(
        [str(PEER_PYTHON), "-c", "import openai, websockets, pydantic"],
        capture_output=True,
        check=False,
    )
    return check.returncode == 0


def ensure_peer_venv() -> Path:
    """Return the peer's python, creating and installing ``.venv-peer`` when needed."""
    if _usable():
        return PEER_PYTHON
    print(f"bench: preparing {PEER_VENV.name} ({PEER_REQUIREMENT}) …", file=sys.stderr)
    if not PEER_PYTHON.exists():
        subprocess.run([_base_python(), "-m", "venv", str(PEER_VENV)], check=True)
    subprocess.run(
        [str(PEER_PYTHON), "-m", "pip", "install", "-q", PEER_REQUIREMENT],
        check=True,
    )
    STAMP.write_text(PEER_REQUIREMENT + "\n")
    return PEER_PYTHON


if __name__ == "__main__":
    print(ensure_peer_venv())
