"""The ``usage`` command with typed values: collect, render, and the chart when asked for."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

from breeze_infra.cloudflare import failure_line, run_bounded
from breeze_infra.config import StackConfig
from breeze_infra.errors import CloudflareError
from breeze_infra.exits import CommandError, ExitCode
from breeze_infra.usage._queries import reporting_client
from breeze_infra.usage._render import render_json, render_text
from breeze_infra.usage._report import UsageReport, collect


def run_usage(
    config: StackConfig,
    stack: str,
    *,
    token: str,
    now: datetime,
    since: timedelta,
    consumers: Sequence[str] | None,
    stale_days: int,
    as_json: bool,
    chart: Path | None,
    timeout: float,
    out: IO[str],
) -> int:
    """The ``usage`` command with typed values: 0 when the report was made."""

    async def work() -> UsageReport:
        async with reporting_client(token, timeout) as client:
            return await collect(
                client, config, stack, now, since, consumers=consumers, stale_days=stale_days
            )

    try:
        report = run_bounded(work, timeout, "usage")
    except CloudflareError as exc:
        raise CommandError(failure_line(exc, "usage"), ExitCode.FAILED) from None
    (render_json if as_json else render_text)(report, out)
    if chart is not None:
        _chart(report, chart, out)
    return 0


def _chart(report: UsageReport, chart: Path, out: IO[str]) -> None:
    """The SVG drawn whole in memory, then written by the one safe writer: a kill or a full disk
    leaves the previous chart, never a truncated one, and a failure names the file."""
    from breeze_infra.output import WriteError, write_one

    try:
        from breeze_infra.usage._chart import draw_chart

        svg = draw_chart(report)
    except ModuleNotFoundError:
        raise CommandError(
            "breeze-infra usage --chart needs matplotlib: python3 -m uv sync --group chart",
            ExitCode.BAD_INPUT,
        ) from None
    try:
        write_one(str(chart), svg, private=False, stdout=out)
    except WriteError as exc:
        raise CommandError(str(exc), ExitCode.BAD_INPUT) from None
