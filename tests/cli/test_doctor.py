"""``breeze-infra doctor`` as CI reads it: ``--json`` and ``PULUMI_STACK``.

The checks themselves are specified in tests/doctor/test_doctor.py; here, against the same local
emulator, the one JSON document and its exit code, the same as without ``--json``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from breeze_infra.rotation import parse_time, plan_rotation, timestamp
from breeze_infra.sandbox.emulator import CloudflareEmulator, TokenInfo
from tests.online_cli import BOOTSTRAP, CHAT, KEY, NOW, OnlineCli

EXPIRY = timestamp(plan_rotation(parse_time(NOW), 30).current.expires_on)


@pytest.fixture
def emulator_tokens() -> list[TokenInfo]:
    return [TokenInfo(BOOTSTRAP), TokenInfo(KEY, expires_on=EXPIRY)]


@pytest.fixture
def online(emu: CloudflareEmulator, stacks_dir: Path) -> OnlineCli:
    cli = OnlineCli(emu, stacks_dir)
    cli.stack("dev")
    return cli


def test_doctor_json_is_one_document_with_each_checks_status_and_timing(
    online: OnlineCli,
) -> None:
    result = online("doctor", "--json", BREEZE_API_KEY=KEY, PULUMI_STACK="dev")
    assert result.returncode == 0, result.stderr
    assert result.stderr == "using stack dev (from PULUMI_STACK)\n"
    document = json.loads(result.stdout)
    assert document["command"] == "doctor"
    assert document["stack"] == "dev"
    assert document["exitCode"] == 0
    assert document["findings"] == []
    assert [(c["name"], c["status"]) for c in document["checks"]] == [
        ("token", "ok"),
        ("route", "ok"),
        *[(f"model {m}", "ok") for m in CHAT],
    ]
    assert all(isinstance(c["seconds"], float) and c["seconds"] >= 0 for c in document["checks"])
    assert KEY not in result.stdout + result.stderr


def test_doctor_json_turns_a_failure_into_a_finding_with_the_same_exit_code(
    online: OnlineCli,
) -> None:
    plain = online("doctor", "--stack", "dev")
    as_json = online("doctor", "--stack", "dev", "--json")
    assert plain.returncode == as_json.returncode == 2
    document = json.loads(as_json.stdout)
    assert document["exitCode"] == 2
    assert document["checks"] == []
    assert [f["message"] for f in document["findings"]] == plain.err_lines


def test_doctor_json_reports_a_rejected_key_as_failed_checks(online: OnlineCli) -> None:
    wrong = "cfat_" + "W" * 40
    result = online("doctor", "--stack", "dev", "--json", "--no-inference", BREEZE_API_KEY=wrong)
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert document["exitCode"] == 1
    assert document["checks"][0]["name"] == "token"
    assert document["checks"][0]["status"] == "fail"
    assert document["checks"][-1]["status"] == "skip"
    assert wrong not in result.stdout + result.stderr


def test_doctor_json_misuse_is_a_document_too(online: OnlineCli) -> None:
    result = online("doctor", "--json", "--timeout", "never")
    assert result.returncode == 2
    document = json.loads(result.stdout)
    assert document["exitCode"] == 2
    assert [f["message"] for f in document["findings"]] == result.err_lines
    assert "--timeout" in result.err_lines[0]
