"""``breeze-infra completion``: scripts made from the parser, so every command and option completes."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from breeze_infra.cli.completion import specs
from breeze_infra.cli.parser import build_parser
from tests.conftest import ROOT


def script(shell: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "breeze_infra", "completion", shell],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def bash_complete(line: str, cwd: Path = ROOT) -> list[str]:
    """What bash offers for the last word of ``line``, with the script loaded as documented."""
    words = shlex.split(line) + ([""] if line.endswith(" ") else [])
    program = (
        f'eval "$({shlex.quote(sys.executable)} -m breeze_infra completion bash)"\n'
        f"COMP_WORDS=({' '.join(shlex.quote(w) for w in words)})\n"
        f"COMP_CWORD={len(words) - 1}\n"
        "_breeze_infra\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    result = subprocess.run(
        ["bash", "-c", program], cwd=cwd, capture_output=True, text=True, check=True
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


HOSTILE_NAMES = [
    "Pulumi.$(id>PWNED).yaml",
    "Pulumi.`id>PWNED`.yaml",
    "Pulumi.${IFS}x;id>PWNED.yaml",
    "Pulumi.* .yaml",
    "Pulumi.a b.yaml",
]


@pytest.fixture
def hostile_project(tmp_path: Path) -> Path:
    """Stack files named to run code if a completion script ever evaluated a candidate."""
    (tmp_path / "stacks").mkdir()
    for name in ["Pulumi.dev.yaml", "Pulumi.d-2.yaml", *HOSTILE_NAMES]:
        (tmp_path / "stacks" / name).write_text("config: {}\n")
    (tmp_path / "report $(id>PWNED).svg").write_text("")
    return tmp_path


@pytest.mark.parametrize("prefix", ["", "d", "$", "*", "`"])
def test_bash_never_runs_a_stack_file_name_and_offers_only_stack_names(
    hostile_project: Path, prefix: str
) -> None:
    """Issue 20, B: with compgen -W, TAB after --stack ran the `id` in a file's name."""
    offered = bash_complete(f"breeze-infra validate --stack {shlex.quote(prefix)}", hostile_project)
    assert not (hostile_project / "PWNED").exists()
    assert not (hostile_project / "stacks" / "PWNED").exists()
    assert offered == (["d-2", "dev"] if prefix in ("", "d") else [])


@pytest.mark.parametrize(
    "option", ["--chart", "--env-file", "--dir", "--config-json", "--from-outputs", "-o"]
)
def test_bash_completes_paths_where_the_argument_is_a_path(
    hostile_project: Path, option: str
) -> None:
    offered = bash_complete(f"breeze-infra usage {option} rep", hostile_project)
    assert offered == ["report $(id>PWNED).svg"]
    assert not (hostile_project / "PWNED").exists()


def zsh_complete(line: str, cwd: Path) -> list[str]:
    """What zsh's script adds for the last word, with compadd and _files stood in for."""
    words = shlex.split(line) + ([""] if line.endswith(" ") else [])
    program = (
        script("zsh").replace("compdef _breeze_infra breeze-infra", ":")
        + "\ncompadd() { local a; if [[ $1 == -a ]]; then for a in ${(P)2}; do print -r -- $a;"
        ' done; else shift; for a in "$@"; do print -r -- $a; done; fi }\n'
        "_files() { print -r -- FILES }\n"
        f"words=({' '.join(shlex.quote(w) for w in words)})\n"
        f"CURRENT={len(words)}\n"
        f"PREFIX={shlex.quote(words[-1])}\n"
        "_breeze_infra\n"
    )
    result = subprocess.run(
        ["zsh", "-f", "-c", program], cwd=cwd, capture_output=True, text=True, check=True
    )
    assert result.stderr == ""
    return sorted(filter(None, result.stdout.splitlines()))


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
def test_zsh_never_runs_a_stack_file_name_and_completes_paths(hostile_project: Path) -> None:
    assert zsh_complete("breeze-infra validate --stack ", hostile_project) == ["d-2", "dev"]
    assert zsh_complete("breeze-infra usage --chart ", hostile_project) == ["FILES"]
    assert zsh_complete("breeze-infra sandbox --env-file ", hostile_project) == ["FILES"]
    assert not (hostile_project / "PWNED").exists()
    assert not (hostile_project / "stacks" / "PWNED").exists()
