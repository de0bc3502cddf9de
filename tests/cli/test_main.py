"""``breeze-infra`` as a Pulumi user types it: global options anywhere, ``-C``, ``PULUMI_STACK``,
``--version``, one-line misuse, help that says enough, a quiet end on a closed pipe."""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from breeze_infra.cli import main
from breeze_infra.cli.commands import COMMANDS as LISTED
from breeze_infra.cli.parser import build_parser, chosen_command
from breeze_infra.exits import CommandError
from tests.cli.conftest import single_error_lines
from tests.conftest import ROOT, SUBPROCESS_BOUND, CliRun


def test_stacks_dir_defaults_to_the_projects_stack_config_dir(cli: CliRun) -> None:
    result = cli("validate", "--stack", "dev", cwd=ROOT / "tests")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "../stacks/Pulumi.dev.yaml: ok\n"


def test_the_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "breeze-infra"
    result = subprocess.run(
        [str(script), "validate", "--stack", "dev"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_global_options_go_before_or_after_the_command(cli: CliRun, tmp_path: Path) -> None:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "Pulumi.qa.yaml").write_text((ROOT / "stacks" / "Pulumi.dev.yaml").read_text())
    before = cli("--stacks-dir", str(folder), "validate", "--stack", "qa")
    after = cli("validate", "--stack", "qa", "--stacks-dir", str(folder))
    assert before.returncode == after.returncode == 0, before.stderr + after.stderr
    assert before.stdout == after.stdout
    literal = cli("validate", "--stack", "dev", "--stacks-dir", "stacks")
    assert literal.stdout == "stacks/Pulumi.dev.yaml: ok\n", literal.stderr
    debug_after = cli("manifest", "--stack", "dev", "--debug")
    assert debug_after.returncode == 0, debug_after.stderr


def test_dash_c_runs_as_if_started_in_that_folder(cli: CliRun, tmp_path: Path) -> None:
    before = cli("-C", str(ROOT / "tests"), "validate", "--stack", "dev", cwd=tmp_path)
    after = cli("validate", "--stack", "dev", "--cwd", str(ROOT / "tests"), cwd=tmp_path)
    assert before.returncode == after.returncode == 0, before.stderr + after.stderr
    assert before.stdout == after.stdout == "../stacks/Pulumi.dev.yaml: ok\n"
    stacks = str(ROOT / "stacks")
    written = cli(
        "manifest", "--stack", "dev", "-o", "dev.json", "--stacks-dir", stacks, "-C", str(tmp_path)
    )
    assert written.returncode == 0, written.stderr
    assert (tmp_path / "dev.json").is_file()


def test_dash_c_into_a_missing_folder_is_one_line(cli: CliRun, tmp_path: Path) -> None:
    lines = single_error_lines(cli("-C", str(tmp_path / "gone"), "validate"))
    assert lines == [
        f"breeze-infra: -C {tmp_path / 'gone'}: cannot run there (No such file or directory)"
    ]


def test_the_stack_comes_from_pulumi_stack_and_says_so(cli: CliRun) -> None:
    from_env = cli("manifest", env={"PULUMI_STACK": "staging"})
    assert from_env.returncode == 0, from_env.stderr
    assert json.loads(from_env.stdout)["environment"] == "staging"
    assert from_env.stderr == "using stack staging (from PULUMI_STACK)\n"
    given = cli("manifest", "--stack", "prod", env={"PULUMI_STACK": "staging"})
    assert json.loads(given.stdout)["environment"] == "prod"
    assert given.stderr == ""
    validated = cli("validate", env={"PULUMI_STACK": "dev"})
    assert validated.stdout == "stacks/Pulumi.dev.yaml: ok\n"
    every = cli("validate", "--all", env={"PULUMI_STACK": "dev"})
    assert len(every.stdout.splitlines()) == 3


def test_a_command_that_needs_a_stack_names_both_ways_to_give_one(cli: CliRun) -> None:
    env = {"PULUMI_STACK": ""}
    assert single_error_lines(cli("synth", env=env)) == [
        "breeze-infra synth: --stack NAME is required (or set PULUMI_STACK)"
    ]


def test_version_is_the_packages_one_version() -> None:
    import breeze_infra

    result = subprocess.run(
        [sys.executable, "-m", "breeze_infra", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert result.stdout == f"breeze-infra {breeze_infra.__version__}\n"
    assert importlib.metadata.version("breeze-infra") == breeze_infra.__version__


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["validate", "--bogus"], "breeze-infra: unrecognized arguments: --bogus"),
        (
            ["validate", "--stack", "dev", "--all"],
            "breeze-infra validate: argument --all: not allowed with argument --stack/-s",
        ),
        (
            ["manifest", "--consumer", "a", "--all-consumers"],
            "breeze-infra manifest: argument --all-consumers: not allowed with argument --consumer",
        ),
        (
            ["doctor", "--timeout", "soon"],
            "breeze-infra doctor: argument --timeout: 'soon' is not a number of seconds > 0",
        ),
        (["deploy"], "breeze-infra: argument COMMAND: invalid choice: 'deploy'"),
    ],
)
def test_misuse_is_one_line_naming_the_option(cli: CliRun, args: list[str], expected: str) -> None:
    (line,) = single_error_lines(cli(*args))
    assert line.startswith(expected)


def test_main_returns_a_plain_int(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["schema", "manifest"])
    assert type(code) is int
    assert code == 0
    assert type(main(["validate", "--bogus"])) is int
    capsys.readouterr()


COMMANDS = sorted(
    name
    for action in build_parser()._actions
    if isinstance(action, argparse._SubParsersAction)
    for name in action.choices
)


def test_every_command_is_listed() -> None:
    assert (
        sorted(
            [
                "validate",
                "manifest",
                "card",
                "doctor",
                "usage",
                "rotation",
                "remind",
                "synth",
                "sandbox",
                "schema",
                "completion",
            ]
        )
        == COMMANDS
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_help_says_what_how_which_variables_and_which_exit_codes(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([command, "--help"]) == 0
    text = capsys.readouterr().out
    usage, description, *_ = text.split("\n\n")
    assert usage.startswith(f"usage: breeze-infra {command} ")
    assert len(description) > 40, description
    examples = text.split("examples:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert len(examples) == 2
    assert all("breeze-infra " in line for line in examples)
    assert "environment variables:\n" in text
    codes = {line.split()[0] for line in text.split("exit codes:\n", 1)[1].splitlines() if line}
    assert {"0", "2"} <= codes
    for shared in ("--stacks-dir", "--debug", "--cwd"):
        assert shared in text


def test_help_names_the_variables_each_command_reads(capsys: pytest.CaptureFixture[str]) -> None:
    expected = {
        "validate": ["PULUMI_STACK", "CLOUDFLARE_API_TOKEN", "BREEZE_NOW"],
        "manifest": ["PULUMI_STACK", "BREEZE_NOW", "CLOUDFLARE_API_TOKEN"],
        "doctor": ["PULUMI_STACK", "BREEZE_API_KEY", "CLOUDFLARE_BASE_URL"],
        "synth": ["PULUMI_STACK", "BREEZE_NOW"],
    }
    for command, names in expected.items():
        main([command, "--help"])
        section = capsys.readouterr().out.split("environment variables:\n", 1)[1]
        section = section.split("\n\n", 1)[0]
        assert [n for n in names if n not in section] == [], command


def test_a_reader_that_closes_the_pipe_ends_the_run_quietly(tmp_path: Path) -> None:
    command = f"'{sys.executable}' -m breeze_infra synth --stack dev | head -1"
    result = subprocess.run(
        ["bash", "-c", f'{command}; echo "exit ${{PIPESTATUS[0]}}"'],
        cwd=ROOT,
        env={**os.environ, "BREEZE_NOW": "2026-11-25T09:30:00Z"},
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_BOUND,
        check=False,
    )
    assert result.stderr == ""
    first, status = result.stdout.splitlines()
    assert first.startswith("SIMULATED `pulumi up` of stack 'dev'")
    assert status == "exit 0"


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["manifest", "--stack", "prod"], "manifest"),
        (["--stacks-dir", "validate", "doctor"], "doctor"),
        (["--stacks=synth", "usage"], "usage"),
        (["--stacks", "synth", "usage"], "usage"),
        (["-C", "schema", "validate"], "validate"),
        (["validate", "--stack", "manifest"], "validate"),
        (["--help"], None),
        (["nonsense"], None),
    ],
)
def test_the_command_named_is_found_past_global_options_values(
    words: list[str], expected: str | None
) -> None:
    assert chosen_command(words) == expected


def test_a_command_loads_its_own_module_and_no_other_commands() -> None:
    """Why `manifest` stays quick: the parser is built for the command that runs."""
    probe = (
        "import sys; from breeze_infra.cli import main; "
        "main(['--stacks-dir', 'stacks', 'manifest', '--stack', 'prod', '-o', 'manifest.json']); "
        "print(sorted(m for m in sys.modules if m.startswith('breeze_infra.cli.')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "BREEZE_NOW": "2026-11-25T09:30:00Z"},
    )
    loaded = set(json.loads(result.stdout.splitlines()[-1].replace("'", '"')))
    others = {f"breeze_infra.cli.{name}" for name in LISTED} - {"breeze_infra.cli.manifest"}
    assert "breeze_infra.cli.manifest" in loaded
    assert loaded & others == set()


def test_misuse_after_the_shortcut_reads_as_the_whole_parser_says(cli: CliRun) -> None:
    whole = build_parser()
    with pytest.raises(CommandError) as expected:
        whole.parse_args(["manifest", "--no-such-flag"])
    result = cli("manifest", "--no-such-flag")
    assert result.returncode == 2
    assert result.stderr.strip() == str(expected.value)
