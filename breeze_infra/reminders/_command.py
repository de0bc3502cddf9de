"""``rotation`` and ``remind`` with typed values: read the listing once, judge, print or send."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import IO

import httpx

from breeze_infra.cloudflare import open_client, run_bounded
from breeze_infra.config import StackConfig
from breeze_infra.consumers import audiences
from breeze_infra.errors import CloudflareError
from breeze_infra.exits import CommandError, ExitCode
from breeze_infra.reminders._messages import due, personal, summary
from breeze_infra.reminders._render import render_json, render_text
from breeze_infra.reminders._verdicts import RotationReport, collect_rotation
from breeze_infra.reminders._webhook import deliver, webhook_problem


def read_report(
    config: StackConfig,
    stack: str,
    *,
    token: str,
    now: datetime,
    consumers: Sequence[str] | None,
    stale_days: int,
    timeout: float,
    what: str,
) -> RotationReport:
    async def work() -> RotationReport:
        async with open_client(token, timeout, what) as client:
            return await collect_rotation(
                client, config, stack, now, consumers=consumers, stale_days=stale_days
            )

    try:
        return run_bounded(work, timeout, what)
    except CloudflareError as exc:
        raise CommandError(f"breeze-infra {what}: {exc}", ExitCode.FAILED) from None


def run_rotation(report: RotationReport, *, warn_days: int, as_json: bool, out: IO[str]) -> int:
    """Print the report; 1 when someone must switch within ``warn_days``, else 0."""
    (render_json if as_json else render_text)(report, warn_days, out)
    at_risk = any(e.at_risk(warn_days) for e in report.consumers)
    return ExitCode.FAILED if at_risk else ExitCode.OK


def run_remind(
    config: StackConfig,
    stack: str,
    report: RotationReport,
    *,
    warn_days: Sequence[int],
    variable: str,
    environ: Mapping[str, str],
    dry_run: bool,
    out: IO[str],
    err: IO[str],
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] | None = None,
) -> int:
    """Send (or with ``dry_run`` print) one message per person due a reminder and one summary;
    nothing when nobody is. 1 when the webhook did not take a message."""
    reminded = due(report, warn_days)
    by_name = {a.name: a for a in audiences(config)}
    messages = [personal(config, stack, entry, by_name[entry.consumer]) for entry in reminded]
    if messages:
        messages.append(summary(stack, report, reminded))
    url = environ.get(variable, "").strip()
    if dry_run:
        for message in messages:
            print(json.dumps(message, ensure_ascii=False), file=out)
        print(f"dry run: {len(messages)} message(s) not sent", file=err)
        return ExitCode.OK
    if not messages:
        print(f"nobody to remind in {stack}: nothing sent", file=err)
        return ExitCode.OK
    problem = "is not set" if not url else webhook_problem(url, variable)
    if problem == "is not set":
        problem = f"${variable} is not set; export the incoming webhook's URL in it"
    if problem:
        raise CommandError(f"breeze-infra remind: {problem}", ExitCode.BAD_INPUT)
    done = deliver(url, variable, messages, transport=transport, sleep=sleep or time.sleep)
    if done.failed:
        print(f"breeze-infra remind: {done.failed} ({done.sent} sent)", file=err)
        return ExitCode.FAILED
    print(f"sent {done.sent} message(s) for {stack}", file=err)
    return ExitCode.OK
