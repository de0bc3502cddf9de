"""No command ever shows a token: not on stdout, not on stderr, not in --debug logs.

Each command runs with known token values, including runs where Cloudflare (the emulator) echoes
the token back in error messages and bodies, since that is where a leak would come from.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from breeze_infra.sandbox.emulator import CloudflareEmulator, Fault, TokenInfo
from tests.doctor.test_doctor import outputs
from tests.online_cli import OnlineCli, Run

BOOT = "cfat_CANARYbootstrap7d1f0c2a9b8e4d6f1a3c5e7b9d0f2a4"
KEY = "cfat_CANARYdeployed3c5e7b9d0f2a4c7d1f0c2a9b8e4d6f1"
UNKNOWN = "cfat_CANARYunknown9b8e4d6f1a3c5e7b9d0f2a4c7d1f0c2"
CANARY = "CANARY"


@pytest.fixture
def emulator_tokens() -> list[TokenInfo]:
    return [TokenInfo(BOOT), TokenInfo(KEY)]


def echo(token: str) -> list[Fault]:
    """Answers that quote the token, the way a misbehaving proxy or API message might."""
    return [
        Fault.status(403, message=f"token {token} is not allowed here"),
        Fault.malformed(f"<html>Bearer {token}</html>"),
        Fault.status(400, code=5006, message=f"bad request from {token}"),
        Fault.status(503, message=f"upstream saw {token} and gave up"),
    ]


def test_no_command_prints_a_token_even_at_debug_level(
    emu: CloudflareEmulator, stacks_dir: Path, tmp_path: Path
) -> None:
    online = OnlineCli(emu, stacks_dir)
    online.stack("dev")
    account = emu.account_id
    outputs_file = tmp_path / "outputs.json"
    outputs_file.write_text(outputs(online, api_key=KEY))
    runs: list[Run] = []

    def run(
        *args: str,
        faults: Sequence[Fault] = (),
        at: str = "/accounts",
        stdin: str = "",
        **env: str,
    ) -> None:
        emu.clear_faults()
        emu.inject(at, faults)
        runs.append(online("--debug", *args, input=stdin, **{"CLOUDFLARE_API_TOKEN": BOOT, **env}))

    run("validate", "--online", "--stack", "dev")
    for fault in echo(BOOT):
        run("validate", "--online", "--stack", "dev", faults=[fault])
    run("validate", "--online", "--stack", "dev", CLOUDFLARE_API_TOKEN=UNKNOWN)
    run("manifest", "--stack", "dev", "--online")
    run("manifest", "--from-outputs", str(outputs_file))
    run("doctor", "--stack", "dev", "--from-outputs", str(outputs_file))
    run("doctor", "--stack", "dev", BREEZE_API_KEY=KEY)
    run(
        "doctor",
        "--stack",
        "dev",
        BREEZE_API_KEY=KEY,
        faults=echo(KEY),
        at=f"/accounts/{account}/ai/",
    )
    run("doctor", "--stack", "dev", BREEZE_API_KEY=KEY, faults=echo(KEY)[:1], at="/accounts")
    run("doctor", "--stack", "dev", BREEZE_API_KEY=UNKNOWN)
    run("doctor", "--stack", "dev", "--from-outputs", "-", stdin=outputs_file.read_text())
    run("doctor", "--stack", "dev", "--from-outputs", "-", stdin="{not json " + KEY)

    assert {r.returncode for r in runs} == {0, 1, 2}
    for result in runs:
        assert CANARY not in result.stdout
        assert CANARY not in result.stderr
    debug = "\n".join(r.stderr for r in runs)
    assert f"debug: breeze_infra.client: GET /accounts/{account}/ai/models/search" in debug
    assert "debug: breeze_infra.client: retrying" in debug
    assert "[REDACTED]" in debug + "\n".join(r.stdout for r in runs)
    assert {BOOT, KEY, UNKNOWN} <= set(emu.bearer_tokens())
