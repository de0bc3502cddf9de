"""``breeze-infra synth``: the real program against a fake Cloudflare, labelled and redacted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.cli.conftest import TEAM_STACK, single_error_lines
from tests.conftest import ROOT, CliRun, write_stack


def test_synth_is_labelled_simulated_and_hides_secrets(cli: CliRun) -> None:
    result = cli("synth", "--stack", "prod")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("SIMULATED `pulumi up` of stack 'prod' at 2026-11-25T09:30:00Z")
    assert "apiKey: [secret]" in result.stdout
    assert "cfat_" not in result.stdout + result.stderr
    assert "cloudflare:index/accountToken:AccountToken  workers-ai-slot-a" in result.stdout


def test_synth_json_lists_resources_options_and_lookups(cli: CliRun) -> None:
    document = json.loads(cli("synth", "--stack", "dev", "--json").stdout)
    assert document["simulated"] is True
    assert document["permissionGroupLookups"] == 1
    assert [r["type"] for r in document["resources"]] == [
        "breeze:index:WorkersAiToken",
        "cloudflare:index/accountToken:AccountToken",
        "cloudflare:index/accountToken:AccountToken",
    ]
    assert document["outputs"]["apiKey"] == "[secret]"


def test_synth_rejects_a_bad_clock_in_one_line(cli: CliRun) -> None:
    lines = single_error_lines(cli("synth", "--stack", "dev", env={"BREEZE_NOW": "tomorrow"}))
    assert lines == ["BREEZE_NOW='tomorrow' is not an RFC 3339 time such as 2026-11-25T09:00:00Z"]


def test_synth_can_show_one_consumer(cli: CliRun, stacks_dir: Path) -> None:
    write_stack(stacks_dir, "team", TEAM_STACK)
    result = cli(
        "--stacks-dir", str(stacks_dir), "synth", "--stack", "team", "--json", "--consumer", "bob"
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert {r["name"] for r in document["resources"]} == {
        "workers-ai-bob",
        "workers-ai-bob-slot-a",
        "workers-ai-bob-slot-b",
    }
    assert set(document["outputs"]["consumers"]) == {"bob"}
    missing = cli("--stacks-dir", str(stacks_dir), "synth", "--stack", "team", "--consumer", "zed")
    assert single_error_lines(missing) == ["team: no active consumer 'zed' (active: alice, bob)"]


def test_a_failing_program_is_one_line_exit_1() -> None:
    probe = (
        "import sys, breeze_infra.sandbox.mocks as s\n"
        "def refuse(inputs): raise s.CloudflareRejected('token name must be 1-120 characters')\n"
        "s.check_token_inputs = refuse\n"
        "from breeze_infra.cli import main\n"
        "sys.exit(main(['synth', '--stack', 'dev']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "synth --stack dev: the program failed: token name must be 1-120 characters"
    ]


def test_the_main_command_prints_the_manifest_once(cli: CliRun) -> None:
    synth = cli("synth", "--stack", "dev")
    manifest = cli("manifest", "--stack", "dev")
    assert synth.returncode == 0 and manifest.returncode == 0, synth.stderr + manifest.stderr
    both = synth.stdout + manifest.stdout
    assert both.count('"modelId": "@cf/meta/llama-3.1-8b-instruct"') == 1
    assert "`breeze-infra manifest --stack dev` prints it" in synth.stdout
