"""What every benchmark shares: the repository on sys.path, timing, the machine line, the backends.

A figure is only comparable with its date and machine, so every script prints ``machine_line``;
ratios are taken in one run with the commands interleaved (``interleaved_medians``), so machine
noise hits both sides alike.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
CLOCK = "2026-11-25T09:30:00Z"
"""The pinned clock (BREEZE_NOW) every benchmark runs the CLI under."""


def user_environment() -> dict[str, str]:
    """The environment as on a user's machine: Python caches bytecode there.

    Some machines (these build machines among them) export PYTHONDONTWRITEBYTECODE=1, which
    charges every run with compiling each module from source again; no user pays that after
    their first run, so the measured commands run without it.
    """
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def wall_time(command: Sequence[str], cwd: Path = ROOT) -> float:
    """Seconds one command takes, its output discarded; a failing command stops the benchmark."""
    start = time.perf_counter()
    subprocess.run(
        list(command),
        cwd=cwd,
        env=user_environment(),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def interleaved_medians(
    commands: Mapping[str, Sequence[str]], rounds: int, cwd: Path = ROOT
) -> tuple[dict[str, float], dict[str, list[float]]]:
    """One warm-up run each, then ``rounds`` rounds running every command in turn: the median
    wall time of each, and every sample."""
    for command in commands.values():
        wall_time(command, cwd)
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, command in commands.items():
            samples[name].append(wall_time(command, cwd))
    return {name: statistics.median(values) for name, values in samples.items()}, samples


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine_line(how: str) -> str:
    """``date: ..., machine: ...``: what docs/figures.md writes beside each figure."""
    return (
        f"date: {datetime.now(UTC):%Y-%m-%d}, machine: {cpu_model()}, {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {how}"
    )


def every_backend_entry() -> list[dict[str, Any]]:
    """One ``breeze-infra:secrets`` entry per registered backend, in the registry's order, each
    taken from its example stack (tests/test_examples.py keeps one example per backend)."""
    from breeze_infra.backends import NAMES
    from breeze_infra.stacks import read_namespace

    entries = []
    for name in NAMES:
        path = ROOT / "examples" / "stacks" / f"Pulumi.{name}.yaml"
        config = read_namespace(path)
        (entry,) = (e for e in config["secrets"] if e["backend"] == name)
        entries.append(entry)
    return entries
