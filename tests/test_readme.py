"""The README is the front door: its two commands are the ones CI runs."""

from __future__ import annotations

import re
import subprocess

from tests.conftest import ROOT


def block(marker: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"<!-- {marker} -->\n```sh\n(.+?)\n```\n<!-- /{marker} -->", text, re.S)
    assert match, f"README.md has no {marker} block"
    return match.group(1)


def test_readme_has_exactly_one_line_per_command() -> None:
    for marker in ("main-command", "test-command"):
        assert "\n" not in block(marker)


def test_main_command_installs_and_runs_synth_and_manifest_for_dev() -> None:
    command = block("main-command")
    assert command.startswith("python3 -m venv .venv && .venv/bin/pip install")
    assert "breeze-infra synth --stack dev" in command
    assert "breeze-infra manifest --stack dev" in command


def test_ci_runs_the_readmes_commands() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "readme_command test-command" in script
    assert "readme_command main-command" in script
    extracted = subprocess.run(
        [
            "bash",
            "-c",
            "source <(sed -n '/^readme_command()/,/^}/p' .ci/run); readme_command test-command",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert extracted.stdout.strip() == block("test-command")
