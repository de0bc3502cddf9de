"""``breeze-infra schema``: the committed JSON Schemas, for editors and other tools."""

from __future__ import annotations

import sys

from breeze_infra.cli.common import BAD_INPUT_HELP, OK_HELP, Help
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


def schema(which: Which) -> int:
    from breeze_infra.schemas import schema_text

    sys.stdout.write(schema_text(which))
    return ExitCode.OK
