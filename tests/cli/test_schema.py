"""``breeze-infra schema``: the committed schemas, byte for byte."""

from __future__ import annotations

import subprocess
import sys

import pytest

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
