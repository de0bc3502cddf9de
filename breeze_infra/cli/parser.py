"""The ``breeze-infra`` command line: the top-level parser, and parsing one invocation.

Each command's options are declared in its own module (listed in ``commands``); the shared pieces
are in ``options``. One invocation builds the parser of the command it names and no other, so
``manifest`` never pays for importing ``doctor``; ``--help``, ``--version`` and misuse get the
whole parser, so they read exactly as before.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from breeze_infra import __version__
from breeze_infra.cli.commands import COMMANDS, register
from breeze_infra.cli.common import Globals
from breeze_infra.cli.options import Parser, global_options
from breeze_infra.exits import CommandError

PROG = "breeze-infra"


_VALUED = ("--stacks-dir", "--cwd")
"""Global options that take the next word as their value (argparse accepts abbreviations)."""


def chosen_command(words: Sequence[str]) -> str | None:
    """The command the words name: the first word that is one, global options' values skipped."""
    skip = False
    for word in words:
        if skip:
            skip = False
        elif word == "-C" or (
            word.startswith("--") and "=" not in word and any(o.startswith(word) for o in _VALUED)
        ):
            skip = True
        elif word == "--":
            return None
        elif word in COMMANDS:
            return word
    return None


def build_parser(only: str | None = None) -> Parser:
    """The parser of every command, or of ``only`` when given."""
    parser = Parser(
        prog=PROG,
        description="Cloudflare Workers AI tokens and GPT Breeze manifests, one stack per "
        "environment.",
        epilog="Global options (--stacks-dir, --debug, -C) go before or after the command.\n"
        "`breeze-infra COMMAND --help` shows each command's examples, variables and exit codes.\n"
        "exit codes: 0 success, 1 failure, 2 bad input.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    global_options(parser, None)
    # completion describes the whole command line; handed over so commands need not import this.
    parser.set_defaults(build_parser=build_parser)
    commands = parser.add_subparsers(
        required=True, metavar="COMMAND", dest="command", parser_class=Parser
    )
    for name in COMMANDS if only is None else (only,):
        register(commands, name)
    return parser


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """The options of one invocation; misuse raises CommandError (exit 2, one line).

    ``validate --json`` and ``doctor --json`` promise one JSON document whatever happens, so
    their misuse also prints one, with the same line as its finding.
    """
    words = list(sys.argv[1:] if argv is None else argv)
    command = chosen_command(words)
    if command is not None:
        try:
            return build_parser(command).parse_args(words)
        except CommandError:
            pass  # worded by the whole parser below, exactly as without the shortcut
    try:
        return build_parser().parse_args(words)
    except CommandError as exc:
        command = next((word for word in words if word in ("validate", "doctor")), None)
        if command is not None and "--json" in words:
            from breeze_infra.cli import doctor, validate

            module = validate if command == "validate" else doctor
            print(module.misuse_document(exc))
        raise


def globals_of(args: argparse.Namespace) -> Globals:
    return Globals(stacks_dir=args.stacks_dir, debug=args.debug)
