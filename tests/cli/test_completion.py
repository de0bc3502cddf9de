"""``breeze-infra completion``: scripts made from the parser, so every command and option completes."""

from __future__ import annotations

import shlex
import subprocess
import sys

import pytest

from breeze_infra.cli.completion import specs
from breeze_infra.cli.parser import build_parser
from tests.conftest import ROOT


def bash_complete(line: str) -> list[str]:
    """What bash offers for the last word of ``line``, with the script loaded as documented."""
    words = shlex.split(line) + ([""] if line.endswith(" ") else [])
    script = (
        f'eval "$({shlex.quote(sys.executable)} -m breeze_infra completion bash)"\n'
        f"COMP_WORDS=({' '.join(shlex.quote(w) for w in words)})\n"
        f"COMP_CWORD={len(words) - 1}\n"
        "_breeze_infra\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    result = subprocess.run(
        ["bash", "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stderr == ""
    return sorted(filter(None, result.stdout.splitlines()))


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("breeze-infra va", ["validate"]),
        ("breeze-infra s", ["sandbox", "schema", "synth"]),
        ("breeze-infra manifest --from", ["--from-outputs"]),
        ("breeze-infra validate --stack dev --stacks", ["--stacks-dir"]),
        ("breeze-infra --debug doctor --no-", ["--no-inference"]),
        ("breeze-infra schema ", ["config", "manifest", "stack"]),
        ("breeze-infra manifest --stack ", ["dev", "prod", "staging"]),
        ("breeze-infra completion ", ["bash", "zsh"]),
    ],
)
def test_bash_completes_commands_options_choices_and_stacks(line: str, expected: list[str]) -> None:
    assert bash_complete(line) == expected


def test_both_scripts_name_every_command_and_option() -> None:
    found = specs(build_parser())
    for shell in ("bash", "zsh"):
        result = subprocess.run(
            [sys.executable, "-m", "breeze_infra", "completion", shell],
            capture_output=True,
            text=True,
            check=True,
        )
        for spec in found:
            assert spec.name in result.stdout
            for option in spec.options:
                assert option in result.stdout, (shell, spec.name, option)
    assert {spec.name for spec in found[1:]} >= {"validate", "manifest", "doctor", "completion"}


def test_the_bash_script_is_valid_bash() -> None:
    script = subprocess.run(
        [sys.executable, "-m", "breeze_infra", "completion", "bash"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    subprocess.run(["bash", "-n"], input=script, text=True, check=True)
