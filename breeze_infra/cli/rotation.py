"""``breeze-infra rotation``: which consumers still use the previous key, and by when they must
switch. One paged token listing (Account API Tokens Read) for the whole stack."""

from __future__ import annotations

import argparse
import os
import sys
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
from breeze_infra.cli.options import command_parser, consumer_options, stack_option, timeout_option
from breeze_infra.endpoints import TOKEN_ENV
from breeze_infra.exits import ExitCode

if TYPE_CHECKING:
    from breeze_infra.cli.options import Subparsers

HELP = Help(
    summary="who switched to the new key, who must switch by when, who is idle",
    description="Read the stack's tokens (one paged listing) and print, for each consumer, the "
    "current and\nprevious slot (created, expires, last used) and a verdict: switched, must "
    "switch by DATE,\nidle (neither key used for --stale-days) or not deployed.",
    examples=(
        "breeze-infra rotation --stack prod --all-consumers",
        "breeze-infra rotation --stack prod --json --warn-days 3 > rotation.json",
    ),
    env=(STACK, (TOKEN_ENV, "Account API Tokens Read"), BASE_URL, CLOCK),
    exits=(
        (ExitCode.OK, "nobody must switch within --warn-days"),
        (ExitCode.FAILED, "someone must switch within --warn-days, or Cloudflare failed"),
        BAD_INPUT_HELP,
    ),
)


def positive_days(value: int, option: str) -> int:
    if not 1 <= value <= 3650:
        raise bad_input(f"{option}: give a whole number of days from 1 to 3650")
    return value


def chosen_consumers(config: object, name: str, consumer: str | None) -> list[str] | None:
    """``--consumer`` checked against the stack file; None means every active consumer."""
    if not consumer:
        return None
    from breeze_infra.config import StackConfig
    from breeze_infra.consumers import find

    assert isinstance(config, StackConfig)
    try:
        find(config, consumer)
    except LookupError as exc:
        raise bad_input(f"{name}: {exc}") from None
    return [consumer]


def rotation(
    options: Globals,
    *,
    stack: str | None,
    consumer: str | None = None,
    stale_days: int = 30,
    warn_days: int = 7,
    as_json: bool = False,
    timeout: float = 60.0,
) -> int:
    from breeze_infra.reminders import read_report, run_rotation
    from breeze_infra.stacks import load_stack, stack_file

    name = chosen_stack(stack, "rotation", os.environ)
    assert name is not None
    config = load_stack(stack_file(options.stacks_folder(), name))
    positive_days(stale_days, "--stale-days")
    positive_days(warn_days, "--warn-days")
    report = read_report(
        config,
        name,
        token=bootstrap_token("rotation"),
        now=now(),
        consumers=chosen_consumers(config, name, consumer),
        stale_days=stale_days,
        timeout=timeout,
        what="rotation",
    )
    return run_rotation(report, warn_days=warn_days, as_json=as_json, out=sys.stdout)


def register(commands: Subparsers) -> None:
    """This command's options, and the adapter from them to its function's arguments."""

    def run(args: argparse.Namespace, options: Globals) -> int:
        return rotation(
            options,
            stack=args.stack,
            consumer=args.consumer,
            stale_days=args.stale_days,
            warn_days=args.warn_days,
            as_json=args.json,
            timeout=args.timeout,
        )

    parser = command_parser(commands, "rotation", HELP, run)
    stack_option(parser, "the stack whose consumers are judged")
    parser.add_argument(
        "--stale-days",
        type=int,
        default=30,
        metavar="DAYS",
        help="neither key used this long: idle (default: 30)",
    )
    parser.add_argument(
        "--warn-days",
        type=int,
        default=7,
        metavar="DAYS",
        help="exit 1 when someone must switch within this many days (default: 7)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    consumer_options(parser, "the default")
    timeout_option(parser, "the whole run")
