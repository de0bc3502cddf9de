"""The real engine at the account's ceiling: 249 consumers, a first `up`, a no-change `preview`, the
rotation `up` a window later, each timed, its API requests counted, its peak memory taken.

    python benchmarks/bench_fleet_engine.py [--consumers 249] [--latency 0.05]

Under the sandbox's set-up (the built engine ``.engine/bin/pulumi``, the strict fake provider
plugins in a private PULUMI_HOME, a file backend, every program command through
``breeze_infra.sandbox.inline``), with the Cloudflare emulator in this process answering each
request after ``--latency`` seconds. The stack has N consumers on 30-day windows and one Vault
write each (``breeze/{stack}/{consumer}``): 2N tokens and N secrets. The three commands:

1. ``pulumi up`` at the pinned clock (every token and write created);
2. ``pulumi preview --expect-no-changes`` (fails the benchmark if anything would change);
3. ``pulumi up`` with BREEZE_NOW and the emulator's clock a window later (one slot per consumer
   replaced, each write updated).

Peak memory is the resident set sampled from /proc every ``--sample`` seconds: the engine (the
``pulumi`` process and every plugin it starts, summed) and the program (the Python process that
serves it to the engine, ``sandbox.inline``). Prints one JSON line per command, then the date,
the machine and its load (the figure is in docs/figures.md). ``--skip-checkpoints`` runs the same
with PULUMI_SKIP_CHECKPOINTS=true, to show how much of the time and memory is the engine saving
the whole state after every step.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import PYTHON, ROOT, cpu_model, user_environment
from breeze_infra.rotation import parse_time, timestamp
from breeze_infra.sandbox import plugins, session
from breeze_infra.sandbox.emulator import CloudflareEmulator

ACCOUNT_ID = "0123456789abcdef0123456789abcdef"
STACK = "fleet"
FIRST = "2026-11-25T09:00:00Z"
"""The first ``up`` and the preview: window 692 of 30 days."""
ROTATION = timestamp(parse_time(FIRST) + timedelta(days=30))
"""The rotation ``up``: the same hour a window (30 days) later."""


def stack_text(consumers: int) -> str:
    lines = [
        "config:",
        f"  accountId: {ACCOUNT_ID}",
        "  models:",
        '    - id: "@cf/meta/llama-3.1-8b-instruct"',
        "  token:",
        "    rotationDays: 30",
        "  secrets:",
        "    - backend: vault",
        "      mount: secret",
        "      path: breeze/{stack}/{consumer}",
        "  consumers:",
    ]
    lines += [f"    - name: user-{i:03d}" for i in range(consumers)]
    return "\n".join(lines) + "\n"


def _rss_and_parents() -> dict[int, tuple[int, int]]:
    """Every process's (parent pid, resident KiB), read from /proc."""
    found: dict[int, tuple[int, int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            text = Path(entry.path, "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        rss = fields.get("VmRSS", "0 kB").split()[0]
        found[int(entry.name)] = (int(fields.get("PPid", "0")), int(rss))
    return found


@dataclass
class Peaks:
    """The largest resident sets seen while one command ran, in KiB."""

    program: int = 0
    engine: int = 0
    pulumi: int = 0
    samples: int = 0
    plugins: set[int] = field(default_factory=set)


def _sample(root: int, peaks: Peaks) -> None:
    table = _rss_and_parents()
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in table.items():
        children.setdefault(parent, []).append(pid)
    engine = 0
    pulumi = 0
    for top in children.get(root, []):
        pulumi = max(pulumi, table[top][1])
        stack = [top]
        while stack:
            pid = stack.pop()
            engine += table.get(pid, (0, 0))[1]
            if pid != top:
                peaks.plugins.add(pid)
            stack.extend(children.get(pid, []))
    peaks.program = max(peaks.program, table.get(root, (0, 0))[1])
    peaks.engine = max(peaks.engine, engine)
    peaks.pulumi = max(peaks.pulumi, pulumi)
    peaks.samples += 1


def timed_command(
    args: list[str], env: dict[str, str], cwd: Path, every: float
) -> tuple[float, Peaks, str]:
    """Wall seconds, peak memory and output of one command; a failing command stops the run."""
    peaks = Peaks()
    start = time.perf_counter()
    process = subprocess.Popen(
        args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(process.stdout or []), daemon=True)
    reader.start()
    while process.poll() is None:
        _sample(process.pid, peaks)
        time.sleep(every)
    reader.join()
    elapsed = time.perf_counter() - start
    text = "".join(output)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(args[3:6])} failed ({process.returncode}):\n{text[-3000:]}")
    return elapsed, peaks, text


def _summary(output: str) -> list[str]:
    """The engine's closing ``Resources:`` lines (``+ 6 created``, ``3 unchanged``...)."""
    lines = output.splitlines()
    if "Resources:" not in [line.strip() for line in lines]:
        return []
    start = max(i for i, line in enumerate(lines) if line.strip() == "Resources:")
    found = []
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        found.append(" ".join(line.split()))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consumers", type=int, default=249)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per API answer")
    parser.add_argument("--sample", type=float, default=0.2, help="seconds between /proc reads")
    parser.add_argument(
        "--skip-checkpoints",
        action="store_true",
        help="PULUMI_SKIP_CHECKPOINTS=true: the engine saves state once at the end instead of "
        "after every step (a diagnostic of where the time goes, not a setting to deploy with)",
    )
    options = parser.parse_args()
    pulumi = session.find_pulumi(ROOT, os.environ)
    load_before = os.getloadavg()
    clock = {"now": parse_time(FIRST)}
    with tempfile.TemporaryDirectory() as tmp, session.locked(Path(tmp)):
        folder = Path(tmp)
        session.prepare(folder, reset=False)
        project = session.copy_project(ROOT, folder)
        (project / "stacks" / f"Pulumi.{STACK}.yaml").write_text(stack_text(options.consumers))
        plugins.install(pulumi, folder / "pulumi-home")
        emulator = CloudflareEmulator(
            account_id=ACCOUNT_ID, latency=options.latency, clock=lambda: clock["now"]
        )
        with emulator:
            sandbox = session.environment(folder, ROOT, emulator.base_url)
            env = {
                **{
                    k: v
                    for k, v in user_environment().items()
                    if not k.startswith(("PULUMI_", "CLOUDFLARE_", "BREEZE_", "VIRTUAL_ENV"))
                },
                **sandbox,
                "PATH": f"{sandbox['PATH']}{os.pathsep}{os.environ['PATH']}",
                "PULUMI_IGNORE_AMBIENT_PLUGINS": "true",
                "PULUMI_SKIP_CONFIRMATIONS": "true",
                "NO_COLOR": "1",
            }
            if options.skip_checkpoints:
                env["PULUMI_SKIP_CHECKPOINTS"] = "true"
            inline = [PYTHON, "-m", "breeze_infra.sandbox.inline", pulumi]
            subprocess.run(
                [*inline, "stack", "init", STACK],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
            )
            steps = (
                ("first up", FIRST, ["up", "--yes"]),
                ("no-change preview", FIRST, ["preview", "--expect-no-changes"]),
                ("rotation up", ROTATION, ["up", "--yes"]),
            )
            for name, moment, args in steps:
                clock["now"] = parse_time(moment)
                emulator.reset_log()
                events = len(emulator.token_events)
                seconds, peaks, output = timed_command(
                    [*inline, *args, "--stack", STACK],
                    {**env, "BREEZE_NOW": moment},
                    ROOT,
                    options.sample,
                )
                methods = Counter(r.method for r in emulator.requests)
                writes = Counter(e.action for e in emulator.token_events[events:])
                print(
                    json.dumps(
                        {
                            "command": name,
                            "consumers": options.consumers,
                            "seconds": round(seconds, 1),
                            "api_requests": emulator.total_requests,
                            "by_method": dict(sorted(methods.items())),
                            "token_writes": dict(sorted(writes.items())),
                            "resources": _summary(output),
                            "peak_rss_mib": {
                                "engine": round(peaks.engine / 1024, 1),
                                "pulumi_alone": round(peaks.pulumi / 1024, 1),
                                "program": round(peaks.program / 1024, 1),
                            },
                            "plugin_processes": len(peaks.plugins),
                            "samples": peaks.samples,
                        }
                    ),
                    flush=True,
                )
            live = len(emulator.minted_tokens())
    print(
        json.dumps(
            {
                "tokens_live_at_end": live,
                "latency_s": options.latency,
                "skip_checkpoints": options.skip_checkpoints,
                "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                "machine": f"{cpu_model()}, {platform.machine()}, {os.cpu_count()} cores, "
                f"Python {platform.python_version()}",
                "load_before": [round(x, 2) for x in load_before],
                "load_after": [round(x, 2) for x in os.getloadavg()],
            }
        )
    )


if __name__ == "__main__":
    main()
