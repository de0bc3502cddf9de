"""``breeze-infra schema``: the committed schemas, byte for byte."""

from __future__ import annotations

import pytest

from breeze_infra.schemas import WHICH, Which, committed_path
from tests.conftest import CliRun


@pytest.mark.parametrize("which", WHICH)
def test_schema_prints_the_published_schema(cli: CliRun, which: Which) -> None:
    result = cli("schema", which)
    assert result.returncode == 0
    assert result.stdout == committed_path(which).read_text()
