"""``breeze-infra schema``: the committed JSON Schemas, for editors and other tools."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from breeze_infra.cli.common import BAD_INPUT_HELP, OK_HELP, Globals, Help
from breeze_infra.cli.options import command_parser
from breeze_infra.exits import ExitCode
from breeze_infra.schemas import Which

HELP = Help(
    summary="print a JSON Schema",
    description="Print a committed JSON Schema: `manifest` (gpt-breeze-manifest/v1), "
    "`config` (the\nbreeze-infra: keys) or `stack` (a whole stack file, for editors).",
    examples=(
        "breeze-infra schema manifest > manifest.schema.json",
        "breeze-infra schema stack | check-jsonschema --schemafile - ...",
    ),
    env=(),
    exits=(OK_HELP, BAD_INPUT_HELP),
)

if TYPE_CHECKING:
    from breeze_infra.cli.options import Subparsers


def schema(which: Which) -> int:
    from breeze_infra.schemas import schema_text

    sys.stdout.write(schema_text(which))
    return ExitCode.OK


def register(commands: Subparsers) -> None:
    """This command's options, and the adapter from them to its function's arguments."""

    def run(args: argparse.Namespace, options: Globals) -> int:
        return schema(args.which)

    parser = command_parser(
        commands,
        "schema",
        HELP,
        run,
    )
    parser.add_argument("which", choices=["manifest", "config", "stack"])
