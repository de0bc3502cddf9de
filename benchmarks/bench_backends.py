"""Secrets backends: ``synth`` with every registered backend (all nine) against ``pulumi-stack`` alone, and which
provider SDKs a stack loads.

Target (issue 3): all nine within 2x the time of pulumi-stack alone; a backend's SDK is imported
only when a stack uses it. Both stacks are timed in one run, alternating, so machine noise hits
both sides alike.
Run: .venv/bin/python benchmarks/bench_backends.py [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._common import CLOCK, every_backend_entry, machine_line, wall_time  # noqa: E402
from breeze_infra.backends import backend_classes  # noqa: E402

PYTHON = sys.executable
BASE = {
    "accountId": "0123456789abcdef0123456789abcdef",
    "models": [{"id": "@cf/meta/llama-3.1-8b-instruct"}],
}
ALL_NINE = every_backend_entry()
STACKS = {"alone": [{"backend": "pulumi-stack"}], "nine": ALL_NINE}
PROBE = """
import sys
from breeze_infra.cli import main
main(sys.argv[1:])
print(" ".join(sorted({m.split(".")[0] for m in sys.modules if m.startswith("pulumi_")})),
      file=sys.stderr)
"""


def write_stacks(folder: Path) -> None:
    for name, secrets in STACKS.items():
        config = {f"breeze-infra:{k}": v for k, v in {**BASE, "secrets": secrets}.items()}
        (folder / f"Pulumi.{name}.yaml").write_text(yaml.safe_dump({"config": config}))


def synth(folder: Path, stack: str) -> list[str]:
    return [PYTHON, "-m", "breeze_infra", "--stacks-dir", str(folder), "synth", "--stack", stack]


def loaded_sdks(folder: Path, *args: str) -> list[str]:
    done = subprocess.run(
        [PYTHON, "-W", "ignore", "-c", PROBE, "--stacks-dir", str(folder), *args],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stderr.strip().splitlines()[-1].split() if done.stderr.strip() else []


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=9)
    rounds = max(parser.parse_args().rounds, 7)
    os.environ["BREEZE_NOW"] = CLOCK
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        write_stacks(folder)
        for stack in STACKS:
            wall_time(synth(folder, stack))
        samples: dict[str, list[float]] = {stack: [] for stack in STACKS}
        for _ in range(rounds):
            for stack in STACKS:
                samples[stack].append(wall_time(synth(folder, stack)))
        sdks = {
            "synth, pulumi-stack alone": loaded_sdks(folder, "synth", "--stack", "alone"),
            "synth, all nine": loaded_sdks(folder, "synth", "--stack", "nine"),
            "manifest, all nine": loaded_sdks(
                folder, "manifest", "--stack", "nine", "-o", os.devnull
            ),
        }
    median = {stack: statistics.median(values) for stack, values in samples.items()}
    ratio = median["nine"] / median["alone"]
    print(machine_line(f"{rounds} alternating rounds"))
    print("| breeze-infra synth | median wall time | min | max |")
    print("|---|---|---|---|")
    for stack, label in (("alone", "pulumi-stack alone"), ("nine", "all nine backends")):
        values = samples[stack]
        print(f"| {label} | {median[stack]:.2f} s | {min(values):.2f} s | {max(values):.2f} s |")
    verdict = "met" if ratio <= 2 else "NOT met"
    print(f"\nratio all nine / pulumi-stack alone: {ratio:.2f}x (target <= 2x: {verdict})")
    backend_sdks = sorted(entry.package for entry in backend_classes().values() if entry.package)
    print("\nprovider SDKs imported (pulumi_cloudflare is the core's):")
    for run, names in sdks.items():
        extra = [name for name in names if name in backend_sdks]
        print(f"  {run}: {', '.join(extra) or 'no backend SDK'} {json.dumps(names)}")


if __name__ == "__main__":
    main()
