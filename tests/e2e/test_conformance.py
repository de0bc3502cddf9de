"""Cloudflare's own Go client judges the emulator (``conformance/``, cloudflare-go v6.10.0).

Every call the provider makes for breeze-infra's resources, with the values the program sends,
built here by breeze-infra's own functions: the permission-group look-up with our filter, account
and user tokens (create, get, list, update, verify, delete), and the AI Gateway (create, get,
update, delete). Each answer must decode into the client's types; the emulator must see each
request as the API would (the query decoded once).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from breeze_infra.config import parse_config
from breeze_infra.gateway import gateway_inputs
from breeze_infra.permissions import group_names, name_filter, policy_document
from breeze_infra.rotation import plan_rotation, timestamp, token_name
from breeze_infra.sandbox.emulator import (
    DEFAULT_TOKEN,
    WORKERS_AI_READ_ID,
    CloudflareEmulator,
    Fault,
)

ROOT = Path(__file__).resolve().parents[2]
BINARY = ROOT / ".conformance" / "bin" / "conformance"
ACCOUNT_ID = "0123456789abcdef0123456789abcdef"
HOW_TO_RUN = "tests/e2e: no Go toolchain to build conformance/ (bash conformance/build.sh)"


@pytest.fixture(scope="module")
def conformance() -> Path:
    """The check, built by conformance/build.sh (which returns at once when it is current)."""
    if shutil.which("go") is None and not Path("/usr/local/go/bin/go").is_file():
        if os.environ.get("BREEZE_E2E") == "1":
            pytest.fail(HOW_TO_RUN, pytrace=False)
        pytest.skip(HOW_TO_RUN)
    subprocess.run(["bash", str(ROOT / "conformance" / "build.sh")], check=True, timeout=1800)
    return BINARY


def _program_values() -> dict[str, object]:
    """What the program sends, from the functions it sends it with."""
    plan = plan_rotation(datetime(2026, 11, 25, 9, tzinfo=UTC), 30)
    policy = policy_document(ACCOUNT_ID, [WORKERS_AI_READ_ID])
    config = parse_config(
        {
            "accountId": ACCOUNT_ID,
            "models": [{"id": "@cf/meta/llama-3.1-8b-instruct"}],
            "gateway": {
                "spendLimit": {"dollars": 25, "days": 7},
                "dlpProfiles": ["0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"],
                "cache": {"ttlSeconds": 300},
            },
        },
        "t",
        "dev",
    )
    assert config.gateway is not None
    inputs = gateway_inputs(ACCOUNT_ID, "breeze-infra-dev", config.gateway)
    gateway = {"id": inputs.pop("ai_gateway_id")}
    gateway.update({k: v for k, v in inputs.items() if k != "account_id" and v is not None})
    return {
        "account_id": ACCOUNT_ID,
        "group_names": [name_filter(name) for name in group_names(["read"])],
        "token": {
            "name": token_name("dev", plan.current, 0),
            "policies": [policy],
            "expires_on": timestamp(plan.current.expires_on),
            "condition": {"request_ip": {"in": ["192.0.2.0/24"], "not_in": ["192.0.2.7/32"]}},
        },
        "renamed": token_name("dev", plan.current, 1),
        "resources": [policy["resources"]],
        "gateway": gateway,
    }


def _run(conformance: Path, emulator: CloudflareEmulator, values: object) -> list[str]:
    done = subprocess.run(
        [str(conformance)],
        input=json.dumps(values),
        env={
            **os.environ,
            "CLOUDFLARE_BASE_URL": emulator.base_url,
            "CLOUDFLARE_API_TOKEN": DEFAULT_TOKEN,
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == (0 if "FAIL" not in done.stdout else 1), done.stderr
    return done.stdout.splitlines()


def test_a_pre_encoded_group_name_finds_nothing_as_the_api_decodes_once(
    conformance: Path,
) -> None:
    values = {**_program_values(), "group_names": ["Workers%20AI%20Read"]}
    with CloudflareEmulator(account_id=ACCOUNT_ID) as emulator:
        lines = _run(conformance, emulator, values)
    assert lines[0].startswith("FAIL account permission groups Workers%20AI%20Read: no group")


def test_an_answer_that_does_not_decode_into_the_clients_types_fails_the_check(
    conformance: Path,
) -> None:
    wrong = {"id": 5, "name": "Workers AI Read", "scopes": "com.cloudflare.api.account"}
    answer = {"success": True, "errors": [], "messages": [], "result": [wrong]}
    with CloudflareEmulator(account_id=ACCOUNT_ID) as emulator:
        emulator.inject(
            f"/accounts/{ACCOUNT_ID}/tokens/permission_groups", [Fault.respond(200, answer)]
        )
        lines = _run(conformance, emulator, _program_values())
    assert lines[0] == (
        "FAIL account permission groups Workers AI Read: answer does not decode into "
        "cloudflare-go's types: result.Result[0].Scopes"
    )


def test_the_go_client_decodes_every_answer_to_every_call_the_provider_makes(
    conformance: Path,
) -> None:
    with CloudflareEmulator(account_id=ACCOUNT_ID) as emulator:
        lines = _run(conformance, emulator, _program_values())
        lookups = emulator.requests_to(f"/accounts/{ACCOUNT_ID}/tokens/permission_groups")
        minted = emulator.minted_values()
    assert [line.split(" ", 1)[0] for line in lines] == ["ok"] * 18, lines
    assert [r.query["name"] for r in lookups] == [["Workers AI Read"]]
    assert len(minted) == 2 and not any(value in line for value in minted for line in lines)
