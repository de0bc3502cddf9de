"""``last_used_on``: the emulator shows a key's use on any authenticated Workers AI call, direct or
through a gateway, as the token listing that ``usage`` and ``rotation`` read reports it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from breeze_infra.permissions import ACCOUNT_SCOPE
from breeze_infra.sandbox.emulator import DEFAULT_ACCOUNT_ID, DEFAULT_TOKEN, CloudflareEmulator
from breeze_infra.sandbox.emulator._state import PERMISSION_GROUPS, WORKERS_AI_READ_ID

BOOTSTRAP = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
MODEL = "@cf/meta/llama-3.1-8b-instruct"
GROUP_IDS = {str(g["name"]): str(g["id"]) for g in PERMISSION_GROUPS}
MOMENT = datetime(2027, 1, 9, 8, 30, tzinfo=UTC)
GATEWAY: dict[str, Any] = {
    "id": "breeze-infra-dev",
    "cache_invalidate_on_update": True,
    "cache_ttl": 0,
    "collect_logs": True,
    "rate_limiting_interval": 60,
    "rate_limiting_limit": 1,
    "rate_limiting_technique": "fixed",
    "authentication": False,
}


def mint(emu: CloudflareEmulator, group: str = WORKERS_AI_READ_ID) -> tuple[str, str]:
    body = {
        "name": "breeze-infra dev/alice slot-a w1 g0",
        "policies": [
            {
                "effect": "allow",
                "permission_groups": [{"id": group}],
                "resources": {f"{ACCOUNT_SCOPE}.{DEFAULT_ACCOUNT_ID}": "*"},
            }
        ],
    }
    answer = httpx.post(
        f"{emu.base_url}/accounts/{DEFAULT_ACCOUNT_ID}/tokens", json=body, headers=BOOTSTRAP
    )
    result = answer.json()["result"]
    return str(result["id"]), str(result["value"])


def listed(emu: CloudflareEmulator, token_id: str) -> dict[str, Any]:
    answer = httpx.get(f"{emu.base_url}/accounts/{DEFAULT_ACCOUNT_ID}/tokens", headers=BOOTSTRAP)
    return next(t for t in answer.json()["result"] if t["id"] == token_id)


def chat(url: str, key: str) -> int:
    body = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 1}
    return httpx.post(url, json=body, headers={"Authorization": f"Bearer {key}"}).status_code


def direct(emu: CloudflareEmulator) -> str:
    return f"{emu.base_url}/accounts/{DEFAULT_ACCOUNT_ID}/ai/v1/chat/completions"


def through_gateway(emu: CloudflareEmulator) -> str:
    root = emu.gateways.gateway_root
    return f"{root}/{DEFAULT_ACCOUNT_ID}/{GATEWAY['id']}/workers-ai/v1/chat/completions"


def test_a_fresh_key_has_never_been_used(emu: CloudflareEmulator) -> None:
    emu.set_clock(lambda: MOMENT)
    token_id, _ = mint(emu)
    record = listed(emu, token_id)
    assert "last_used_on" not in record
    assert record["issued_on"] == "2027-01-09T08:30:00Z"


def test_a_direct_workers_ai_call_records_the_keys_last_use(emu: CloudflareEmulator) -> None:
    token_id, key = mint(emu)
    emu.set_clock(lambda: MOMENT)
    assert chat(direct(emu), key) == 200
    assert listed(emu, token_id)["last_used_on"] == "2027-01-09T08:30:00Z"


def test_an_authenticated_call_that_fails_later_still_counts_as_use(
    emu: CloudflareEmulator,
) -> None:
    token_id, key = mint(emu)
    emu.set_clock(lambda: MOMENT)
    search = f"{emu.base_url}/accounts/{DEFAULT_ACCOUNT_ID}/ai/models/search?per_page=5"
    assert httpx.get(search, headers={"Authorization": f"Bearer {key}"}).status_code == 200
    assert listed(emu, token_id)["last_used_on"] == "2027-01-09T08:30:00Z"


def test_a_call_through_a_gateway_records_the_keys_last_use(emu: CloudflareEmulator) -> None:
    emu.gateways.add_gateway(GATEWAY)
    token_id, key = mint(emu)
    emu.set_clock(lambda: MOMENT)
    assert chat(through_gateway(emu), key) == 200
    assert listed(emu, token_id)["last_used_on"] == "2027-01-09T08:30:00Z"


def test_a_request_the_gateway_turns_away_never_reached_workers_ai(
    emu: CloudflareEmulator,
) -> None:
    emu.gateways.add_gateway(GATEWAY)
    token_id, key = mint(emu)
    emu.set_clock(lambda: MOMENT)
    assert chat(through_gateway(emu), key) == 200
    emu.set_clock(lambda: MOMENT.replace(hour=9))
    assert chat(through_gateway(emu), key) == 429
    assert listed(emu, token_id)["last_used_on"] == "2027-01-09T08:30:00Z"


def test_a_key_without_workers_ai_is_refused_and_not_used(emu: CloudflareEmulator) -> None:
    emu.gateways.add_gateway(GATEWAY)
    token_id, key = mint(emu, group=GROUP_IDS["Workers Scripts Read"])
    emu.set_clock(lambda: MOMENT)
    assert chat(direct(emu), key) == 403
    assert chat(through_gateway(emu), key) == 403
    assert "last_used_on" not in listed(emu, token_id)


def test_an_update_keeps_the_last_use(emu: CloudflareEmulator) -> None:
    token_id, key = mint(emu)
    emu.set_clock(lambda: MOMENT)
    assert chat(direct(emu), key) == 200
    record = listed(emu, token_id)
    body = {k: record[k] for k in ("name", "policies")}
    url = f"{emu.base_url}/accounts/{DEFAULT_ACCOUNT_ID}/tokens/{token_id}"
    assert httpx.put(url, json=body, headers=BOOTSTRAP).status_code == 200
    assert listed(emu, token_id)["last_used_on"] == "2027-01-09T08:30:00Z"
