"""Usage figure: ``breeze-infra usage`` for 249 consumers over 30 days, requests and wall time.

Against the local emulator with 200 ms latency injected into every answer. Each consumer has its
two tokens and all share the stack's gateway (249 gateways exceed any plan's 20); traffic on two
models every hour of the 30 days, and another stack's, is seeded into the gateway dataset; Workers AI's dataset gets the same per model. Wall time is
measured in-process around ``collect`` (what ``run_usage`` calls); the request count is the
emulator's. The point: requests stay constant in the number of consumers (one paged query per
dataset, one token listing), so wall time is a few round trips whatever the fleet.
Run: .venv/bin/python benchmarks/bench_usage.py [--consumers N] [--days D] [--latency SECONDS]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._common import cpu_model  # noqa: E402
from breeze_infra.config import parse_config  # noqa: E402
from breeze_infra.gateway import gateway_ids  # noqa: E402
from breeze_infra.rotation import timestamp  # noqa: E402
from breeze_infra.sandbox.emulator import DEFAULT_TOKEN, CloudflareEmulator, TokenInfo  # noqa: E402
from breeze_infra.sandbox.emulator._gateway import GatewayUsage, InferenceUsage, hour_of  # noqa: E402
from breeze_infra.usage import collect, reporting_client  # noqa: E402

MODELS = ("@cf/meta/llama-3.1-8b-instruct", "@cf/openai/gpt-oss-20b")


def fleet_tokens(names: list[str]) -> list[TokenInfo]:
    """The bootstrap token and both slots of every consumer, each used a day ago."""
    return [TokenInfo(DEFAULT_TOKEN)] + [
        TokenInfo(
            f"cfat_{name}{slot}" + "0" * 36,
            record={
                "name": f"breeze-infra fleet/{name} slot-{slot} w1 g0",
                "last_used_on": "2026-11-30T00:00:00Z",
            },
        )
        for name in names
        for slot in "ab"
    ]


def hourly_usage(
    gateway: str, now: datetime, days: int, hours: int, consumers: int
) -> tuple[list[GatewayUsage], list[InferenceUsage]]:
    """One group per hour and model for the stack's gateway, and one of another stack's."""
    usage, inference = [], []
    for day in range(days):
        for hour in range(hours):
            moment = hour_of(now - timedelta(days=day + 1, hours=-hour))
            for model in MODELS:
                inference.append(InferenceUsage(model, moment, consumers, 10.0))
                usage.append(GatewayUsage(gateway, model, moment, 2 * consumers, 20, 4))
                usage.append(GatewayUsage("another-stack", model, moment, 7))
    return usage, inference


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consumers", type=int, default=249)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--hours-per-day", type=int, default=24)
    args = parser.parse_args()

    now = datetime(2026, 12, 1, tzinfo=UTC)
    names = [f"c{i:03d}" for i in range(args.consumers)]
    with CloudflareEmulator(tokens=fleet_tokens(names)) as emu:
        config = parse_config(
            {
                "accountId": emu.account_id,
                "models": [{"id": m} for m in MODELS],
                "consumers": [{"name": n} for n in names],
                "gateway": {},
            },
            "bench",
            "fleet",
        )
        # 249 gateways exceed any plan (20 at most): the consumers share the stack's gateway, and
        # per-consumer figures are their keys' last use.
        (gateway,) = set(gateway_ids(config, "fleet").values())
        usage, inference = hourly_usage(gateway, now, args.days, args.hours_per_day, len(names))
        emu.gateways.add_usage(usage, inference)
        emu.latency = args.latency
        os.environ["CLOUDFLARE_BASE_URL"] = emu.base_url
        os.environ.pop("SSL_CERT_FILE", None)

        async def run() -> tuple[int, float]:
            async with reporting_client(DEFAULT_TOKEN, 120.0) as client:
                started = time.perf_counter()
                report = await collect(client, config, "fleet", now, timedelta(days=args.days))
                wall = time.perf_counter() - started
            return sum(r.requests for r in report.gateways), wall

        seen, wall = asyncio.run(run())
        requests = emu.total_requests
    print(f"date     {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(
        f"machine  {cpu_model()}, {platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}"
    )
    print(
        f"setup    emulator on 127.0.0.1, {args.latency * 1000:.0f} ms latency per answer, "
        f"{args.consumers} consumers on one gateway, {args.days} days x "
        f"{args.hours_per_day} h x {len(MODELS)} models = {len(usage)} gateway groups "
        f"(window ending {timestamp(now)})"
    )
    print(f"wall time                      {wall:6.2f} s")
    print(f"API requests                   {requests:6d}     (GraphQL pages + token listing)")
    print(f"gateway requests reported      {seen:6d}")


if __name__ == "__main__":
    main()
