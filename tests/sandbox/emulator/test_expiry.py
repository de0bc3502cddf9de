"""A token's lifetime by the emulator's clock: past ``expires_on`` or before ``not_before`` it
authenticates nothing, and verify reports an expired token as ``expired``, as Cloudflare does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from breeze_infra.permissions import ACCOUNT_SCOPE
from breeze_infra.sandbox.emulator import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_TOKEN,
    CloudflareEmulator,
    TokenInfo,
)
from breeze_infra.sandbox.emulator._state import WORKERS_AI_READ_ID

BOOTSTRAP = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
EXPIRES = datetime(2027, 1, 9, 8, 30, tzinfo=UTC)
EXPIRES_TEXT = "2027-01-09T08:30:00Z"
ACCOUNT = f"/accounts/{DEFAULT_ACCOUNT_ID}"
GATEWAY = {
    "id": "breeze-infra-dev",
    "cache_invalidate_on_update": True,
    "cache_ttl": 0,
    "collect_logs": True,
    "rate_limiting_interval": 60,
    "rate_limiting_limit": 100,
    "rate_limiting_technique": "fixed",
    "authentication": False,
}
BEFORE = EXPIRES - timedelta(seconds=1)
ADMIN = "cfat_adminWithAnExpiry000000000000000000000000"
USER_KEY = "cfut_userKeyWithAnExpiry0000000000000000000000"


class Clock:
    """The emulator's now, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def emulator_tokens() -> list[TokenInfo]:
    return [
        TokenInfo(DEFAULT_TOKEN),
        TokenInfo(ADMIN, expires_on=EXPIRES_TEXT),
        TokenInfo(USER_KEY, kind="user", expires_on=EXPIRES_TEXT),
    ]


@pytest.fixture
def clock(emu: CloudflareEmulator) -> Clock:
    moved = Clock(BEFORE)
    emu.set_clock(moved)
    return moved


@pytest.fixture
def emulator(emu: CloudflareEmulator, clock: Clock) -> CloudflareEmulator:
    return emu


def mint(emu: CloudflareEmulator, **times: str) -> tuple[str, str]:
    body: dict[str, Any] = {
        "name": "breeze-infra dev/alice slot-a w1 g0",
        "policies": [
            {
                "effect": "allow",
                "permission_groups": [{"id": WORKERS_AI_READ_ID}],
                "resources": {f"{ACCOUNT_SCOPE}.{DEFAULT_ACCOUNT_ID}": "*"},
            }
        ],
        **times,
    }
    answer = httpx.post(f"{emu.base_url}{ACCOUNT}/tokens", json=body, headers=BOOTSTRAP)
    assert answer.status_code == 200, answer.text
    result = answer.json()["result"]
    return str(result["id"]), str(result["value"])


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def chat(url: str, key: str) -> httpx.Response:
    body = {
        "model": "@cf/meta/llama-3.1-8b-instruct",
        "messages": [{"role": "user", "content": "hi"}],
    }
    return httpx.post(url, json=body, headers=bearer(key))


def direct(emu: CloudflareEmulator) -> str:
    return f"{emu.base_url}{ACCOUNT}/ai/v1/chat/completions"


def verify(emu: CloudflareEmulator, key: str, path: str = f"{ACCOUNT}/tokens/verify") -> Any:
    return httpx.get(f"{emu.base_url}{path}", headers=bearer(key))


def refused_as_invalid(answer: httpx.Response) -> bool:
    body = answer.json()
    return (answer.status_code, body["success"], [e["code"] for e in body["errors"]]) == (
        403,
        False,
        [9109],
    )


def test_a_key_works_until_its_expiry_and_not_from_that_moment(
    emulator: CloudflareEmulator, clock: Clock
) -> None:
    _, key = mint(emulator, expires_on=EXPIRES_TEXT)
    assert chat(direct(emulator), key).status_code == 200
    clock.now = EXPIRES
    assert refused_as_invalid(chat(direct(emulator), key)), "expires_on is the first refused second"
    clock.now = EXPIRES + timedelta(days=30)
    assert refused_as_invalid(chat(direct(emulator), key))
    assert emulator.inference_counts.total() == 1


def test_an_expired_key_is_refused_through_a_gateway_too(
    emulator: CloudflareEmulator, clock: Clock
) -> None:
    emulator.gateways.add_gateway(dict(GATEWAY))
    _, key = mint(emulator, expires_on=EXPIRES_TEXT)
    url = f"{emulator.gateways.gateway_root}/{DEFAULT_ACCOUNT_ID}/{GATEWAY['id']}"
    url += "/workers-ai/v1/chat/completions"
    assert chat(url, key).status_code == 200
    clock.now = EXPIRES
    assert refused_as_invalid(chat(url, key))


def test_verify_reports_an_expired_key_as_expired(
    emulator: CloudflareEmulator, clock: Clock
) -> None:
    token_id, key = mint(emulator, expires_on=EXPIRES_TEXT)
    assert verify(emulator, key).json()["result"]["status"] == "active"
    clock.now = EXPIRES
    answer = verify(emulator, key)
    assert answer.status_code == 200
    assert answer.json()["result"] == {
        "id": token_id,
        "status": "expired",
        "expires_on": EXPIRES_TEXT,
    }
    listed = httpx.get(f"{emulator.base_url}{ACCOUNT}/tokens/{token_id}", headers=BOOTSTRAP)
    assert listed.json()["result"]["status"] == "expired"


def test_a_token_the_emulator_was_given_expires_as_a_minted_one(
    emulator: CloudflareEmulator, clock: Clock
) -> None:
    clock.now = EXPIRES
    assert verify(emulator, ADMIN).json()["result"]["status"] == "expired"
    user = verify(emulator, USER_KEY, "/user/tokens/verify")
    assert user.json()["result"]["status"] == "expired"


def test_an_expired_admin_token_manages_no_tokens(
    emulator: CloudflareEmulator, clock: Clock
) -> None:
    listing = f"{emulator.base_url}{ACCOUNT}/tokens"
    assert httpx.get(listing, headers=bearer(ADMIN)).status_code == 200
    clock.now = EXPIRES
    assert refused_as_invalid(httpx.get(listing, headers=bearer(ADMIN)))
    user_listing = f"{emulator.base_url}/user/tokens"
    assert refused_as_invalid(httpx.get(user_listing, headers=bearer(USER_KEY)))


def test_a_key_before_its_not_before_authenticates_nothing(
    emulator: CloudflareEmulator, clock: Clock
) -> None:
    start = "2027-01-09T08:30:00Z"
    _, key = mint(emulator, not_before=start)
    assert refused_as_invalid(chat(direct(emulator), key))
    early = verify(emulator, key)
    assert (early.status_code, early.json()["errors"][0]["code"]) == (401, 1000)
    clock.now = EXPIRES
    assert chat(direct(emulator), key).status_code == 200
    assert verify(emulator, key).json()["result"]["status"] == "active"


def test_the_clock_is_the_emulators_not_the_walls(emulator: CloudflareEmulator) -> None:
    past = "2001-01-01T00:00:00Z"
    emulator.set_clock(lambda: datetime(2000, 6, 1, tzinfo=UTC))
    _, key = mint(emulator, expires_on=past)
    assert chat(direct(emulator), key).status_code == 200


@pytest.mark.parametrize("key", ["expires_on", "not_before"])
@pytest.mark.parametrize("text", ["2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z"])
def test_a_time_that_does_not_exist_is_refused_with_an_answer(
    emulator: CloudflareEmulator, key: str, text: str
) -> None:
    """The shape alone is not a time: 30 February is refused in the API's envelope, as bad
    input, never a dropped connection."""
    body = {
        "name": "breeze-infra dev/alice slot-a w1 g0",
        "policies": [
            {
                "effect": "allow",
                "permission_groups": [{"id": WORKERS_AI_READ_ID}],
                "resources": {f"{ACCOUNT_SCOPE}.{DEFAULT_ACCOUNT_ID}": "*"},
            }
        ],
        key: text,
    }
    answer = httpx.post(f"{emulator.base_url}{ACCOUNT}/tokens", json=body, headers=BOOTSTRAP)
    assert answer.status_code == 400
    assert answer.json()["success"] is False
    assert key in answer.json()["errors"][0]["message"]
