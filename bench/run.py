"""`make bench`: every benchmark, then bench/results/README.md from their reports.

Runs bench/link_bench.py, then bench/audio_bench.py, panel_bench.py, talk_bench.py and
wake_bench.py (hands-free: wake word, echo cancellation) when they exist, each as its own
process with this Python (the project venv). Each writes bench/results/<name>.json and
bench/results/<name>.md; the .md files are joined, in a fixed order, into
bench/results/README.md. The peer's venv (.venv-peer) is created first when missing. Extra
arguments are passed to every benchmark script unchanged.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
sys.path.insert(0, str(BENCH))

from peer_venv import ensure_peer_venv  # noqa: E402

SCRIPTS = (
    "link_bench.py",
    "startup_bench.py",
    "audio_bench.py",
    "panel_bench.py",
    "talk_bench.py",
    "rest_bench.py",
    "wake_bench.py",
)
ORDER = ("link.md", "startup.md", "audio.md", "panel.md", "talk.md", "rest.md", "handsfree.md")


def run_benchmarks(extra: list[str]) -> list[str]:
    """Run each benchmark that exists; return the names of those that failed."""
    failed = []
    for script in SCRIPTS:
        path = BENCH / script
        if not path.exists():
            print(f"bench: {script} not present, skipped", file=sys.stderr)
            continue
        print(f"bench: {script}", file=sys.stderr)
        started = time.monotonic()
        code = subprocess.run([sys.executable, str(path), *extra], cwd=ROOT, check=False)
        took = time.monotonic() - started
        if code.returncode != 0:
            failed.append(script)
            print(f"bench: {script} FAILED ({code.returncode}) after {took:.0f} s", file=sys.stderr)
        else:
            print(f"bench: {script} done in {took:.0f} s", file=sys.stderr)
    return failed


def write_readme() -> Path:
    """Join bench/results/*.md (known ones first) into bench/results/README.md."""
    reports = [p for p in RESULTS.glob("*.md") if p.name != "README.md"]
    reports.sort(key=lambda p: (ORDER.index(p.name) if p.name in ORDER else len(ORDER), p.name))
    parts = [
        "# Benchmark results",
        "",
        "Produced by `make bench` (`.venv/bin/python bench/run.py`); each section comes from "
        "`bench/results/<name>.md`, raw numbers in `<name>.json`.",
        "",
    ]
    for report in reports:
        parts += [report.read_text().rstrip(), ""]
    readme = RESULTS / "README.md"
    readme.write_text("\n".join(parts))
    return readme


def main() -> int:
    ensure_peer_venv()
    RESULTS.mkdir(parents=True, exist_ok=True)
    failed = run_benchmarks(sys.argv[1:])
    readme = write_readme()
    print(f"bench: wrote {readme.relative_to(ROOT)}", file=sys.stderr)
    if failed:
        print(f"bench: failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
