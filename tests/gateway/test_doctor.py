"""doctor with a gateway on: it reads the gateway back and sends its checks through it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from breeze_infra.config import parse_config
from breeze_infra.doctor._gateway import COMPARED, differences
from breeze_infra.gateway import gateway_inputs
from breeze_infra.sandbox.emulator import CloudflareEmulator, TokenInfo
from tests.online_cli import BOOTSTRAP, CHAT, KEY, OnlineCli, Run, stack_text

GATEWAY = "breeze-infra-dev"


@pytest.fixture
def emulator_tokens() -> list[TokenInfo]:
    return [TokenInfo(BOOTSTRAP), TokenInfo(KEY, permissions=frozenset({"Workers AI Read"}))]


@pytest.fixture
def online(emu: CloudflareEmulator, stacks_dir: Path) -> OnlineCli:
    text = stack_text(CHAT[:1], account_id=emu.account_id) + "  breeze-infra:gateway: {}\n"
    (stacks_dir / "Pulumi.dev.yaml").write_text(text, encoding="utf-8")
    config = parse_config(
        {"accountId": emu.account_id, "models": [{"id": CHAT[0]}], "gateway": {}}, "t", "dev"
    )
    assert config.gateway is not None
    deployed = gateway_inputs(emu.account_id, GATEWAY, config.gateway)
    emu.gateways.add_gateway({"id": GATEWAY, **deployed})
    return OnlineCli(emu, stacks_dir)


def doctor(online: OnlineCli) -> Run:
    return online(
        "doctor",
        "--stack",
        "dev",
        BREEZE_API_KEY=KEY,
        CLOUDFLARE_AI_GATEWAY_BASE_URL=online.emu.gateways.gateway_root,
    )


def lines(run: Run) -> dict[str, str]:
    """Each check's status by name."""
    return {
        name: status
        for status, name, _ in (re.split(r"\s{2,}", line, maxsplit=2) for line in run.out_lines)
    }


def line_of(run: Run, name: str) -> str:
    return next(line for line in run.out_lines if re.split(r"\s{2,}", line)[1] == name)


def test_doctor_passes_through_the_gateway(online: OnlineCli) -> None:
    result = doctor(online)
    assert result.returncode == 0, result.stdout + result.stderr
    assert lines(result) == {
        "token": "ok",
        "route": "ok",
        "gateway": "ok",
        f"model {CHAT[0]}": "ok",
    }
    through = online.emu.requests_to(f"/ai-gateway/v1/{online.emu.account_id}/{GATEWAY}/")
    assert len(through) == 1
    assert online.emu.requests_to(f"/client/v4/accounts/{online.emu.account_id}/ai/v1/") == []
    assert KEY not in result.stdout + result.stderr


def test_a_missing_gateway_fails_clearly(online: OnlineCli) -> None:
    online.emu.gateways.remove_gateway(GATEWAY)
    result = doctor(online)
    assert result.returncode == 1
    line = line_of(result, "gateway")
    assert line.startswith("fail")
    assert f"{GATEWAY} does not exist: run `pulumi up`" in line


def test_a_gateway_changed_by_hand_is_named_setting_by_setting(online: OnlineCli) -> None:
    online.emu.gateways.edit_gateway(GATEWAY, rate_limiting_limit=100_000, authentication=True)
    result = doctor(online)
    assert result.returncode == 1
    line = line_of(result, "gateway")
    assert line.startswith("fail")
    assert "changed outside breeze-infra" in line
    assert "authentication: want False, found True" in line
    assert "rate_limiting_limit: want 240, found 100000" in line


def _every_setting() -> dict[str, Any]:
    config = parse_config(
        {
            "accountId": "0" * 32,
            "models": [{"id": CHAT[0]}],
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
    return gateway_inputs("0" * 32, GATEWAY, config.gateway)


def test_doctor_compares_every_setting_the_program_sets() -> None:
    intended = _every_setting()
    assert set(COMPARED) == set(intended) - {"account_id", "ai_gateway_id"}
    assert {"spend_limits", "dlp", "log_management_strategy"} <= set(COMPARED)


def test_what_cloudflare_adds_to_a_spend_limit_is_no_difference() -> None:
    intended = _every_setting()
    spend = dict(intended["spend_limits"])
    rules = [{**rule, "id": "6fb25042", "enabled": True} for rule in spend["rules"]]
    actual = {**intended, "spend_limits": {**spend, "rules": rules}, "dlp": intended["dlp"]}
    actual["rate_limiting_technique"] = "SLIDING"
    assert differences(intended, actual) == []


def test_spend_limits_and_dlp_changed_by_hand_are_named() -> None:
    intended = _every_setting()
    actual = {
        **intended,
        "spend_limits": {"enabled": False, "rules": []},
        "dlp": {**intended["dlp"], "action": "FLAG"},
    }
    found = differences(intended, actual)
    assert [line.split(":")[0] for line in found] == ["spend_limits", "dlp"]


def test_settings_the_stack_leaves_off_but_found_on_are_named() -> None:
    config = parse_config(
        {"accountId": "0" * 32, "models": [{"id": CHAT[0]}], "gateway": {}}, "t", "dev"
    )
    assert config.gateway is not None
    intended = gateway_inputs("0" * 32, GATEWAY, config.gateway)
    on = {"enabled": True, "action": "BLOCK", "profiles": ["x"]}
    assert differences(intended, {**intended, "dlp": {"enabled": False}}) == []
    assert [d.split(":")[0] for d in differences(intended, {**intended, "dlp": on})] == ["dlp"]


@pytest.mark.parametrize(
    "root",
    ["http://192.0.2.1/v1", "ftp://x y"],
    ids=["plain-http-elsewhere", "not-a-url"],
)
@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_a_gateway_root_refused_before_connecting_fails_the_model_check(
    online: OnlineCli, root: str, as_json: bool
) -> None:
    """Issue 20, A: the refusal (a ValueError) used to make the model's line vanish, exit 0."""
    result = online(
        "doctor",
        "--stack",
        "dev",
        *(["--json"] if as_json else []),
        BREEZE_API_KEY=KEY,
        CLOUDFLARE_AI_GATEWAY_BASE_URL=root,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    if as_json:
        checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
        model = checks[f"model {CHAT[0]}"]
        assert model["status"] == "fail"
        assert model["detail"].startswith("could not run: ")
        assert set(checks) >= {"token", "route", f"model {CHAT[0]}"}
    else:
        line = line_of(result, f"model {CHAT[0]}")
        assert line.startswith("fail")
        assert "could not run: " in line
    assert not re.search(r"Traceback|Error\b", result.stdout + result.stderr)
