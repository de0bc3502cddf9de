"""The first hour, timed: from a fresh clone (engine already built) to a first sandbox `pulumi up`.

    python benchmarks/bench_first_hour.py [ENGINE_DIR]

Clones this repository (the committed HEAD) into a temporary folder, links the built engine
(``.engine``, as ``engine/build.sh`` leaves it; ENGINE_DIR, default ``<repo>/.engine``), and runs
the commands of docs/tutorial.md up to the first ``pulumi up``, each timed: the install, the
sandbox start (until it prints its line), then in a shell that sourced it ``pulumi stack init``,
``pulumi config set`` and ``pulumi up``. Prints one JSON line per command and the total, with the
date, the machine and its load (the figure is in docs/figures.md).
"""

from __future__ import annotations

import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import ROOT, cpu_model, user_environment

SHELL_STEPS = (
    "pulumi stack init dev",
    "pulumi config set breeze-infra:accountId fedcba9876543210fedcba9876543210 --stack dev",
    "pulumi up --yes --stack dev",
)


def _timed(command: str, cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(["bash", "-c", command], cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    engine = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / ".engine"
    env = {
        k: v
        for k, v in user_environment().items()
        if not k.startswith(("PULUMI_", "CLOUDFLARE_", "BREEZE_", "VIRTUAL_ENV", "UV_"))
    }
    steps: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        clone = Path(tmp) / "breeze-infra"
        start = time.perf_counter()
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        steps.append(("git clone", time.perf_counter() - start))
        (clone / ".engine").symlink_to(engine.resolve())
        install = "python3 -m uv sync --locked -q"
        steps.append((install, _timed(install, clone, env)))
        start = time.perf_counter()
        sandbox = subprocess.Popen(
            [".venv/bin/breeze-infra", "sandbox", "--port", "8799"],
            cwd=clone,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert sandbox.stdout is not None
        line = sandbox.stdout.readline().strip()
        steps.append(
            (".venv/bin/breeze-infra sandbox (until its line)", time.perf_counter() - start)
        )
        try:
            for command in SHELL_STEPS:
                steps.append((command, _timed(f"{line} && {command}", clone, env)))
        finally:
            sandbox.send_signal(signal.SIGINT)
            sandbox.communicate(timeout=60)
    for command, seconds in steps:
        print(json.dumps({"command": command, "seconds": round(seconds, 1)}))
    total = sum(seconds for _, seconds in steps)
    print(
        json.dumps(
            {
                "total_seconds": round(total, 1),
                "commands": len(steps),
                "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                "machine": f"{cpu_model()}, {platform.machine()}, {os.cpu_count()} cores",
                "load_1min": round(os.getloadavg()[0], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
