"""``breeze-infra sandbox``: a local Cloudflare and fake provider plugins for a real ``pulumi up``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from breeze_infra.cli.common import BAD_INPUT_HELP, Globals, Help
from breeze_infra.cli.options import command_parser
from breeze_infra.exits import CommandError, ExitCode
from breeze_infra.messages import short

HELP = Help(
    summary="serve a local Cloudflare emulator and fake provider plugins for a real pulumi up",
    description="Start a local Cloudflare emulator and print one line to paste into another "
    "shell\n(`source .breeze-sandbox/env`); there, plain `pulumi up` and `breeze-infra doctor` "
    "run against it,\non the sandbox's own copy of the stacks. Runs until interrupted.",
    examples=(
        "breeze-infra sandbox",
        "breeze-infra sandbox --reset --port 8791",
    ),
    env=(),
    exits=(
        (ExitCode.OK, "stopped"),
        (ExitCode.FAILED, "the sandbox could not start"),
        BAD_INPUT_HELP,
        (ExitCode.INTERRUPTED, "interrupted (Ctrl-C)"),
    ),
)

if TYPE_CHECKING:
    from breeze_infra.cli.options import Subparsers


def sandbox(folder: Path, *, port: int, env_file: Path | None, reset: bool) -> int:
    """Serve until interrupted; a sandbox that cannot start is one line, exit 1."""
    from breeze_infra.sandbox.plugins import PluginError
    from breeze_infra.sandbox.session import SandboxError, run

    try:
        return run(folder, port=port, env_file=env_file, reset=reset)
    except (SandboxError, PluginError) as exc:
        raise CommandError(str(exc), ExitCode.FAILED) from None


def port_number(text: str) -> int:
    """A TCP port, 1 to 65535: anything else is refused by the parser, naming --port."""
    try:
        value = int(text, 10)
    except ValueError:
        value = 0
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{short(text)!r} is not a port number (1-65535)")
    return value


def register(commands: Subparsers) -> None:
    """This command's options, and the adapter from them to its function's arguments."""

    def run(args: argparse.Namespace, options: Globals) -> int:
        return sandbox(args.dir, port=args.port, env_file=args.env_file, reset=args.reset)

    parser = command_parser(
        commands,
        "sandbox",
        HELP,
        run,
    )
    parser.add_argument(
        "--dir",
        type=Path,
        default=Path(".breeze-sandbox"),
        help="state folder (default: %(default)s)",
    )
    parser.add_argument(
        "--port", type=port_number, default=8790, help="emulator port on 127.0.0.1 (1-65535)"
    )
    parser.add_argument(
        "--env-file", type=Path, help="also write the export lines here (as well as DIR/env)"
    )
    parser.add_argument("--reset", action="store_true", help="start with an empty sandbox")
