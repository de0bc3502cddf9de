"""Issue 20, A (and issue 9, 1): a gate never passes having checked nothing.

A check that could not run is a failed check with its line, never a missing one; doctor's own
checks are injected with exceptions in tests/doctor/ and tests/gateway/test_doctor.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import CliRun
from tests.hostile._harness import (
    CONSUMERS,
    OUT,
    PREFIXED,
    Case,
    c,
    consumer_outputs,
    run_case,
    stack_yaml,
)

GATE = [  # 1. a gate never passes having checked nothing
    c(
        "doctor-all-consumers-redacted-keys",
        "doctor",
        "--stack",
        "dev",
        "--all-consumers",
        "--from-outputs",
        OUT,
        expect="outputs.json: apiKeys: redacted",
        stack=stack_yaml(CONSUMERS),
        files={OUT: consumer_outputs(api_keys="[secret]")},
        env={"BREEZE_API_KEY": PREFIXED},
    ),
    c(
        "doctor-one-consumer-redacted-keys",
        "doctor",
        "--stack",
        "dev",
        "--consumer",
        "alice",
        "--from-outputs",
        OUT,
        expect="apiKey: missing or redacted",
        stack=stack_yaml(CONSUMERS),
        files={OUT: consumer_outputs(api_keys="[secret]")},
    ),
    c(
        "doctor-all-consumers-key-missing-from-its-own-outputs",
        "doctor",
        "--stack",
        "dev",
        "--all-consumers",
        "--from-outputs",
        OUT,
        expect="outputs.json: apiKeys.alice: missing",
        stack=stack_yaml(CONSUMERS),
        files={OUT: consumer_outputs()},
    ),
    c(
        "doctor-all-consumers-every-key-elsewhere-checks-nothing",
        "doctor",
        "--stack",
        "dev",
        "--all-consumers",
        "--from-outputs",
        OUT,
        expect="no consumer was checked",
        names="breeze-infra doctor --stack dev",
        stack=stack_yaml(CONSUMERS),
        files={OUT: consumer_outputs(ref="vault:secret/breeze/{name}#apiKey")},
    ),
    c(
        "doctor-outputs-json-is-a-list",
        "doctor",
        "--stack",
        "dev",
        "--from-outputs",
        OUT,
        expect="outputs.json: expected the JSON object",
        files={OUT: "[1, 2]"},
    ),
]


TABLE = [pytest.param(case, id=f"1-gate-{case.id}") for case in GATE]


@pytest.mark.parametrize("case", TABLE)
def test_hostile_input(case: Case, cli: CliRun, tmp_path: Path) -> None:
    run_case(case, cli, tmp_path)
