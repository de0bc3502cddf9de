"""The ``usage`` command with typed values: collect, render, and the chart when asked for."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

from breeze_infra.cloudflare import run_bounded
from breeze_infra.config import StackConfig
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

    report = run_bounded(work, timeout, "usage")
    (render_json if as_json else render_text)(report, out)
    if chart is not None:
        from breeze_infra.usage._chart import write_chart

        try:
            write_chart(report, chart)
        except ModuleNotFoundError:
            raise CommandError(
                "breeze-infra usage --chart needs matplotlib: python3 -m uv sync --group chart",
                ExitCode.BAD_INPUT,
            ) from None
    return 0
