"""``breeze-infra validate``: every problem one line naming the file and key, or one JSON document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from breeze_infra.sandbox.emulator import CloudflareEmulator, TokenInfo
from tests.cli.conftest import BAD_STACK, TEAM_STACK, single_error_lines
from tests.conftest import ROOT, CliRun, write_stack
from tests.online_cli import BOOTSTRAP, CHAT, OnlineCli


def test_validate_checks_every_example_stack_by_default(cli: CliRun) -> None:
    result = cli("validate")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "stacks/Pulumi.dev.yaml: ok",
        "stacks/Pulumi.prod.yaml: ok",
        "stacks/Pulumi.staging.yaml: ok",
    ]


def test_validate_names_file_and_key_for_each_problem(cli: CliRun, stacks_dir: Path) -> None:
    path = write_stack(stacks_dir, "bad", BAD_STACK)
    lines = single_error_lines(cli("--stacks-dir", str(stacks_dir), "validate", "--stack", "bad"))
    shown = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else None
    assert len(lines) == 2
    assert lines[0].endswith(
        "Pulumi.bad.yaml: breeze-infra:models[1].id: 'llama-3' is not a Workers AI model id; "
        "expected @cf/<author>/<model> or @hf/<author>/<model>"
    )
    assert lines[1].endswith(
        "Pulumi.bad.yaml: breeze-infra:tokens: unknown key (did you mean `token`?)"
    )
    assert shown is None or lines[0].startswith(shown)


def test_validate_reports_a_missing_stack_file(cli: CliRun) -> None:
    (line,) = single_error_lines(cli("validate", "--stack", "qa"))
    assert line == "stacks/Pulumi.qa.yaml: no such stack file"


def test_validate_prints_warnings_and_still_passes(cli: CliRun, stacks_dir: Path) -> None:
    write_stack(
        stacks_dir,
        "empty",
        TEAM_STACK.replace("    - name: alice\n", "").replace(
            '    - name: bob\n      models: ["@cf/openai/gpt-oss-20b"]\n', ""
        ),
    )
    result = cli("--stacks-dir", str(stacks_dir), "validate")
    assert result.returncode == 0, result.stderr
    assert result.stderr.endswith(
        "breeze-infra:consumers: no active consumer: pulumi up deletes every token and secret "
        "write of this stack\n"
    )
    assert result.stderr.startswith("warning: ")


def test_validate_json_is_one_document_of_stacks_and_findings(cli: CliRun) -> None:
    result = cli("validate", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "command": "validate",
        "exitCode": 0,
        "stacks": [
            {"stack": name, "file": f"stacks/Pulumi.{name}.yaml", "status": "ok"}
            for name in ("dev", "prod", "staging")
        ],
        "findings": [],
    }


def test_validate_json_reports_each_problem_with_file_and_key_and_the_same_exit_code(
    cli: CliRun, stacks_dir: Path
) -> None:
    write_stack(stacks_dir, "bad", BAD_STACK)
    plain = cli("--stacks-dir", str(stacks_dir), "validate")
    as_json = cli("--stacks-dir", str(stacks_dir), "validate", "--json")
    assert plain.returncode == as_json.returncode == 2
    document = json.loads(as_json.stdout)
    assert document["exitCode"] == 2
    assert document["stacks"][0]["status"] == "error"
    source = document["stacks"][0]["file"]
    assert document["findings"] == [
        {
            "file": source,
            "key": "breeze-infra:models[1].id",
            "severity": "error",
            "message": "'llama-3' is not a Workers AI model id; expected @cf/<author>/<model> or "
            "@hf/<author>/<model>",
        },
        {
            "file": source,
            "key": "breeze-infra:tokens",
            "severity": "error",
            "message": "unknown key (did you mean `token`?)",
        },
    ]
    assert [f"{f['file']}: {f['key']}: {f['message']}" for f in document["findings"]] == (
        plain.stderr.splitlines()
    )


def test_validate_json_is_valid_json_when_the_command_itself_fails(
    cli: CliRun, stacks_dir: Path
) -> None:
    result = cli("--stacks-dir", str(stacks_dir), "validate", "--json")
    assert result.returncode == 2
    document = json.loads(result.stdout)
    assert document["exitCode"] == 2
    assert document["stacks"] == []
    (finding,) = document["findings"]
    assert finding["severity"] == "error"
    assert finding["message"].endswith("stacks: no Pulumi.<stack>.yaml files")
    online = cli(
        "validate", "--stack", "dev", "--online", "--json", env={"CLOUDFLARE_API_TOKEN": ""}
    )
    assert online.returncode == 2
    (missing,) = json.loads(online.stdout)["findings"]
    assert "CLOUDFLARE_API_TOKEN is not set" in missing["message"]


def test_validate_json_never_prints_a_token(cli: CliRun, stacks_dir: Path) -> None:
    token = "cfat_" + "T" * 40
    write_stack(
        stacks_dir,
        "leaky",
        BAD_STACK.replace(
            '    - id: "llama-3"\n', f"    - id: '@cf/a/b'\n      displayName: {token}\n"
        ),
    )
    result = cli("--stacks-dir", str(stacks_dir), "validate", "--json")
    assert result.returncode == 2
    assert token not in result.stdout + result.stderr
    messages = [f["message"] for f in json.loads(result.stdout)["findings"]]
    assert any("[value hidden" in message for message in messages)


def test_validate_json_keeps_warnings_as_findings(cli: CliRun, stacks_dir: Path) -> None:
    write_stack(
        stacks_dir,
        "empty",
        TEAM_STACK.replace("    - name: alice\n", "").replace(
            '    - name: bob\n      models: ["@cf/openai/gpt-oss-20b"]\n', ""
        ),
    )
    result = cli("--stacks-dir", str(stacks_dir), "validate", "--json")
    assert result.returncode == 0, result.stderr
    (warning,) = json.loads(result.stdout)["findings"]
    assert warning["severity"] == "warning"
    assert warning["key"] == "breeze-infra:consumers"


def test_validate_json_misuse_is_a_document_too(cli: CliRun) -> None:
    result = cli("validate", "--json", "--stack", "dev", "--all")
    assert result.returncode == 2
    expected = "breeze-infra validate: argument --all: not allowed with argument --stack/-s"
    assert result.stderr.splitlines() == [expected]
    assert json.loads(result.stdout) == {
        "command": "validate",
        "exitCode": 2,
        "stacks": [],
        "findings": [{"file": None, "key": None, "severity": "error", "message": expected}],
    }


@pytest.fixture
def emulator_tokens() -> list[TokenInfo]:
    return [TokenInfo(BOOTSTRAP)]


@pytest.fixture
def online(emu: CloudflareEmulator, stacks_dir: Path) -> OnlineCli:
    return OnlineCli(emu, stacks_dir)


def test_validate_online_json_gives_the_catalogs_findings_by_file_and_key(
    online: OnlineCli,
) -> None:
    summariser = "@cf/facebook/bart-large-cnn"
    path = online.stack("prod", [CHAT[0], summariser])
    online.stack("dev")
    plain = online("validate", "--online")
    result = online("validate", "--online", "--json")
    assert plain.returncode == result.returncode == 2
    shown = online.relative(path)
    document = json.loads(result.stdout)
    assert document["exitCode"] == 2
    assert [(s["stack"], s["status"]) for s in document["stacks"]] == [
        ("dev", "ok"),
        ("prod", "error"),
    ]
    assert document["findings"] == [
        {
            "file": shown,
            "key": "breeze-infra:models[1].id",
            "severity": "error",
            "message": f"`{summariser}` is a Summarization model; GPT Breeze calls "
            "/chat/completions, which it does not serve",
        }
    ]
    assert BOOTSTRAP not in result.stdout + result.stderr
