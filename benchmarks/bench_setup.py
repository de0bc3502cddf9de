"""Wall time of the README's two commands from a fresh clone, before and after uv (issue 8).

Each command is read from the README of the commit measured, run in a fresh clone of that commit
in an empty folder, and timed twice: its install step alone (everything up to the first use of
.venv/bin), then the whole command in another fresh clone. The whole test command also runs the
suite, which grew between the commits; the install step is the like-for-like figure. Package caches (pip's, uv's) stay as the
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


def install_step(command: str) -> str:
    """The command's prefix that installs: its ' && ' parts before the first that runs .venv/bin."""
    parts = command.split(" && ")
    first_use = next(i for i, part in enumerate(parts) if part.startswith(".venv/bin/"))
    return " && ".join(parts[:first_use])


def timed(commit: str, marker: str, install_only: bool) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        clone = Path(folder) / "breeze"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        subprocess.run(["git", "checkout", "-q", commit], cwd=clone, check=True)
        command = readme_block(clone, marker)
        if install_only:
            command = install_step(command)
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
    results = []
    for marker in MARKERS:
        for install_only in (True, False):
            for commit in (before, after):
                results.append(timed(commit, marker, install_only))
                print(json.dumps(results[-1]), flush=True)
    for marker in MARKERS:
        for part in ("install", "whole"):
            old, new = (
                float(str(r["seconds"]))
                for r in results
                if r["command"] == marker and r["part"] == part
            )
            print(f"{marker} ({part}): {old} s before, {new} s after ({new / old:.2f}x)")


if __name__ == "__main__":
    main()
