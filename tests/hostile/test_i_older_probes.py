"""Issue 20, I: older probes that were still open."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import CliRun
from tests.hostile._harness import (
    Case,
    c,
    run_case,
)

OLDER = [  # issue 20, I: older probes still open
    c(
        "empty-output-path",
        "manifest",
        "--stack",
        "dev",
        "-o",
        "",
        expect="breeze-infra manifest: -o: an empty path",
        names="-o",
    ),
]


TABLE = [pytest.param(case, id=f"20I-older-{case.id}") for case in OLDER]


@pytest.mark.parametrize("case", TABLE)
def test_hostile_input(case: Case, cli: CliRun, tmp_path: Path) -> None:
    run_case(case, cli, tmp_path)
