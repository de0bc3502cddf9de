"""The one token listing: every breeze-infra token of a stack in pages of 50, nothing else."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from breeze_infra.cloudflare import CloudflareClient
from breeze_infra.config import parse_config
from breeze_infra.sandbox.emulator import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_TOKEN,
    CloudflareEmulator,
    TokenInfo,
)
from breeze_infra.token_listing import SlotToken, list_slot_tokens, parse_listing
from tests.conftest import minimal_values


@pytest.fixture
def emulator_tokens() -> list[TokenInfo]:
    named = [
        TokenInfo(
            f"cfat_listing{n:035d}",
            record={
                "name": f"breeze-infra prod/p{n} slot-{'ab'[n % 2]} w{100 + n % 2} g0",
                "issued_on": "2026-11-01T00:00:00Z",
                **({"last_used_on": "2026-11-02T00:00:00Z"} if n % 3 == 0 else {}),
            },
        )
        for n in range(60)
    ]
    other = TokenInfo("cfat_someoneElsesToken00000000000000000000000", record={"name": "ci"})
    return [TokenInfo(DEFAULT_TOKEN), *named, other]


def test_sixty_tokens_take_two_pages_and_only_ours_are_kept(emu: CloudflareEmulator) -> None:
    config = parse_config(minimal_values(accountId=DEFAULT_ACCOUNT_ID), "x")

    async def listing() -> tuple[int, list[SlotToken]]:
        async with CloudflareClient(DEFAULT_TOKEN, base_url=emu.base_url) as client:
            found = await list_slot_tokens(client, config)
            return client.request_count, list(found)

    requests, found = asyncio.run(listing())
    assert requests == 2
    assert len(found) == 60
    first = found[0]
    assert (first.owner, first.slot, first.window, first.generation) == ("prod/p0", "a", 100, 0)
    assert first.last_used_on == "2026-11-02T00:00:00Z"
    assert found[1].last_used_on is None


def test_the_emulator_refuses_a_page_size_cloudflare_refuses(emu: CloudflareEmulator) -> None:
    url = f"{emu.base_url}/accounts/{DEFAULT_ACCOUNT_ID}/tokens"
    auth = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
    assert httpx.get(url, params={"per_page": 51}, headers=auth).status_code == 400
    assert httpx.get(url, params={"per_page": 4}, headers=auth).status_code == 400
    default = httpx.get(url, headers=auth).json()
    assert default["result_info"]["per_page"] == 20
    assert len(default["result"]) == 20


def test_names_that_are_not_breeze_infras_are_skipped() -> None:
    listing = [
        {"name": "breeze-infra prod/alice slot-c w1 g0"},
        {"name": "breeze-infra prod/alice slot-a w1"},
        {"name": "my token"},
        "not a token",
        {"name": "breeze-infra prod slot-b w7 g2", "id": "t", "last_used_on": ""},
    ]
    (only,) = parse_listing(listing)
    assert (only.owner, only.slot, only.window, only.generation, only.last_used_on) == (
        "prod",
        "b",
        7,
        2,
        None,
    )
