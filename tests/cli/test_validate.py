"""``breeze-infra validate``: every problem one line naming the file and key, or one JSON document."""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import BAD_STACK, TEAM_STACK, single_error_lines
from tests.conftest import ROOT, CliRun, write_stack


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
    assert lines[1].endswith("Pulumi.bad.yaml: breeze-infra:tokens: unknown key (a typo?)")
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
