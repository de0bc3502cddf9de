"""The one reader of the token listing: every breeze-infra token of a stack, with its slot and use.

``usage`` and ``rotation`` both need, for each consumer, when each slot's token was created, when
it expires and when it was last used. Cloudflare answers that in one paged listing
(``GET /accounts/<id>/tokens``, or ``/user/tokens`` for user-owned tokens; Account API Tokens
Read), whatever the number of consumers: 500 tokens are 10 pages of 50.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from breeze_infra.cloudflare import CloudflareClient
from breeze_infra.config import StackConfig
from breeze_infra.endpoints import account_path

PER_PAGE: Final = 50
"""Tokens per page: the largest the API takes (its schema for the listing says 5 to 50, default
20; cloudflare-go v6 ``accounts.TokenListParams.PerPage``), so the fewest requests."""
PER_PAGE_RANGE: Final = (5, 50)
MAX_PAGES: Final = 20
"""Cloudflare's quota is 500 account tokens (10 pages); a listing that goes on is refused."""
LIST_PERMISSION: Final = "Account API Tokens Read"

_NAME = re.compile(
    r"^breeze-infra (?P<owner>\S+) slot-(?P<slot>[ab]) w(?P<window>\d{1,7}) g(?P<generation>\d+)$"
)


@dataclass(frozen=True)
class SlotToken:
    """One breeze-infra token as the listing shows it: never its value, which it does not carry."""

    owner: str
    """``<stack>`` for a stack without consumers, else ``<stack>/<consumer>``."""
    slot: str
    window: int
    generation: int
    token_id: str
    status: str
    issued_on: str | None
    expires_on: str | None
    last_used_on: str | None


def tokens_path(config: StackConfig) -> str:
    if config.token.owner == "account":
        return f"{account_path(config.account_id)}/tokens"
    return "/user/tokens"


def owner_of(stack: str, consumer: str | None) -> str:
    """The owner part of a token's name (``rotation.token_name``)."""
    return f"{stack}/{consumer}" if consumer else stack


async def list_slot_tokens(
    client: CloudflareClient, config: StackConfig, *, per_page: int = PER_PAGE
) -> list[SlotToken]:
    """Every token of the account (or user) whose name breeze-infra gave it, in listing order."""
    low, high = PER_PAGE_RANGE
    if not low <= per_page <= high:
        raise ValueError(f"per_page must be between {low} and {high}")
    listing = [
        item
        async for item in client.paginate(
            tokens_path(config),
            per_page=per_page,
            permission_hint=LIST_PERMISSION,
            max_pages=MAX_PAGES,
        )
    ]
    return parse_listing(listing)


def parse_listing(listing: Sequence[Any]) -> list[SlotToken]:
    """The listing's breeze-infra tokens; any other token, or a malformed entry, is skipped."""
    found = []
    for item in listing:
        if not isinstance(item, Mapping):
            continue
        match = _NAME.match(str(item.get("name", "")))
        if not match:
            continue
        found.append(
            SlotToken(
                owner=match.group("owner"),
                slot=match.group("slot"),
                window=int(match.group("window")),
                generation=int(match.group("generation")),
                token_id=str(item.get("id", "")),
                status=str(item.get("status", "")),
                issued_on=_text(item.get("issued_on")),
                expires_on=_text(item.get("expires_on")),
                last_used_on=_text(item.get("last_used_on")),
            )
        )
    return found


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
