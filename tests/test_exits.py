"""The exit codes CI branches on: one enum, one error type, the same meaning in every command."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from breeze_infra.cli.main import _known
from breeze_infra.config import ConfigError
from breeze_infra.exits import CommandError, ExitCode, UserError
from breeze_infra.project import ProjectError
from tests.conftest import ROOT


def test_the_codes_are_the_documented_ones() -> None:
    assert {code.name: int(code) for code in ExitCode} == {
        "OK": 0,
        "FAILED": 1,
        "BAD_INPUT": 2,
        "INTERRUPTED": 130,
    }
    documented = (ROOT / "docs" / "cli.md").read_text()
    for code in (ExitCode.OK, ExitCode.FAILED, ExitCode.BAD_INPUT):
        assert f"**{int(code)}**" in documented


def test_a_command_error_carries_its_code_and_is_a_failure_unless_told() -> None:
    assert CommandError("Cloudflare did not answer").exit_code is ExitCode.FAILED
    bad = CommandError("stacks/Pulumi.dev.yaml: breeze-infra:accountId: missing", ExitCode(2))
    assert bad.exit_code is ExitCode.BAD_INPUT
    assert bad.lines() == ["stacks/Pulumi.dev.yaml: breeze-infra:accountId: missing"]


def test_no_module_defines_exit_codes_of_its_own() -> None:
    own = re.compile(r"^(\w+, )*EXIT_\w+(, \w+)*\s*=", re.MULTILINE)
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "breeze_infra").rglob("*.py"))
        if own.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_exits_imports_nothing_slow() -> None:
    probe = (
        "import sys, breeze_infra.exits, breeze_infra.stack_outputs; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('httpx', 'pulumi', 'pulumi_cloudflare', 'pydantic', 'yaml')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_every_user_error_is_bad_input_said_in_its_own_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A kind of bad input added later needs no line in main: being a UserError is enough."""

    class NewKindOfBadInput(UserError):
        pass

    assert issubclass(ConfigError, UserError)
    assert issubclass(ProjectError, UserError)
    assert _known(NewKindOfBadInput("stacks/Pulumi.dev.yaml: breeze-infra:x: wrong")) == 2
    assert capsys.readouterr().err == "stacks/Pulumi.dev.yaml: breeze-infra:x: wrong\n"
    assert _known(RuntimeError("a bug")) == 1
