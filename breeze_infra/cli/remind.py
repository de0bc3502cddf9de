"""``breeze-infra remind``: one chat message per person who must paste a new key, and a summary.

The webhook's URL is a secret and comes only from the environment variable ``--webhook-env``
names, never from argv or a stack file. A failing webhook fails this command alone (exit 1, one
line); no deployment waits on it.
"""

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
from breeze_infra.cli.options import command_parser, stack_option, timeout_option
from breeze_infra.cli.rotation import positive_days
from breeze_infra.endpoints import TOKEN_ENV
from breeze_infra.exits import ExitCode

if TYPE_CHECKING:
    from breeze_infra.cli.options import Subparsers

HELP = Help(
    summary="post a reminder to each person who must paste a new key (Slack-compatible webhook)",
    description="Judge the stack's consumers as `rotation` does and post, to the incoming "
    "webhook whose URL\nis in $VAR, one message per person who must switch (on the --warn-days "
    "days before the old\nkey stops) and one summary for the platform team. Nothing is sent "
    "when nobody is due.",
    examples=(
        "breeze-infra remind --stack prod --webhook-env SLACK_WEBHOOK_URL",
        "breeze-infra remind --stack prod --webhook-env SLACK_WEBHOOK_URL --dry-run",
    ),
    env=(STACK, (TOKEN_ENV, "Account API Tokens Read"), BASE_URL, CLOCK),
    exits=(
        (ExitCode.OK, "every message was taken, or there was nothing to send"),
        (ExitCode.FAILED, "the webhook did not take a message, or Cloudflare failed"),
        BAD_INPUT_HELP,
    ),
)


def parse_warn_days(text: str) -> list[int]:
    """``7,3,1``: the days before the old key stops on which a person is reminded."""
    try:
        days = sorted({int(part) for part in text.split(",")}, reverse=True)
    except ValueError:
        raise bad_input(f"--warn-days: '{text[:20]}' is not a list like 7,3,1") from None
    for day in days:
        positive_days(day, "--warn-days")
    return days


def remind(
    options: Globals,
    *,
    stack: str | None,
    webhook_env: str,
    warn_days: str = "7,3,1",
    stale_days: int = 30,
    dry_run: bool = False,
    timeout: float = 60.0,
) -> int:
    from breeze_infra.reminders import read_report, run_remind
    from breeze_infra.stacks import load_stack, stack_file

    if not webhook_env.isidentifier():
        raise bad_input(f"--webhook-env: '{webhook_env[:40]}' is not an environment variable name")
    days = parse_warn_days(warn_days)
    positive_days(stale_days, "--stale-days")
    name = chosen_stack(stack, "remind", os.environ)
    assert name is not None
    config = load_stack(stack_file(options.stacks_folder(), name))
    report = read_report(
        config,
        name,
        token=bootstrap_token("remind"),
        now=now(),
        consumers=None,
        stale_days=stale_days,
        timeout=timeout,
        what="remind",
    )
    return run_remind(
        config,
        name,
        report,
        warn_days=days,
        variable=webhook_env,
        environ=os.environ,
        dry_run=dry_run,
        out=sys.stdout,
        err=sys.stderr,
    )


def register(commands: Subparsers) -> None:
    """This command's options, and the adapter from them to its function's arguments."""

    def run(args: argparse.Namespace, options: Globals) -> int:
        return remind(
            options,
            stack=args.stack,
            webhook_env=args.webhook_env,
            warn_days=args.warn_days,
            stale_days=args.stale_days,
            dry_run=args.dry_run,
            timeout=args.timeout,
        )

    parser = command_parser(commands, "remind", HELP, run)
    stack_option(parser, "the stack whose people are reminded")
    parser.add_argument(
        "--webhook-env",
        required=True,
        metavar="VAR",
        help="the environment variable holding the incoming webhook's URL (never the URL itself)",
    )
    parser.add_argument(
        "--warn-days",
        default="7,3,1",
        metavar="N,N,...",
        help="remind on these days before the old key stops (default: 7,3,1)",
    )
    parser.add_argument(
        "--stale-days",
        type=int,
        default=30,
        metavar="DAYS",
        help="neither key used this long: idle, not reminded (default: 30)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print the messages instead of sending them"
    )
    timeout_option(parser, "the token listing")
