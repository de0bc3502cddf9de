"""The pieces every command's options are made of: the one-line-misuse parser, the global
options, and the options several commands share (``--stack``, ``--timeout``, ``--consumer``).

The global options (``--stacks-dir``, ``--debug``, ``-C/--cwd``) are accepted before or after
the command, as Pulumi accepts its own: each subparser repeats them with ``SUPPRESS`` defaults,
so a value given after the command overrides one given before, and none erases it.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from breeze_infra.cli.common import Globals, Help
from breeze_infra.endpoints import STACK_ENV
from breeze_infra.exits import CommandError, ExitCode
from breeze_infra.messages import short

Run = Callable[[argparse.Namespace, Globals], int]


class Parser(argparse.ArgumentParser):
    """argparse that reports misuse in one line naming the option, exit 2, never the usage."""

    def error(self, message: str) -> NoReturn:
        raise CommandError(f"{self.prog}: {message}", ExitCode.BAD_INPUT)


if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[Parser]


def global_options(parser: argparse.ArgumentParser, default: Any) -> None:
    parser.add_argument(
        "--stacks-dir",
        type=Path,
        default=default,
        metavar="DIR",
        help="folder of Pulumi.<stack>.yaml files (default: stackConfigDir of the nearest "
        "Pulumi.yaml)",
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        default=default if default is argparse.SUPPRESS else False,
        help="log each Cloudflare request and retry to stderr (tokens are redacted)",
    )
    parser.add_argument(
        "-C",
        "--cwd",
        type=Path,
        default=default,
        metavar="DIR",
        help="run as if breeze-infra had been started in DIR (like pulumi -C)",
    )


def command_parser(commands: Subparsers, name: str, help: Help, run: Run) -> Parser:
    parser = commands.add_parser(
        name,
        help=help.summary,
        description=help.description,
        epilog=help.epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    global_options(parser, argparse.SUPPRESS)
    parser.set_defaults(run=run)
    return parser


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds > 0")
    return value


def whole(low: int, high: int) -> Callable[[str], int]:
    """A parser type for a whole number in ``low..high``: anything else is refused by the parser
    (exit 2, naming the flag), never passed on to fail later in Python's words."""

    def parse(text: str) -> int:
        stripped = text.strip()
        value = int(stripped) if stripped.isascii() and stripped.isdigit() else None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"'{short(text, 20)}' is not a whole number from {low:,} to {high:,}"
            )
        return value

    return parse


def timeout_option(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--timeout",
        type=seconds,
        default=60.0,
        metavar="SECONDS",
        help=f"upper bound on {what}, retries included (default: 60)",
    )


def consumer_options(parser: argparse.ArgumentParser, all_help: str) -> None:
    chosen = parser.add_mutually_exclusive_group()
    chosen.add_argument("--consumer", metavar="NAME", help="in a stack with consumers: this one")
    chosen.add_argument(
        "--all-consumers", action="store_true", help=f"every active consumer; {all_help}"
    )


def stack_name(text: str) -> str:
    """A parser type for ``--stack``: Pulumi's rule for a stack's name (``stacks.STACK_NAME``),
    so that every command refuses a bad one in one line naming the flag, before reading a file."""
    from breeze_infra.stacks import stack_name_problem

    problem = stack_name_problem(text)
    if problem is not None:
        raise argparse.ArgumentTypeError(f"stack '{short(text)}': {problem}")
    return text


def stack_option(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--stack", "-s", type=stack_name, metavar="NAME", help=f"{what} (default: ${STACK_ENV})"
    )
