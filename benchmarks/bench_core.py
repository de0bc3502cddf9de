"""Core figures: CLI start-up against its baselines, and permission-group look-ups per run.

Ratios are taken in one run with the commands interleaved, so machine noise hits both sides alike.
Run: .venv/bin/python benchmarks/bench_core.py [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._common import CLOCK, PYTHON, interleaved_medians, machine_line  # noqa: E402

CLI = [str(Path(PYTHON).parent / "breeze-infra")]
COMMANDS = {
    "import pydantic, yaml": [PYTHON, "-c", "import pydantic, yaml"],
    "breeze-infra manifest --stack prod": [*CLI, "manifest", "--stack", "prod", "-o", os.devnull],
    "import pulumi_cloudflare": [PYTHON, "-W", "ignore", "-c", "import pulumi_cloudflare"],
    "breeze-infra synth --stack prod": [*CLI, "synth", "--stack", "prod"],
}


def manifest_loads_provider_sdk() -> bool:
    probe = (
        "import sys; from breeze_infra.cli import main; main(['manifest', '--stack', 'prod', '-o', "
        f"{os.devnull!r}]); print(any(m.startswith('pulumi') for m in sys.modules))"
    )
    out = subprocess.run(
        [PYTHON, "-c", probe], cwd=ROOT, check=True, capture_output=True, text=True
    )
    return out.stdout.strip() == "True"


def lookups(models: int, permissions: list[str]) -> int:
    from breeze_infra.sandbox.mocks import synthesize

    values = {
        "accountId": "0123456789abcdef0123456789abcdef",
        "models": [{"id": f"@cf/bench/model-{i}"} for i in range(models)],
        "token": {"permissions": permissions},
    }
    return len(synthesize("bench", values, datetime.now(UTC)).lookups)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    rounds = parser.parse_args().rounds
    os.environ["BREEZE_NOW"] = CLOCK
    median, _samples = interleaved_medians(COMMANDS, rounds)
    print(machine_line(f"{rounds} interleaved rounds"))
    print("| command | median wall time |")
    print("|---|---|")
    for name, value in median.items():
        print(f"| `{name}` | {value * 1000:.0f} ms |")
    manifest_ratio = median["breeze-infra manifest --stack prod"] / median["import pydantic, yaml"]
    synth_ratio = median["breeze-infra synth --stack prod"] / median["import pulumi_cloudflare"]
    print(f"\nmanifest / import pydantic, yaml = {manifest_ratio:.2f} (target <= 2.5)")
    print(f"synth / import pulumi_cloudflare = {synth_ratio:.2f} (target <= 1.5)")
    print(f"manifest path imports a pulumi module: {manifest_loads_provider_sdk()}")
    for models, permissions in [(1, ["read"]), (200, ["read"]), (200, ["read", "write"])]:
        print(
            f"permission-group look-ups, {models} model(s), {'+'.join(permissions)}: "
            f"{lookups(models, permissions)}"
        )


if __name__ == "__main__":
    main()
