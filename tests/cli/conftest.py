"""What the CLI's tests share: stack files, a deployed stack's outputs, and the one-line rule."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import CliRun

BAD_STACK = """config:
  breeze-infra:accountId: 0123456789abcdef0123456789abcdef
  breeze-infra:models:
    - id: "@cf/meta/llama-3.1-8b-instruct"
    - id: "llama-3"
  breeze-infra:tokens:
    rotationDays: 7
"""

TEAM_STACK = """config:
  breeze-infra:accountId: 0123456789abcdef0123456789abcdef
  breeze-infra:models:
    - id: "@cf/meta/llama-3.1-8b-instruct"
    - id: "@cf/openai/gpt-oss-20b"
  breeze-infra:consumers:
    - name: alice
    - name: bob
      models: ["@cf/openai/gpt-oss-20b"]
    - name: carol
      revoked: true
"""

KNOWN_KEY = "cfat_" + "K" * 40


def single_error_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    """Bad input: exit 2, no traceback; the lines on stderr, for the test to compare."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    return result.stderr.splitlines()


@pytest.fixture
def outputs_json(cli: CliRun, tmp_path: Path) -> tuple[Path, str]:
    """What `pulumi stack output --json --show-secrets --stack dev` prints, with a known key."""
    synth = json.loads(cli("synth", "--stack", "dev", "--json").stdout)
    outputs = {**synth["outputs"], "apiKey": KNOWN_KEY}
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(outputs))
    return path, KNOWN_KEY
