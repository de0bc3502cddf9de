"""The emulator's AI Gateway: what tests and the sandbox rely on to exercise gateways offline."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from breeze_infra.gateway import AI_GATEWAY_TYPE as AI_GATEWAY
from breeze_infra.sandbox import cloudflare
from breeze_infra.sandbox.emulator import DEFAULT_ACCOUNT_ID, DEFAULT_TOKEN, CloudflareEmulator
from breeze_infra.sandbox.emulator._gateway import GatewayUsage

AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
MODEL = "@cf/meta/llama-3.1-8b-instruct"
CONFIG: dict[str, Any] = {
    "id": "breeze-infra-dev",
    "cache_invalidate_on_update": True,
    "cache_ttl": 0,
    "collect_logs": True,
    "rate_limiting_interval": 60,
    "rate_limiting_limit": 2,
    "rate_limiting_technique": "sliding",
    "authentication": False,
}


def gateways_url(emu: CloudflareEmulator, rest: str = "") -> str:
    return f"{emu.base_url}/accounts/{DEFAULT_ACCOUNT_ID}/ai-gateway/gateways{rest}"


def chat(emu: CloudflareEmulator, gateway: str = "breeze-infra-dev") -> httpx.Response:
    url = (
        f"{emu.gateways.gateway_root}/{DEFAULT_ACCOUNT_ID}/{gateway}/workers-ai/v1/chat/completions"
    )
    body = {"model": MODEL, "messages": [{"role": "user", "content": "hi there"}], "max_tokens": 1}
    return httpx.post(url, json=body, headers=AUTH)


def test_gateways_are_created_read_replaced_listed_and_deleted(emu: CloudflareEmulator) -> None:
    created = httpx.post(gateways_url(emu), json=CONFIG, headers=AUTH)
    assert created.status_code == 200
    assert (
        httpx.get(gateways_url(emu, "/breeze-infra-dev"), headers=AUTH).json()["result"] == CONFIG
    )
    replaced = {**CONFIG, "rate_limiting_limit": 9}
    assert httpx.put(gateways_url(emu, "/breeze-infra-dev"), json=replaced, headers=AUTH).is_success
    (listed,) = httpx.get(gateways_url(emu), headers=AUTH).json()["result"]
    assert listed["rate_limiting_limit"] == 9
    assert httpx.delete(gateways_url(emu, "/breeze-infra-dev"), headers=AUTH).is_success
    missing = httpx.get(gateways_url(emu, "/breeze-infra-dev"), headers=AUTH)
    assert missing.status_code == 404


def test_a_create_without_the_required_settings_is_refused(emu: CloudflareEmulator) -> None:
    answer = httpx.post(gateways_url(emu), json={"id": "x"}, headers=AUTH)
    assert answer.status_code == 400
    assert "rate_limiting_limit" in answer.json()["errors"][0]["message"]


def test_inference_through_a_gateway_is_rate_limited_with_429(emu: CloudflareEmulator) -> None:
    emu.gateways.add_gateway(CONFIG)
    assert [chat(emu).status_code for _ in range(3)] == [200, 200, 429]
    assert chat(emu, "no-such-gateway").status_code == 404


def test_an_authenticated_gateway_refuses_gpt_breezes_requests(emu: CloudflareEmulator) -> None:
    emu.gateways.add_gateway({**CONFIG, "authentication": True})
    assert chat(emu).status_code == 401


def test_graphql_reports_what_went_through_the_gateway(emu: CloudflareEmulator) -> None:
    emu.gateways.add_gateway(CONFIG)
    for _ in range(3):
        chat(emu)
    query = "{ viewer { accounts { aiGatewayRequestsAdaptiveGroups aiInferenceAdaptiveGroups } } }"
    answer = httpx.post(
        f"{emu.base_url}/graphql",
        json={"query": query, "variables": {"accountTag": DEFAULT_ACCOUNT_ID}},
        headers=AUTH,
    ).json()
    (account,) = answer["data"]["viewer"]["accounts"]
    groups = account["aiGatewayRequestsAdaptiveGroups"]
    assert sorted((g["count"], g["dimensions"]["rateLimited"]) for g in groups) == [(1, 1), (2, 0)]
    (inference,) = account["aiInferenceAdaptiveGroups"]
    assert inference["count"] == 2
    assert inference["dimensions"]["modelId"] == MODEL


def test_graphql_filters_by_hour_and_cuts_at_the_limit(emu: CloudflareEmulator) -> None:
    hours = [f"2026-11-0{day}T10:00:00Z" for day in range(1, 6)]
    emu.gateways.add_usage([GatewayUsage("g", MODEL, hour) for hour in hours])
    variables = {
        "accountTag": DEFAULT_ACCOUNT_ID,
        "filter": {"datetimeHour_geq": hours[1], "datetimeHour_lt": hours[4]},
        "limit": 2,
    }
    answer = httpx.post(
        f"{emu.base_url}/graphql",
        json={"query": "aiGatewayRequestsAdaptiveGroups", "variables": variables},
        headers=AUTH,
    ).json()
    groups = answer["data"]["viewer"]["accounts"][0]["aiGatewayRequestsAdaptiveGroups"]
    assert [g["dimensions"]["datetimeHour"] for g in groups] == hours[1:3]


def test_the_sandbox_provider_keeps_gateways_in_the_emulator(
    emu: CloudflareEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLOUDFLARE_BASE_URL", emu.base_url)
    model = cloudflare.resources({"apiToken": DEFAULT_TOKEN})[AI_GATEWAY]
    inputs = {
        "accountId": DEFAULT_ACCOUNT_ID,
        "aiGatewayId": "breeze-infra-dev",
        "rateLimitingLimit": 240,
        "rateLimitingInterval": 60,
        "rateLimitingTechnique": "sliding",
        "authentication": False,
        "cacheTtl": 0,
        "cacheInvalidateOnUpdate": True,
        "collectLogs": True,
    }
    assert model.check(inputs) == []
    gateway_id, _ = model.create(inputs, preview=False)
    assert gateway_id == "breeze-infra-dev"
    assert emu.gateways.gateway(gateway_id) == {**CONFIG, "rate_limiting_limit": 240}
    model.update(gateway_id, inputs, {**inputs, "rateLimitingLimit": 5}, preview=False)
    assert (emu.gateways.gateway(gateway_id) or {})["rate_limiting_limit"] == 5
    assert model.read(gateway_id, inputs) is not None
    model.delete(gateway_id, inputs)
    assert model.read(gateway_id, inputs) is None
