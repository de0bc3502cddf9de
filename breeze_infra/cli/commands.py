"""Every command's options, and the adapter that turns them into its function's arguments.

A command is one module in this package holding its ``HELP`` (description, two examples, the
environment variables read, the exit codes) and a function that takes typed values, plus one
``_register_<command>`` function here, listed in ``REGISTER``. Command modules import only the
standard library at the top, so importing all of them to build the parser costs nothing.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from breeze_infra.cli import completion as completion_module
from breeze_infra.cli import doctor as doctor_module
from breeze_infra.cli import manifest as manifest_module
from breeze_infra.cli import sandbox as sandbox_module
from breeze_infra.cli import schema as schema_module
from breeze_infra.cli import synth as synth_module
from breeze_infra.cli import usage as usage_module
from breeze_infra.cli import validate as validate_module
from breeze_infra.cli.common import Globals
from breeze_infra.cli.options import (
    command_parser,
    consumer_options,
    stack_option,
    timeout_option,
)
from breeze_infra.endpoints import STACK_ENV

if TYPE_CHECKING:
    from breeze_infra.cli.options import Subparsers


def _register_validate(commands: Subparsers) -> None:
    def run(args: argparse.Namespace, options: Globals) -> int:
        from breeze_infra.cli.validate import validate

        return validate(
            options,
            args.stack or [],
            all_stacks=args.all,
            online=args.online,
            config_json=args.config_json,
            timeout=args.timeout,
            as_json=args.json,
        )

    parser = command_parser(
        commands,
        "validate",
        validate_module.HELP,
        run,
    )
    chosen = parser.add_mutually_exclusive_group()
    chosen.add_argument(
        "--stack",
        "-s",
        action="append",
        metavar="NAME",
        help=f"a stack to check; repeatable (default: ${STACK_ENV}, else every stack)",
    )
    chosen.add_argument(
        "--all", action="store_true", help="every stack file, even with $PULUMI_STACK"
    )
    parser.add_argument(
        "--online",
        action="store_true",
        help="also check the models against the account's Workers AI catalog "
        "(token in CLOUDFLARE_API_TOKEN, Workers AI Read)",
    )
    parser.add_argument(
        "--config-json",
        metavar="FILE",
        help="check the resolved config instead of the stack file: the output of "
        "`pulumi config --json --stack NAME` ('-' for stdin), e.g. for stacks that import ESC "
        "environments; needs exactly one --stack",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON document: stacks, and findings (file, key, severity, message)",
    )
    timeout_option(parser, "the --online checks")


def _register_manifest(commands: Subparsers) -> None:
    def run(args: argparse.Namespace, options: Globals) -> int:
        from breeze_infra.cli.manifest import manifest

        return manifest(
            options,
            stack=args.stack,
            from_outputs=args.from_outputs,
            output=args.output,
            include_secret=args.include_secret,
            online=args.online,
            timeout=args.timeout,
            consumer=args.consumer,
            all_consumers=args.all_consumers,
        )

    parser = command_parser(
        commands,
        "manifest",
        manifest_module.HELP,
        run,
    )
    stack_option(parser, "the stack: render from its file, or check --from-outputs against it")
    parser.add_argument(
        "--from-outputs",
        metavar="FILE",
        help="JSON of `pulumi stack output --json --show-secrets` ('-' for stdin) instead of a "
        "stack file",
    )
    parser.add_argument(
        "-o",
        "--output",
        default="-",
        metavar="FILE|DIR",
        help="where to write ('-': stdout); missing folders are made; a folder (existing, or "
        "ending in /) gets <stack>[-<consumer>].json",
    )
    parser.add_argument(
        "--include-secret",
        action="store_true",
        help="put the API key itself in the manifest (needs --from-outputs; files are written 0600)",
    )
    parser.add_argument(
        "--online",
        action="store_true",
        help="from the stack file: fill contextLength from the Workers AI catalog and refuse "
        "models GPT Breeze cannot use (token in CLOUDFLARE_API_TOKEN)",
    )
    timeout_option(parser, "the catalog fetch of --online")
    consumer_options(parser, "-o DIR gets <stack>[-<consumer>].json per consumer")


def _register_doctor(commands: Subparsers) -> None:
    def run(args: argparse.Namespace, options: Globals) -> int:
        from breeze_infra.cli.doctor import doctor

        return doctor(
            options,
            stack=args.stack,
            from_outputs=args.from_outputs,
            inference=args.inference,
            consumer=args.consumer,
            all_consumers=args.all_consumers,
            timeout=args.timeout,
            as_json=args.json,
        )

    parser = command_parser(
        commands,
        "doctor",
        doctor_module.HELP,
        run,
    )
    stack_option(parser, "the stack whose deployment to check")
    parser.add_argument(
        "--from-outputs",
        metavar="FILE",
        help="JSON of `pulumi stack output --json --show-secrets` ('-' for stdin); "
        "else the key comes from BREEZE_API_KEY",
    )
    parser.add_argument(
        "--no-inference",
        dest="inference",
        action="store_false",
        help="skip the 1-token chat completion per model (each one costs neurons)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON document: each check's consumer, name, status and seconds",
    )
    consumer_options(
        parser, "checked concurrently under one request budget, reported in config order"
    )
    timeout_option(parser, "the whole run")


def _register_usage(commands: Subparsers) -> None:
    def run(args: argparse.Namespace, options: Globals) -> int:
        from breeze_infra.cli.usage import usage

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
        usage_module.HELP,
        run,
    )
    stack_option(parser, "the stack to report on")
    parser.add_argument("--since", default="7d", help="how far back: 7d, 24h (default: 7d)")
    parser.add_argument(
        "--stale-days",
        type=int,
        default=30,
        metavar="DAYS",
        help="keys unused this long are listed with the change that revokes them (default: 30)",
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


def _register_synth(commands: Subparsers) -> None:
    def run(args: argparse.Namespace, options: Globals) -> int:
        from breeze_infra.cli.synth import synth

        return synth(options, stack=args.stack, as_json=args.json, consumer=args.consumer)

    parser = command_parser(
        commands,
        "synth",
        synth_module.HELP,
        run,
    )
    stack_option(parser, "the stack to synthesise")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument(
        "--consumer", metavar="NAME", help="show only this consumer's resources and outputs"
    )


def _register_sandbox(commands: Subparsers) -> None:
    def run(args: argparse.Namespace, options: Globals) -> int:
        from breeze_infra.cli.sandbox import sandbox

        return sandbox(args.dir, port=args.port, env_file=args.env_file, reset=args.reset)

    parser = command_parser(
        commands,
        "sandbox",
        sandbox_module.HELP,
        run,
    )
    parser.add_argument(
        "--dir",
        type=Path,
        default=Path(".breeze-sandbox"),
        help="state folder (default: %(default)s)",
    )
    parser.add_argument("--port", type=int, default=8790, help="emulator port on 127.0.0.1")
    parser.add_argument("--env-file", type=Path, help="also write the export lines here")
    parser.add_argument("--reset", action="store_true", help="start with an empty sandbox")


def _register_schema(commands: Subparsers) -> None:
    def run(args: argparse.Namespace, options: Globals) -> int:
        from breeze_infra.cli.schema import schema

        return schema(args.which)

    parser = command_parser(
        commands,
        "schema",
        schema_module.HELP,
        run,
    )
    parser.add_argument("which", choices=["manifest", "config", "stack"])


def _register_completion(commands: Subparsers) -> None:
    def run(args: argparse.Namespace, options: Globals) -> int:
        from breeze_infra.cli.completion import completion

        return completion(args.shell, args.build_parser())

    parser = command_parser(
        commands,
        "completion",
        completion_module.HELP,
        run,
    )
    parser.add_argument("shell", choices=["bash", "zsh"])


REGISTER: tuple[Callable[[Subparsers], None], ...] = (
    _register_validate,
    _register_manifest,
    _register_doctor,
    _register_usage,
    _register_synth,
    _register_sandbox,
    _register_schema,
    _register_completion,
)
"""Every command, in the order ``--help`` lists them."""
