"""The README is the front door: its two commands are the ones CI runs, and the reference pages
it links to show examples that the CLI and the published schema accept."""

from __future__ import annotations

import json
import re
import subprocess

import jsonschema
import yaml

from breeze_infra.backends import NAMES
from breeze_infra.config import parse_config
from breeze_infra.schemas import committed_path
from tests.conftest import ROOT


def block(marker: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"<!-- {marker} -->\n```sh\n(.+?)\n```\n<!-- /{marker} -->", text, re.S)
    assert match, f"README.md has no {marker} block"
    return match.group(1)


def test_readme_has_exactly_one_line_per_command() -> None:
    for marker in ("main-command", "test-command", "e2e-command"):
        assert "\n" not in block(marker)


def test_main_command_installs_and_runs_synth_and_manifest_for_dev() -> None:
    """Installed as Pulumi installs it: the locked default groups, nothing else."""
    command = block("main-command")
    assert "uv sync --locked -q &&" in command
    assert "--all-groups" not in command and "--group" not in command
    assert "breeze-infra synth --stack dev" in command
    assert "breeze-infra manifest --stack dev" in command


def test_ci_runs_the_readmes_commands() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "readme_command test-command" in script
    assert "readme_command main-command" in script
    assert "readme_command e2e-command" in script
    assert 'BREEZE_E2E=1 bash -euo pipefail -c "$e2e"' in script
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


def yaml_blocks(page: str) -> list[str]:
    text = (ROOT / page).read_text(encoding="utf-8")
    return re.findall(r"```yaml\n(.+?)```", text, re.S)


def test_the_team_example_is_valid_for_the_cli_and_the_published_schema() -> None:
    (example,) = yaml_blocks("docs/consumers.md")[:1]
    config = yaml.safe_load(example)["config"]
    values = {key.split(":", 1)[1]: value for key, value in config.items()}
    parse_config(values, "docs/consumers.md", "prod")
    schema = json.loads(committed_path("config").read_text(encoding="utf-8"))
    jsonschema.validate(values, schema)


def test_every_backend_example_is_a_valid_entry() -> None:
    schema = json.loads(committed_path("config").read_text(encoding="utf-8"))
    examples = yaml_blocks("docs/backends.md")
    entries = [
        entry
        for block in examples
        for entry in (yaml.safe_load(block) or [])
        if isinstance(entry, dict)
    ]
    assert {entry["backend"] for entry in entries} == set(NAMES)
    base = {"accountId": "0123456789abcdef0123456789abcdef", "models": [{"id": "@cf/a/b"}]}
    for entry in entries:
        values = {**base, "secrets": [entry]}
        parse_config(values, "docs/backends.md", "prod")
        jsonschema.validate(values, schema)


def test_the_tests_install_from_the_lock_with_every_group() -> None:
    assert "uv sync --locked --all-groups" in block("test-command")


def test_each_backends_install_command_is_the_one_validate_prints() -> None:
    from breeze_infra.backends import backend_classes

    text = (ROOT / "docs" / "backends.md").read_text(encoding="utf-8")
    for entry in backend_classes().values():
        if entry.package:
            assert f"`uv add --group backends '{entry.requirement}'`" in text, entry.backend
