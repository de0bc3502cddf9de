"""``breeze-infra schema``: the committed JSON Schemas, for editors and other tools."""

from __future__ import annotations

import sys

from breeze_infra.exits import ExitCode
from breeze_infra.schemas import Which


def schema(which: Which) -> int:
    from breeze_infra.schemas import schema_text

    sys.stdout.write(schema_text(which))
    return ExitCode.OK
