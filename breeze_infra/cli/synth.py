"""``breeze-infra synth``: the real program, run against a simulated Cloudflare.

What a reviewer without credentials runs on a pull request: the resources ``pulumi up`` would
create (type, name, options, inputs) and the outputs, every secret shown as ``[secret]``. It is
the one offline command that loads the provider SDK, because it runs the program.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import IO, TYPE_CHECKING, Any

from breeze_infra.cli.common import (
    BAD_INPUT_HELP,
    CLOCK,
    OK_HELP,
    STACK,
    Globals,
    Help,
    bad_input,
    chosen_stack,
    now,
)
from breeze_infra.cli.options import command_parser, stack_option
from breeze_infra.exits import CommandError, ExitCode

if TYPE_CHECKING:
    from breeze_infra.cli.options import Subparsers
    from breeze_infra.sandbox.mocks import SynthResult


HELP = Help(
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
)


def synth(
    options: Globals, *, stack: str | None, as_json: bool = False, consumer: str | None = None
) -> int:
    from breeze_infra.stacks import load_stack, read_namespace, stack_file

    stack = chosen_stack(stack, "synth", os.environ) or ""
    path = stack_file(options.stacks_folder(), stack)
    config = load_stack(path)
    moment = now()
    if consumer is not None:
        from breeze_infra.consumers import find

        try:
            find(config, consumer)
        except LookupError as exc:
            raise bad_input(f"{stack}: {exc}") from None
    from breeze_infra.sandbox.mocks import synthesize

    try:
        result = synthesize(stack, read_namespace(path), moment, project=config.project)
    except Exception as exc:
        raise CommandError(f"synth --stack {stack}: the program failed: {exc}") from None
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if consumer is not None:
        result = result.for_consumer(consumer)
    if as_json:
        json.dump(document(result), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        _print(result, sys.stdout)
    return ExitCode.OK


def document(result: SynthResult) -> dict[str, Any]:
    """``synth --json``: the simulated run as data, secrets redacted."""
    from breeze_infra.rotation import timestamp
    from breeze_infra.sandbox.mocks import redact

    return {
        "simulated": True,
        "stack": result.stack,
        "now": timestamp(result.now),
        "permissionGroupLookups": len(result.lookups),
        "resources": [
            {
                "type": r.type,
                "name": r.name,
                "parent": r.parent.rsplit("::", 1)[-1] if "$" in r.parent else None,
                "options": {
                    "replaceOnChanges": list(r.replace_on_changes),
                    "ignoreChanges": list(r.ignore_changes),
                    "deleteBeforeReplace": r.delete_before_replace,
                },
                "inputs": dict(sorted(redact(r.inputs).items())),
            }
            for r in result.in_tree_order()
        ],
        "outputs": result.redacted_outputs(),
    }


def _print(result: SynthResult, out: IO[str]) -> None:
    body = document(result)
    out.write(
        f"SIMULATED `pulumi up` of stack '{result.stack}' at {body['now']}: Pulumi mocks and a "
        "fake Cloudflare, nothing was sent anywhere. Secrets are shown as [secret].\n\n"
    )
    out.write(f"Resources ({len(body['resources'])}):\n")
    for resource in body["resources"]:
        parent = f"  (child of {resource['parent']})" if resource["parent"] else ""
        out.write(f"  + {resource['type']}  {resource['name']}{parent}\n")
        options = {k: v for k, v in resource["options"].items() if v}
        if options:
            out.write(f"      options: {json.dumps(options)}\n")
        for key, value in resource["inputs"].items():
            out.write(f"      {key}: {json.dumps(value)}\n")
    out.write(f"\nPermission-group look-ups: {body['permissionGroupLookups']}\n")
    out.write("\nOutputs:\n")
    for key, value in body["outputs"].items():
        if key == "manifest" and isinstance(value, dict):
            # Shown once, by the command that publishes it (the README's main command runs both).
            models = len(value.get("models") or [])
            out.write(
                f"  manifest: {value.get('schema')}, {models} model(s): "
                f"`breeze-infra manifest --stack {result.stack}` prints it\n"
            )
            continue
        text = json.dumps(value, indent=2) if isinstance(value, dict) else str(value)
        out.write(f"  {key}: {text.replace(chr(10), chr(10) + '  ')}\n")


def register(commands: Subparsers) -> None:
    """This command's options, and the adapter from them to its function's arguments."""

    def run(args: argparse.Namespace, options: Globals) -> int:
        return synth(options, stack=args.stack, as_json=args.json, consumer=args.consumer)

    parser = command_parser(
        commands,
        "synth",
        HELP,
        run,
    )
    stack_option(parser, "the stack to synthesise")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument(
        "--consumer", metavar="NAME", help="show only this consumer's resources and outputs"
    )
