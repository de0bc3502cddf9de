"""Consumers at scale: `breeze-infra synth` with 50 and 500 consumers, time and peak memory.

Each run is a fresh `breeze-infra synth --json` process on a generated stack file; sizes are
interleaved so noise hits both alike. 500 active consumers need 1,000 tokens, over Cloudflare's
500-token account quota that validation enforces, so these processes alone raise the quota they
check against; nothing else differs from `breeze-infra synth`.
Run: .venv/bin/python benchmarks/bench_consumers.py
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def stack_text(consumers: int) -> str:
    lines = [
        "config:",
        "  breeze-infra:accountId: 0123456789abcdef0123456789abcdef",
        "  breeze-infra:models:",
        '    - id: "@cf/meta/llama-3.1-8b-instruct"',
        '    - id: "@cf/openai/gpt-oss-20b"',
        "  breeze-infra:consumers:",
    ]
    lines += [f"    - name: user-{i:03d}" for i in range(consumers)]
    return "\n".join(lines) + "\n"


def run(stacks: Path, stack: str) -> tuple[float, int, int]:
    """Wall seconds, the process's own peak RSS in KiB, permission-group look-ups."""
    argv = ["--stacks-dir", str(stacks), "synth", "--stack", stack, "--json"]
    program = (
        "import atexit, resource, sys; atexit.register(lambda: print("
        "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)); "
        "import breeze_infra.config as c; c.TOKEN_QUOTA['account'] = 10_000; "
        f"from breeze_infra.cli import main; raise SystemExit(main({argv!r}))"
    )
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"synth --stack {stack} failed: {done.stderr.strip()[-500:]}")
    peak = int(done.stderr.strip().splitlines()[-1])
    return elapsed, peak, json.loads(done.stdout)["permissionGroupLookups"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    os.environ["BREEZE_NOW"] = "2026-11-25T09:30:00Z"
    sizes = (50, 500)
    with tempfile.TemporaryDirectory() as folder:
        stacks = Path(folder)
        for size in sizes:
            (stacks / f"Pulumi.c{size}.yaml").write_text(stack_text(size))
        samples: dict[int, list[tuple[float, int, int]]] = {size: [] for size in sizes}
        for _ in range(rounds):
            for size in sizes:
                samples[size].append(run(stacks, f"c{size}"))
    print(
        f"date: {datetime.now(UTC):%Y-%m-%d}, machine: {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {rounds} interleaved rounds"
    )
    print("| consumers | median synth wall time | peak RSS | permission-group look-ups |")
    print("|---|---|---|---|")
    medians = {}
    for size in sizes:
        medians[size] = statistics.median(s[0] for s in samples[size])
        rss = max(s[1] for s in samples[size]) / 1024
        lookups = {s[2] for s in samples[size]}
        print(
            f"| {size} | {medians[size]:.1f} s | {rss:.0f} MiB | {', '.join(map(str, sorted(lookups)))} |"
        )
    print(
        f"\nt(500)/t(50) = {medians[500] / medians[50]:.2f} (target <= 12); t(500) target <= 30 s"
    )


if __name__ == "__main__":
    main()
