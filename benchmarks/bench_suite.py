"""Wall time of the unit suite on one worker against both cores (pytest-xdist), in one run.

The two runs alternate (serial, parallel, serial, parallel) so that a load spike on a shared
machine hits both alike; the figure is the ratio of the medians. The e2e suite is not included:
it is one engine at a time by design.

    .venv/bin/python benchmarks/bench_suite.py [ROUNDS]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODES = {"serial": ["-p", "no:xdist"], "parallel": ["-n", "auto"]}


def timed(arguments: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"the suite failed ({' '.join(arguments)}):\n{done.stdout[-2000:]}")
    return seconds


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    seconds: dict[str, list[float]] = {mode: [] for mode in MODES}
    for _ in range(rounds):
        for mode, arguments in MODES.items():
            seconds[mode].append(timed(arguments))
    serial, parallel = (statistics.median(seconds[mode]) for mode in MODES)
    print(
        json.dumps(
            {
                "cpus": os.cpu_count(),
                "rounds": rounds,
                "serial_s": round(serial, 1),
                "parallel_s": round(parallel, 1),
                "parallel_vs_serial": round(parallel / serial, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
