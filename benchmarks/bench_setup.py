"""Wall time of the README's two commands from a fresh clone, before and after uv (issue 8).

Each command is read from the README of the commit measured, run in a fresh clone of that commit
in an empty folder, and timed whole (install and run). Package caches (pip's, uv's) stay as the
machine has them: the figure is what a developer with a warm cache waits, the case that repeats.
Runs alternate commits so that a load spike hits both alike.

    python3 benchmarks/bench_setup.py [BEFORE_COMMIT [AFTER_COMMIT]]
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEFORE = "30355a7"  # the last commit with pip and extras
MARKERS = ("main-command", "test-command")


def readme_block(clone: Path, marker: str) -> str:
    text = (clone / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"<!-- {marker} -->\n```sh\n(.+?)\n```\n<!-- /{marker} -->", text, re.S)
    if match is None:
        raise SystemExit(f"{marker}: no such block in the README of that commit")
    return match.group(1)


def timed(commit: str, marker: str) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        clone = Path(folder) / "breeze"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        subprocess.run(["git", "checkout", "-q", commit], cwd=clone, check=True)
        command = readme_block(clone, marker)
        started = time.perf_counter()
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", command],
            cwd=clone,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - started
    return {
        "commit": commit,
        "command": marker,
        "seconds": round(seconds, 1),
        "exit": done.returncode,
    }


def main() -> None:
    before = sys.argv[1] if len(sys.argv) > 1 else BEFORE
    after = sys.argv[2] if len(sys.argv) > 2 else "HEAD"
    after = subprocess.run(
        ["git", "rev-parse", "--short", after], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    results = [timed(commit, marker) for marker in MARKERS for commit in (before, after)]
    for row in results:
        print(json.dumps(row))
    for marker in MARKERS:
        old, new = (r["seconds"] for r in results if r["command"] == marker)
        assert isinstance(old, float) and isinstance(new, float)
        print(f"{marker}: {old} s before, {new} s after ({new / old:.2f}x)")


if __name__ == "__main__":
    main()
