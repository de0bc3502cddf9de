"""Doctor fleet figure: ``doctor --all-consumers --no-inference`` over 249 consumers, and its rate.

Against the local emulator with 200 ms latency injected into every answer; each consumer has its
own key (249 consumers x 2 tokens per rotation overlap = 498, inside the 500-token account quota).
Wall time is measured in-process around ``run_fleet`` (what ``_doctor`` calls once every consumer
is read); the peak request rates are counted from the arrival times the emulator recorded.
Run: .venv/bin/python benchmarks/bench_doctor_fleet.py [--consumers N] [--latency SECONDS]
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._common import cpu_model  # noqa: E402
from breeze_infra.doctor import CONSUMERS_AT_ONCE, Consumer, Target, run_fleet  # noqa: E402
from breeze_infra.limiter import (  # noqa: E402
    CLOUDFLARE_WINDOW,
    CLOUDFLARE_WINDOW_REQUESTS,
    DOCTOR_LIMITS,
    RequestLimiter,
)
from breeze_infra.rotation import current_time  # noqa: E402
from breeze_infra.sandbox.emulator import CloudflareEmulator, TokenInfo  # noqa: E402


def most_in_any(times: list[float], span: float) -> int:
    """The largest number of requests that arrived in any interval [t, t + span)."""
    ordered = sorted(times)
    most, start = 0, 0
    for end, moment in enumerate(ordered):
        while ordered[start] <= moment - span:
            start += 1
        most = max(most, end - start + 1)
    return most


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consumers", type=int, default=249)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()

    keys = [f"cfat_fleet{i:04d}" + "0" * 36 for i in range(args.consumers)]
    tokens = [TokenInfo(key, expires_on="2099-01-01T00:00:00Z") for key in keys]
    with CloudflareEmulator(tokens=tokens) as emu:
        os.environ["CLOUDFLARE_BASE_URL"] = emu.base_url
        consumers = [
            Consumer(
                f"consumer c{i:03d}:",
                Target("fleet", "bench", emu.account_id, "account", 30, ()),
                key,
            )
            for i, key in enumerate(keys)
        ]
        emu.latency = args.latency
        limiter = RequestLimiter(DOCTOR_LIMITS)
        out = io.StringIO()
        started = time.perf_counter()
        code = run_fleet(
            consumers,
            now=current_time(),
            timeout=args.timeout,
            inference=False,
            out=out,
            limiter=limiter,
        )
        wall = time.perf_counter() - started
        arrivals = [r.at for r in emu.requests]
    if code != 0:
        print(out.getvalue())
        raise SystemExit(f"doctor failed (exit {code}); the benchmark needs a healthy run")
    report(args, wall, arrivals, limiter.admitted)


def report(args: argparse.Namespace, wall: float, arrivals: list[float], admitted: int) -> None:
    """The figure as the README quotes it: wall time, and the peaks against the limits."""
    per_second = most_in_any(arrivals, 1.0)
    per_window = most_in_any(arrivals, CLOUDFLARE_WINDOW)
    limits = DOCTOR_LIMITS
    print(f"date     {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(
        f"machine  {cpu_model()}, {platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}"
    )
    print(
        f"setup    emulator on 127.0.0.1, {args.latency * 1000:.0f} ms latency per answer, "
        f"{args.consumers} consumers, --no-inference, {CONSUMERS_AT_ONCE} consumers at once, "
        f"limiter {limits.in_flight} in flight / {limits.rate:g} per s (burst {limits.burst}) / "
        f"{limits.window_requests} per {limits.window_seconds:g} s"
    )
    print(f"wall time                      {wall:6.2f} s   (target <= 10 s)")
    print(f"requests the emulator saw      {len(arrivals):6d}     (limiter admitted {admitted})")
    print(
        f"peak requests in any 1 s       {per_second:6d}     "
        f"(bucket allows {limits.burst + limits.rate:g})"
    )
    print(
        f"peak requests in any 5 min     {per_window:6d}     (budget {limits.window_requests}, "
        f"Cloudflare's limit {CLOUDFLARE_WINDOW_REQUESTS})"
    )


if __name__ == "__main__":
    main()
