"""``breeze-infra usage``: who used the environment's Workers AI, how much, and which keys sit idle.

The report itself (GraphQL queries, paging, rendering, the chart) lives in ``breeze_infra.usage``;
this module turns the command line into its typed values.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from breeze_infra.cli.common import (
    BAD_INPUT_HELP,
    BASE_URL,
    CLOCK,
    STACK,
    Globals,
    Help,
    bad_input,
    bootstrap_token,
    chosen_stack,
    now,
)
from breeze_infra.cli.options import (
    command_parser,
    consumer_options,
    stack_option,
    timeout_option,
    whole,
)
from breeze_infra.endpoints import GATEWAY_ROOT_ENV, TOKEN_ENV
from breeze_infra.exits import ExitCode

if TYPE_CHECKING:
    from breeze_infra.cli.options import Subparsers

HELP = Help(
    summary="requests, tokens and cost per gateway and model; keys not used lately",
    description="Report an environment's Workers AI use from Cloudflare's analytics: per "
    "gateway and model,\nrequests, tokens in and out, errors, rate-limited requests and "
    "cost; account-wide neurons\nper model; when each consumer's keys were last used, and "
    "the consumers whose keys sat idle.",
    examples=(
        "breeze-infra usage --stack prod --since 30d",
        "breeze-infra usage --stack prod --json --chart usage.svg > usage.json",
    ),
    env=(
        STACK,
        (TOKEN_ENV, "Account Analytics Read, AI Gateway Read, token read"),
        BASE_URL,
        (GATEWAY_ROOT_ENV, "the AI Gateway root (tests, sandbox)"),
        CLOCK,
    ),
    exits=(
        (ExitCode.OK, "the report was made"),
        (ExitCode.FAILED, "Cloudflare refused or could not be reached in time"),
        BAD_INPUT_HELP,
    ),
)


def usage(
    options: Globals,
    *,
    stack: str | None,
    since: str = "7d",
    stale_days: int = 30,
    consumer: str | None = None,
    as_json: bool = False,
    chart: Path | None = None,
    timeout: float = 60.0,
) -> int:
    """The report for one stack; 0 when it was made."""
    from breeze_infra.stacks import load_stack, stack_file
    from breeze_infra.usage import parse_since, run_usage

    name = chosen_stack(stack, "usage", os.environ)
    assert name is not None
    config = load_stack(stack_file(options.stacks_folder(), name))
    try:
        span = parse_since(since)
    except ValueError as exc:
        raise bad_input(str(exc)) from None
    if stale_days < 1:
        raise bad_input("--stale-days: give a whole number of days >= 1")
    if consumer:
        from breeze_infra.consumers import find

        try:
            find(config, consumer)
        except LookupError as exc:
            raise bad_input(f"{name}: {exc}") from None
    return run_usage(
        config,
        name,
        token=bootstrap_token("usage"),
        now=now(),
        since=span,
        consumers=[consumer] if consumer else None,
        stale_days=stale_days,
        as_json=as_json,
        chart=chart,
        timeout=timeout,
        out=sys.stdout,
    )


def register(commands: Subparsers) -> None:
    """This command's options, and the adapter from them to its function's arguments."""

    def run(args: argparse.Namespace, options: Globals) -> int:
        return usage(
            options,
            stack=args.stack,
            since=args.since,
            stale_days=args.stale_days,
            consumer=args.consumer,
            as_json=args.json,
            chart=args.chart,
            timeout=args.timeout,
        )

    parser = command_parser(
        commands,
        "usage",
        HELP,
        run,
    )
    stack_option(parser, "the stack to report on")
    parser.add_argument("--since", default="7d", help="how far back: 7d, 24h (default: 7d)")
    parser.add_argument(
        "--stale-days",
        type=whole(1, 3650),
        default=30,
        metavar="DAYS",
        help="keys unused this long (1-3650) are listed with the change that revokes them "
        "(default: 30)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument(
        "--chart",
        type=Path,
        metavar="FILE.svg",
        help="also draw requests per day (needs matplotlib)",
    )
    consumer_options(parser, "the default")
    timeout_option(parser, "the whole run")
