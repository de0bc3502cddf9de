"""``breeze-infra card``: cards offline or from outputs, files whole, never a key."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import ROOT, CliRun

EXAMPLES = ROOT / "examples" / "stacks"
KEY = "cfat_" + "KnownCardKey0" * 3


def test_cards_for_every_consumer_of_the_team_example(cli: CliRun, tmp_path: Path) -> None:
    done = cli(
        "--stacks-dir",
        str(EXAMPLES),
        "card",
        "--stack",
        "consumers",
        "--all-consumers",
        "-o",
        str(tmp_path),
        "--format",
        "html",
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "consumers-alice.html",
        "consumers-carol.html",
        "consumers-support-team.html",
    ]
    alice = (tmp_path / "consumers-alice.html").read_text(encoding="utf-8")
    assert "pulumi stack output apiKeys --stack consumers --show-secrets --json, key alice" in alice
    assert "every 28 days" in alice
    carol = (tmp_path / "consumers-carol.html").read_text(encoding="utf-8")
    assert "GitHub @carol-example" in carol
    assert "every 7 days" in carol


def test_a_card_from_outputs_carries_the_deployed_values_but_never_the_key(cli: CliRun) -> None:
    manifest = json.loads(
        cli(
            "--stacks-dir", str(EXAMPLES), "manifest", "--stack", "consumers", "--consumer", "alice"
        ).stdout
    )
    manifest["credentials"][0]["expiresOn"] = "2027-02-01T00:00:00Z"
    outputs = {
        "baseUrl": manifest["credentials"][0]["baseUrl"],
        "apiKeys": {"alice": KEY},
        "consumers": {"alice": {"manifest": manifest}},
    }
    done = cli(
        "--stacks-dir",
        str(EXAMPLES),
        "card",
        "--stack",
        "consumers",
        "--consumer",
        "alice",
        "--from-outputs",
        "-",
        input=json.dumps(outputs),
    )
    assert done.returncode == 0, done.stderr
    assert "works until 2027-02-01 00:00 UTC" in done.stdout
    assert KEY not in done.stdout + done.stderr


def test_a_stack_with_consumers_wants_one_named(cli: CliRun) -> None:
    done = cli("--stacks-dir", str(EXAMPLES), "card", "--stack", "consumers")
    assert done.returncode == 2
    assert "--consumer NAME" in done.stderr
    assert "Traceback" not in done.stderr
