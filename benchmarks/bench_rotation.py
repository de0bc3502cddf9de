"""Rotation figure: ``rotation`` and ``remind --dry-run`` for 249 consumers, requests and wall time.

Against the local emulator with 200 ms latency injected into every answer. Each consumer has both
slots' tokens; every other one still uses only its previous key three days before it stops (so
``remind`` has a message to write for half the fleet), the rest switched. Wall time is measured
in-process around what each command runs (``read_report``, then ``run_rotation`` or
``run_remind`` with ``dry_run``); the request count is the emulator's. The point: requests are the
token listing's pages alone (50 tokens a page), whatever ``remind`` has to say.
Run: .venv/bin/python benchmarks/bench_rotation.py [--consumers N] [--latency SECONDS]
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._common import machine_line  # noqa: E402
from breeze_infra.config import parse_config  # noqa: E402
from breeze_infra.reminders import read_report, run_remind, run_rotation  # noqa: E402
from breeze_infra.rotation import parse_time, plan_rotation, timestamp, token_name  # noqa: E402
from breeze_infra.sandbox.emulator import DEFAULT_TOKEN, CloudflareEmulator, TokenInfo  # noqa: E402

PLAN = plan_rotation(parse_time("2026-11-25T09:30:00Z"), 30)
NOW = PLAN.current.starts_on + timedelta(days=27, hours=1)


def fleet_tokens(names: list[str]) -> list[TokenInfo]:
    """The bootstrap token and both slots of every consumer; odd ones switched, even ones not."""
    used = timestamp(NOW - timedelta(hours=3))
    tokens = [TokenInfo(DEFAULT_TOKEN)]
    for index, name in enumerate(names):
        for slot in (PLAN.current, PLAN.previous):
            switched = index % 2 == 1
            in_use = (slot is PLAN.current) == switched
            record = {
                "name": token_name("fleet", slot, 0, name),
                "issued_on": timestamp(slot.starts_on),
                "expires_on": timestamp(slot.expires_on),
                **({"last_used_on": used} if in_use else {}),
            }
            tokens.append(TokenInfo(f"cfat_{name}{slot.name}".ljust(48, "0"), record=record))
    return tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consumers", type=int, default=249)
    parser.add_argument("--latency", type=float, default=0.2)
    args = parser.parse_args()

    names = [f"c{i:03d}" for i in range(args.consumers)]
    with CloudflareEmulator(tokens=fleet_tokens(names)) as emu:
        config = parse_config(
            {
                "accountId": emu.account_id,
                "models": [{"id": "@cf/meta/llama-3.1-8b-instruct"}],
                "consumers": [{"name": n, "contact": {"email": f"{n}@example.com"}} for n in names],
                "secrets": [{"backend": "vault", "mount": "secret", "path": "ai/{consumer}"}],
            },
            "bench",
            "fleet",
        )
        emu.latency = args.latency
        os.environ["CLOUDFLARE_BASE_URL"] = emu.base_url
        os.environ.pop("SSL_CERT_FILE", None)
        figures = {}
        for command in ("rotation", "remind --dry-run"):
            before = emu.total_requests
            started = time.perf_counter()
            report = read_report(
                config,
                "fleet",
                token=DEFAULT_TOKEN,
                now=NOW,
                consumers=None,
                stale_days=30,
                timeout=120.0,
                what=command,
            )
            out, err = io.StringIO(), io.StringIO()
            if command == "rotation":
                run_rotation(report, warn_days=7, as_json=False, out=out)
            else:
                run_remind(
                    config,
                    "fleet",
                    report,
                    warn_days=[7, 3, 1],
                    variable="HOOK",
                    environ={},
                    dry_run=True,
                    out=out,
                    err=err,
                )
            wall = time.perf_counter() - started
            lines = len(out.getvalue().splitlines())
            figures[command] = (emu.total_requests - before, wall, lines)
    print(machine_line(f"emulator on 127.0.0.1, {args.latency * 1000:.0f} ms latency per answer"))
    print(f"setup    {args.consumers} consumers, {2 * args.consumers} tokens, {timestamp(NOW)}")
    for command, (requests, wall, lines) in figures.items():
        print(f"{command:18s} {requests:4d} API requests  {wall:6.2f} s  {lines:4d} lines out")


if __name__ == "__main__":
    main()
