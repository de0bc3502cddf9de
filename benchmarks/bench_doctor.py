"""Doctor figures: wall time of a 10-model ``doctor`` against one request's, and catalog requests.

Both against the local emulator with latency injected into every answer, so the ratio measures how
well the checks overlap, not the network. Single requests and doctor runs are interleaved in one
run so that machine noise hits both sides alike; medians are reported.
Run: .venv/bin/python benchmarks/bench_doctor.py [--rounds N] [--latency SECONDS]
"""

from __future__ import annotations

import argparse
import asyncio
import io
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
sys.path.insert(0, str(ROOT))

from benchmarks._common import cpu_model  # noqa: E402
from breeze_infra.cloudflare import CloudflareClient  # noqa: E402
from breeze_infra.doctor import MAX_CONCURRENT, api_key, run_doctor, target_from  # noqa: E402
from breeze_infra.rotation import current_time  # noqa: E402
from breeze_infra.sandbox.emulator import CloudflareEmulator, Model, TokenInfo, default_catalog  # noqa: E402
from breeze_infra.stacks import load_stack  # noqa: E402
from tests.online_cli import stack_text  # noqa: E402

KEY = "cfat_benchmarkKey000000000000000000000000000000"
MODELS = [f"@cf/bench/chat-model-{i:02d}" for i in range(10)]
PROMPT = [{"role": "user", "content": "ping"}]


def single_request(emu: CloudflareEmulator) -> float:
    """One 1-token completion, client set-up included, as doctor's own client pays it too."""

    async def once() -> None:
        async with CloudflareClient(KEY, base_url=emu.base_url) as client:
            await client.post_inference(emu.account_id, MODELS[0], PROMPT, max_tokens=1)

    started = time.perf_counter()
    asyncio.run(once())
    return time.perf_counter() - started


def doctor_in_process(stack: Path) -> tuple[float, int]:
    config = load_stack(stack)
    target = target_from(config, "bench", str(stack))
    out = io.StringIO()
    started = time.perf_counter()
    code = run_doctor(
        target,
        api_key(None, "", {"BREEZE_API_KEY": KEY}),
        now=current_time(),
        timeout=30,
        inference=True,
        out=out,
    )
    return time.perf_counter() - started, code


def cli(stacks: Path, *args: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "breeze_infra", "--stacks-dir", str(stacks), *args],
        cwd=ROOT,
        env=env,
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def catalog_requests(emu: CloudflareEmulator, stacks: Path, env: dict[str, str]) -> int:
    emu.reset_log()
    cli(stacks, "validate", "--online", "--stack", "bench", env=env)
    return emu.count(f"/accounts/{emu.account_id}/ai/models/search")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--latency", type=float, default=0.2)
    args = parser.parse_args()

    catalog = default_catalog() + [Model(m, "Text Generation") for m in MODELS]
    tokens = [TokenInfo(KEY, expires_on="2099-01-01T00:00:00Z")]
    with (
        tempfile.TemporaryDirectory() as folder,
        CloudflareEmulator(tokens=tokens, models=catalog) as emu,
    ):
        stacks = Path(folder)
        stack = stacks / "Pulumi.bench.yaml"
        stack.write_text(stack_text(MODELS, account_id=emu.account_id), encoding="utf-8")
        os.environ["CLOUDFLARE_BASE_URL"] = emu.base_url
        env = {**os.environ, "CLOUDFLARE_API_TOKEN": KEY, "BREEZE_API_KEY": KEY}

        listing = catalog_requests(emu, stacks, env)
        emu.latency = args.latency
        singles: list[float] = []
        doctors: list[float] = []
        doctor_cli: list[float] = []
        for _ in range(args.rounds):
            singles.append(single_request(emu))
            elapsed, code = doctor_in_process(stack)
            if code != 0:
                raise SystemExit(f"doctor failed (exit {code}); the benchmark needs a healthy run")
            doctors.append(elapsed)
            doctor_cli.append(cli(stacks, "doctor", "--stack", "bench", env=env))

    single = statistics.median(singles)
    doctor = statistics.median(doctors)
    whole = statistics.median(doctor_cli)
    checks = 2 + len(MODELS)
    print(f"date     {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(
        f"machine  {cpu_model()}, {platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}"
    )
    print(
        f"setup    emulator on 127.0.0.1, {args.latency * 1000:.0f} ms latency per answer, "
        f"{len(MODELS)} models, {checks} checks, at most {MAX_CONCURRENT} in flight, "
        f"{args.rounds} interleaved rounds, medians"
    )
    print(f"single request (1-token completion)   {single * 1000:7.0f} ms")
    print(
        f"doctor, in-process                    {doctor * 1000:7.0f} ms   "
        f"{doctor / single:.2f}x a single request (target <= 3x)"
    )
    print(
        f"doctor, CLI incl. interpreter start   {whole * 1000:7.0f} ms   "
        f"{whole / single:.2f}x (for reference)"
    )
    print(
        f"catalog requests per `validate --online` of a {len(MODELS)}-model stack: {listing} "
        "(target: one paged listing)"
    )


if __name__ == "__main__":
    main()
