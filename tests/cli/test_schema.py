"""``breeze-infra schema``: the committed schemas, byte for byte."""

from __future__ import annotations

import subprocess
import sys

import pytest

from breeze_infra.cli.schema import HELP
from breeze_infra.manifest import FORMAT
from breeze_infra.schemas import WHICH, Which, committed_path
from tests.conftest import ROOT, CliRun


@pytest.mark.parametrize("which", WHICH)
def test_schema_prints_the_published_schema(cli: CliRun, which: Which) -> None:
    result = cli("schema", which)
    assert result.returncode == 0
    assert result.stdout == committed_path(which).read_text()


@pytest.mark.parametrize(
    "command", [["schema", "stack"], ["validate", "--json"], ["manifest", "--stack", "dev"]]
)
def test_offline_commands_load_neither_pulumi_nor_httpx(command: list[str]) -> None:
    probe = (
        "import sys; from breeze_infra.cli import main; "
        f"code = main({command!r}); "
        "print(code, sorted(m for m in sys.modules if m.split('.')[0] in ('pulumi', "
        "'pulumi_cloudflare', 'httpx')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines()[-1] == "0 []"


def test_the_help_names_the_manifest_format_the_model_writes() -> None:
    """The help keeps its own copy (the CLI must not load pydantic to print it), pinned here."""
    assert f"`manifest` ({FORMAT})" in HELP.description
