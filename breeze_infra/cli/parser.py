"""The ``breeze-infra`` command line: every command's options, help and dispatch, nothing else.

A command is one module in this package holding a function that takes typed values, plus one
``_register_<command>`` function here: it declares the options, the help (description, two
examples, the environment variables read, the exit codes) and the adapter that turns the parsed
options into that function's arguments, importing the module only when the command runs.

The global options (``--stacks-dir``, ``--debug``, ``-C/--cwd``) are accepted before or after
the command, as Pulumi accepts its own: each subparser repeats them with ``SUPPRESS`` defaults,
so a value given after the command overrides one given before, and none erases it.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from breeze_infra import __version__
from breeze_infra.cli.common import STACK_ENV, Globals
from breeze_infra.exits import CommandError, ExitCode

PROG = "breeze-infra"
Run = Callable[[argparse.Namespace, Globals], int]

OK_HELP = (ExitCode.OK, "success")
BAD_INPUT_HELP = (
    ExitCode.BAD_INPUT,
    "bad input: a flag, a file or a variable to fix (one line each)",
)
CLOCK = ("BREEZE_NOW", "the current time, RFC 3339 (default: the system clock)")
STACK = (STACK_ENV, "the stack when --stack is not given (said on stderr)")
BOOTSTRAP = ("CLOUDFLARE_API_TOKEN", "with --online: a token with Workers AI Read")
BASE_URL = (
    "CLOUDFLARE_BASE_URL",
    "the Cloudflare API root (default: Cloudflare's; tests, sandbox)",
)


class Parser(argparse.ArgumentParser):
    """argparse that reports misuse in one line naming the option, exit 2, never the usage."""

    def error(self, message: str) -> NoReturn:
        raise CommandError(f"{self.prog}: {message}", ExitCode.BAD_INPUT)


if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[Parser]


@dataclass(frozen=True)
class Help:
    """What ``--help`` of a command says beyond its options."""

    summary: str
    description: str
    examples: tuple[str, str]
    env: tuple[tuple[str, str], ...]
    exits: tuple[tuple[int, str], ...]

    def epilog(self) -> str:
        lines = ["examples:", *(f"  {example}" for example in self.examples), ""]
        lines.append("environment variables:")
        lines += [f"  {name:<22}{what}" for name, what in self.env] or ["  none"]
        lines += ["", "exit codes:", *(f"  {int(code):<4}{what}" for code, what in self.exits)]
        return "\n".join(lines)


def _globals(parser: argparse.ArgumentParser, default: Any) -> None:
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


def _command(commands: Subparsers, name: str, help: Help, run: Run) -> Parser:
    parser = commands.add_parser(
        name,
        help=help.summary,
        description=help.description,
        epilog=help.epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _globals(parser, argparse.SUPPRESS)
    parser.set_defaults(run=run)
    return parser


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds > 0")
    return value


def _timeout(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--timeout",
        type=_seconds,
        default=60.0,
        metavar="SECONDS",
        help=f"upper bound on {what}, retries included (default: 60)",
    )


def _consumers(parser: argparse.ArgumentParser, all_help: str) -> None:
    chosen = parser.add_mutually_exclusive_group()
    chosen.add_argument("--consumer", metavar="NAME", help="in a stack with consumers: this one")
    chosen.add_argument(
        "--all-consumers", action="store_true", help=f"every active consumer; {all_help}"
    )


def _stack(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--stack", "-s", metavar="NAME", help=f"{what} (default: ${STACK_ENV})")


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

    parser = _command(
        commands,
        "validate",
        Help(
            summary="check stack files (offline)",
            description="Check stack files as `pulumi up` reads them, one line per problem naming "
            "the file and the key.\nOffline unless --online: no Pulumi, no network.",
            examples=(
                "breeze-infra validate                      # every stack file",
                "breeze-infra validate --stack prod --online --json",
            ),
            env=(STACK, BOOTSTRAP, BASE_URL, CLOCK),
            exits=(
                (ExitCode.OK, "every stack passed (warnings allowed)"),
                (ExitCode.FAILED, "--online: the catalog could not be fetched"),
                (ExitCode.BAD_INPUT, "a problem to fix in a stack file, a flag or a variable"),
            ),
        ),
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
    _timeout(parser, "the --online checks")


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

    parser = _command(
        commands,
        "manifest",
        Help(
            summary="render the GPT Breeze manifest",
            description="Render the GPT Breeze manifest of a stack: offline from its stack file, "
            "or from the outputs\nof `pulumi stack output --json --show-secrets` after `pulumi up` "
            "(then --stack, if given,\nmust be the stack those outputs belong to).",
            examples=(
                "breeze-infra manifest --stack dev -o out/             # writes out/dev.json",
                "pulumi stack output --json --show-secrets --stack dev | "
                "breeze-infra manifest --stack dev --from-outputs - -o dev.json",
            ),
            env=(STACK, CLOCK, BOOTSTRAP, BASE_URL),
            exits=(
                OK_HELP,
                (ExitCode.FAILED, "--online: the catalog could not be fetched"),
                BAD_INPUT_HELP,
            ),
        ),
        run,
    )
    _stack(parser, "the stack: render from its file, or check --from-outputs against it")
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
    _timeout(parser, "the catalog fetch of --online")
    _consumers(parser, "-o DIR gets <stack>[-<consumer>].json per consumer")


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

    parser = _command(
        commands,
        "doctor",
        Help(
            summary="check a deployed environment's key, route and models against Cloudflare",
            description="Check what GPT Breeze would find out the hard way, one line each: the "
            "deployed key is an\nactive token and when it stops working, the account routes, and "
            "each model answers a\none-token chat completion (each costs neurons; --no-inference "
            "skips them).",
            examples=(
                "pulumi stack output --json --show-secrets --stack prod | "
                "breeze-infra doctor --stack prod --from-outputs -",
                "BREEZE_API_KEY=... breeze-infra doctor --stack dev --no-inference --json",
            ),
            env=(
                STACK,
                ("BREEZE_API_KEY", "the key to check when no --from-outputs holds it"),
                BASE_URL,
                CLOCK,
            ),
            exits=(
                (ExitCode.OK, "every check passed (warnings allowed)"),
                (ExitCode.FAILED, "a check failed, or Cloudflare could not be reached in time"),
                BAD_INPUT_HELP,
            ),
        ),
        run,
    )
    _stack(parser, "the stack whose deployment to check")
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
    _consumers(parser, "checked concurrently under one request budget, reported in config order")
    _timeout(parser, "the whole run")


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

    parser = _command(
        commands,
        "usage",
        Help(
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
                ("CLOUDFLARE_API_TOKEN", "Account Analytics Read, AI Gateway Read, token read"),
                BASE_URL,
                ("CLOUDFLARE_AI_GATEWAY_BASE_URL", "the AI Gateway root (tests, sandbox)"),
                CLOCK,
            ),
            exits=(
                (ExitCode.OK, "the report was made"),
                (ExitCode.FAILED, "Cloudflare refused or could not be reached in time"),
                BAD_INPUT_HELP,
            ),
        ),
        run,
    )
    _stack(parser, "the stack to report on")
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
    _consumers(parser, "the default")
    _timeout(parser, "the whole run")


def _register_synth(commands: Subparsers) -> None:
    def run(args: argparse.Namespace, options: Globals) -> int:
        from breeze_infra.cli.synth import synth

        return synth(options, stack=args.stack, as_json=args.json, consumer=args.consumer)

    parser = _command(
        commands,
        "synth",
        Help(
            summary="run the program against a simulated Cloudflare",
            description="Run the real Pulumi program under Pulumi's mocks with a fake Cloudflare "
            "and print the\nresources and outputs `pulumi up` would produce. SIMULATED: nothing "
            "is sent anywhere,\nevery secret is shown as [secret].",
            examples=(
                "breeze-infra synth --stack dev",
                "breeze-infra synth --stack team --consumer alice --json",
            ),
            env=(STACK, CLOCK),
            exits=(OK_HELP, (ExitCode.FAILED, "the program failed"), BAD_INPUT_HELP),
        ),
        run,
    )
    _stack(parser, "the stack to synthesise")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument(
        "--consumer", metavar="NAME", help="show only this consumer's resources and outputs"
    )


def _register_sandbox(commands: Subparsers) -> None:
    def run(args: argparse.Namespace, options: Globals) -> int:
        from breeze_infra.cli.sandbox import sandbox

        return sandbox(args.dir, port=args.port, env_file=args.env_file, reset=args.reset)

    parser = _command(
        commands,
        "sandbox",
        Help(
            summary="serve a local Cloudflare emulator and fake provider plugins for a real "
            "pulumi up",
            description="Start a local Cloudflare emulator and print `export` lines; pasted into "
            "another shell,\n`pulumi up` and `breeze-infra doctor` run against it. Runs until "
            "interrupted.",
            examples=(
                "breeze-infra sandbox",
                "breeze-infra sandbox --reset --env-file .breeze-sandbox/env",
            ),
            env=(),
            exits=(
                (ExitCode.OK, "stopped"),
                (ExitCode.FAILED, "the sandbox could not start"),
                BAD_INPUT_HELP,
                (ExitCode.INTERRUPTED, "interrupted (Ctrl-C)"),
            ),
        ),
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

    parser = _command(
        commands,
        "schema",
        Help(
            summary="print a JSON Schema",
            description="Print a committed JSON Schema: `manifest` (gpt-breeze-manifest/v1), "
            "`config` (the\nbreeze-infra: keys) or `stack` (a whole stack file, for editors).",
            examples=(
                "breeze-infra schema manifest > manifest.schema.json",
                "breeze-infra schema stack | check-jsonschema --schemafile - ...",
            ),
            env=(),
            exits=(OK_HELP, BAD_INPUT_HELP),
        ),
        run,
    )
    parser.add_argument("which", choices=["manifest", "config", "stack"])


def _register_completion(commands: Subparsers) -> None:
    def run(args: argparse.Namespace, options: Globals) -> int:
        from breeze_infra.cli.completion import completion

        return completion(args.shell, build_parser())

    parser = _command(
        commands,
        "completion",
        Help(
            summary="print a shell completion script",
            description="Print a completion script for bash or zsh, made from this command "
            "line's own options.",
            examples=(
                'eval "$(breeze-infra completion bash)"        # in ~/.bashrc',
                'breeze-infra completion zsh > "${fpath[1]}/_breeze-infra"',
            ),
            env=(),
            exits=(OK_HELP, BAD_INPUT_HELP),
        ),
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


def build_parser() -> Parser:
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
    _globals(parser, None)
    commands = parser.add_subparsers(
        required=True, metavar="COMMAND", dest="command", parser_class=Parser
    )
    for register in REGISTER:
        register(commands)
    return parser


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """The options of one invocation; misuse raises CommandError (exit 2, one line).

    ``validate --json`` and ``doctor --json`` promise one JSON document whatever happens, so
    their misuse also prints one, with the same line as its finding.
    """
    words = list(sys.argv[1:] if argv is None else argv)
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


def change_directory(folder: Path | None) -> None:
    """``-C DIR``: every relative path after this is relative to DIR, as with ``pulumi -C``."""
    if folder is None:
        return
    try:
        os.chdir(folder)
    except OSError as exc:
        from breeze_infra.messages import short

        raise CommandError(
            f"{PROG}: -C {short(str(folder), 200)}: cannot run there ({exc.strerror or exc})",
            ExitCode.BAD_INPUT,
        ) from None
