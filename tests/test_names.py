"""Pulumi's rules for a project's and a stack's name, wherever a name enters (issue 20, class G).

The rules are Pulumi's own (``tokens.ValidateProjectName`` and ``tokens.ParseStackName``, cited
in ``project.PROJECT_NAME`` and ``stacks.STACK_NAME``); tests/e2e/test_names.py holds them to the
real engine. Here: Pulumi.yaml's ``name`` is refused in one line naming the file and the key by
every command that reads the project and by the program, with the same words; a stack name is
refused from ``--stack`` in every command that takes one, from ``PULUMI_STACK``, from the engine
(``pulumi.get_stack()``) and from the components' args, before anything is written.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import pulumi
import pytest

from breeze_infra import (
    ArgsError,
    SecretsDelivery,
    SecretsDeliveryArgs,
    WorkersAiToken,
    WorkersAiTokenArgs,
)
from breeze_infra.cli import main
from breeze_infra.cli.commands import COMMANDS
from breeze_infra.cli.completion import _STACK_NAME
from breeze_infra.cli.parser import build_parser
from breeze_infra.project import project_name_problem
from breeze_infra.sandbox.mocks import FakeCloudflare, synthesize
from breeze_infra.stacks import STACK_NAME, stack_name_problem
from tests.conftest import ACCOUNT_ID, NOW
from tests.test_examples import run_under_mocks

PROJECT_NAMES_TAKEN = ("breeze-infra", "acme_ai.v2", "pulumi", "Pulumi.thing", "-", "a" * 100)
PROJECT_NAMES_REFUSED = ("ブリーズ", "a b", "a/b", "r@bid", "x\ny", "a" * 101, "")
STACK_NAMES_TAKEN = ("dev", "Prod_2.eu-west", "9", "a" * 100)
STACK_NAMES_REFUSED = (
    "dev\n::error::x",
    "dev\x1b[2J",
    "dev\r",
    "tab\t",
    "a b",
    "ブリーズ",
    "../stacks/dev",
    "a" * 101,
    "",
)
"""Each probe's exact input; tests/e2e/test_names.py runs the same through ``pulumi stack init``."""

STACK = f"""config:
  breeze-infra:accountId: {ACCOUNT_ID}
  breeze-infra:models:
    - id: '@cf/meta/llama-3.1-8b-instruct'
"""


@pytest.mark.parametrize("name", PROJECT_NAMES_TAKEN)
def test_a_project_name_pulumi_takes_is_taken(name: str) -> None:
    assert project_name_problem(name) is None


@pytest.mark.parametrize("name", PROJECT_NAMES_REFUSED)
def test_a_project_name_pulumi_refuses_is_refused(name: str) -> None:
    assert project_name_problem(name)


@pytest.mark.parametrize("name", STACK_NAMES_TAKEN)
def test_a_stack_name_pulumi_takes_is_taken(name: str) -> None:
    assert stack_name_problem(name) is None


@pytest.mark.parametrize("name", STACK_NAMES_REFUSED)
def test_a_stack_name_pulumi_refuses_is_refused_saying_where(name: str) -> None:
    problem = stack_name_problem(name)
    assert problem is not None
    odd = next(
        (i for i, c in enumerate(name) if not (c.isascii() and (c.isalnum() or c in "_.-"))), None
    )
    if odd is not None:
        assert problem.endswith(f"at position {odd})")


def test_completion_offers_only_the_stack_names_pulumi_takes() -> None:
    assert f"^{STACK_NAME.pattern}$" == _STACK_NAME


# Pulumi.yaml's name, in every command that reads the project, and in the program.


def project(root: Path, name: str) -> Path:
    (root / "Pulumi.yaml").write_text(
        f"name: {json.dumps(name)}\nruntime: python\nstackConfigDir: stacks\n", encoding="utf-8"
    )
    (root / "stacks").mkdir(exist_ok=True)
    (root / "stacks" / "Pulumi.dev.yaml").write_text(STACK, encoding="utf-8")
    return root


READS_THE_PROJECT: dict[str, tuple[str, ...]] = {
    "validate": (),
    "manifest": ("--stack", "dev"),
    "card": ("--stack", "dev"),
    "doctor": ("--stack", "dev"),
    "usage": ("--stack", "dev"),
    "rotation": ("--stack", "dev"),
    "remind": ("--stack", "dev", "--webhook-env", "HOOK"),
    "synth": ("--stack", "dev"),
    "sandbox": ("--dir", "sandbox"),
}
"""Every command but ``schema`` and ``completion``, which read no project."""


def test_the_table_holds_every_command_that_reads_the_project() -> None:
    assert set(READS_THE_PROJECT) == set(COMMANDS) - {"schema", "completion"}


REFUSED_NAME = (
    "Pulumi.yaml: name: 'ブリーズ' is not a project name Pulumi accepts: letters, digits, '-', "
    "'_' or '.', 1 to 100 characters"
)


@pytest.mark.parametrize("command", sorted(READS_THE_PROJECT))
def test_every_command_refuses_a_project_name_pulumi_refuses_in_one_line(
    command: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(project(tmp_path, "ブリーズ"))
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", "cfat_" + "K" * 40)
    monkeypatch.delenv("PULUMI_STACK", raising=False)
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main([command, *READS_THE_PROJECT[command]]) == 2
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [REFUSED_NAME]
    assert captured.out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_validate_json_names_the_file_and_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(project(tmp_path, "a b"))
    assert main(["validate", "--json"]) == 2
    document = json.loads(capsys.readouterr().out)
    assert document["findings"] == [
        {
            "file": "Pulumi.yaml",
            "key": "name",
            "severity": "error",
            "message": "'a b' is not a project name Pulumi accepts: letters, digits, '-', '_' or "
            "'.', 1 to 100 characters",
        }
    ]


def program_lines(stack: str, project: str) -> list[str]:
    settings = {
        f"{project}:accountId": ACCOUNT_ID,
        f"{project}:models": '[{"id":"@cf/meta/llama-3.1-8b-instruct"}]',
    }
    fake = FakeCloudflare()
    with pytest.raises(pulumi.RunError) as caught:
        synthesize(stack, {}, NOW, fake=fake, project=project, settings=settings)
    assert fake.created == []
    assert fake.lookups == []
    return str(caught.value).splitlines()


def test_the_program_and_validate_refuse_a_project_name_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(project(tmp_path, "ブリーズ"))
    assert main(["validate", "--stack", "dev"]) == 2
    offline = capsys.readouterr().err.splitlines()
    assert offline == [REFUSED_NAME]
    assert program_lines("dev", "ブリーズ") == offline


# A stack's name: --stack in every command, PULUMI_STACK, the engine's.


def commands_with_a_stack_option() -> list[str]:
    parser = build_parser()
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return sorted(
        name
        for name, sub in commands.choices.items()
        if any("--stack" in action.option_strings for action in sub._actions)
    )


def test_the_commands_that_take_a_stack_are_known() -> None:
    assert commands_with_a_stack_option() == sorted(
        ["validate", "manifest", "card", "doctor", "usage", "rotation", "remind", "synth"]
    )


@pytest.mark.parametrize("command", commands_with_a_stack_option())
@pytest.mark.parametrize("stack", STACK_NAMES_REFUSED)
def test_every_stack_option_refuses_a_name_pulumi_refuses_in_one_line(
    command: str, stack: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([command, "--stack", stack]) == 2
    captured = capsys.readouterr()
    (line,) = captured.err.splitlines()
    assert line.startswith(f"breeze-infra {command}: argument --stack/-s: stack '")
    assert "not a stack name Pulumi accepts" in line
    assert line.isprintable()
    assert captured.out == ""


@pytest.mark.parametrize("command", ["validate", "manifest", "synth"])
def test_pulumi_stack_is_held_to_the_same_rule(
    command: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PULUMI_STACK", "dev\n::error::forged")
    assert main([command]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "PULUMI_STACK: stack 'dev\\n::error::forged': not a stack name Pulumi accepts: letters, "
        "digits, '-', '_' or '.', 1 to 100 characters (invalid character '\\n' at position 3)"
    ]


@pytest.mark.parametrize("stack", ["dev\n::error::x", "dev\x1b[2J", "a" * 101])
def test_the_program_refuses_the_engines_stack_name_as_the_cli_does(
    stack: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(project(tmp_path, "breeze-infra"))
    (line,) = program_lines(stack, "breeze-infra")
    assert line.startswith("stack '") and "not a stack name Pulumi accepts" in line
    assert line.isprintable()
    assert main(["validate", "--stack", stack]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"breeze-infra validate: argument --stack/-s: {line}"
    ]


# The components' args: a stack or project name goes into every token's name.


def component_error(program: Callable[[], None], stack: str = "dev") -> list[str]:
    fake = FakeCloudflare()
    with pytest.raises(ArgsError) as caught:
        run_under_mocks(program, fake=fake, stack=stack)
    assert fake.created == []
    assert fake.lookups == []
    return str(caught.value).splitlines()


@pytest.mark.parametrize("stack", STACK_NAMES_REFUSED)
def test_the_token_component_refuses_a_stack_name_pulumi_refuses(stack: str) -> None:
    def program() -> None:
        WorkersAiToken("ai", WorkersAiTokenArgs(ACCOUNT_ID, stack=stack, now=NOW))

    (line,) = component_error(program)
    assert line.startswith("WorkersAiToken 'ai': stack: '")
    assert "is not a stack name Pulumi accepts" in line
    assert line.isprintable()


@pytest.mark.parametrize("project", PROJECT_NAMES_REFUSED)
def test_the_token_component_refuses_a_project_name_pulumi_refuses(project: str) -> None:
    def program() -> None:
        WorkersAiToken("ai", WorkersAiTokenArgs(ACCOUNT_ID, project=project, now=NOW))

    (line,) = component_error(program)
    assert line.startswith("WorkersAiToken 'ai': project: '")
    assert "is not a project name Pulumi accepts" in line
    assert line.isprintable()


def test_the_delivery_component_refuses_a_stack_name_pulumi_refuses() -> None:
    def program() -> None:
        SecretsDelivery("keys", SecretsDeliveryArgs("key", "https://x", stack="dev\n::error::x"))

    assert component_error(program) == [
        "SecretsDelivery 'keys': stack: 'dev\\n::error::x' is not a stack name Pulumi accepts: "
        "letters, digits, '-', '_' or '.', 1 to 100 characters (invalid character '\\n' at "
        "position 3)"
    ]
