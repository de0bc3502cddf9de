"""What the guard-rails know about the breeze-infra program: the pack's own copy, on purpose.

The pack is a distributable of its own. It is published to Pulumi Cloud and enforced on stacks
that never install breeze-infra, so it cannot import the program, and the program does not import
the pack. Each fact below therefore has one definition per distributable: here for the pack, and
in ``breeze_infra`` for the program (``permissions`` for the token types, the account scope and the
token-like patterns, ``rotation`` for the clock, the simulated Cloudflare's listing for the Workers
AI permission-group ids). ``tests/policy/test_facts.py`` pins every copy equal to the program's
definition, so they cannot drift apart unnoticed: that test is what "one home per fact" means
across two distributables. Change a fact in both places, in one commit.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import UTC, datetime

ACCOUNT_SCOPE = "com.cloudflare.api.account"
ACCOUNT_TOKEN = "cloudflare:index/accountToken:AccountToken"
USER_TOKEN = "cloudflare:index/apiToken:ApiToken"
"""Pulumi type tokens of the two token resources, as the engine hands them to policies."""
TOKEN_TYPES = frozenset({ACCOUNT_TOKEN, USER_TOKEN})
AI_GATEWAY = "cloudflare:index/aiGateway:AiGateway"
"""The AI Gateway resource the program registers when ``breeze-infra:gateway`` is on."""

WORKERS_AI_GROUPS: Mapping[str, str] = {
    "Workers AI Read": "a92d2450e05d4e7bb7d0a64968f83d11",
    "Workers AI Write": "bacc64e0f6c34fc0883a1223f938a104",
}
"""Cloudflare's Workers AI permission groups, by name. The program looks the ids up by name when
it deploys; a policy cannot call Cloudflare, so the pack carries the ids."""
WORKERS_AI_READ = WORKERS_AI_GROUPS["Workers AI Read"]
WORKERS_AI_WRITE = WORKERS_AI_GROUPS["Workers AI Write"]

PREFIXED_TOKEN = re.compile(r"(?<![A-Za-z0-9])cf[au]t_[A-Za-z0-9_-]{20,}")
"""A current Cloudflare token: ``cfat_`` (account) or ``cfut_`` (user) and its secret."""
LEGACY_TOKEN = re.compile(r"(?<![\w-])(?=[\w-]*\d)(?=[\w-]*[A-Z])(?=[\w-]*[a-z])[\w-]{40}(?![\w-])")
"""An older token: 40 characters mixing digits, capitals and small letters (a 40-character
kebab-case name is not one)."""

NOW_VARIABLE = "BREEZE_NOW"
"""Set, it is the clock of the expiry rule, as it is the program's (tests, replays, CI dry runs)."""


_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
"""RFC 3339 as Go's time package reads it: ``T``, ``t`` or a space between date and time."""
YEARS = (1970, 9000)
"""Times outside these years are refused: a rotation window near year 9999 cannot be computed."""


def parse_time(text: str) -> datetime:
    """An RFC 3339 time with its offset (``Z`` or ``+hh:mm``), as UTC; ValueError otherwise."""
    stripped = text.strip()
    moment = None
    if _RFC3339.fullmatch(stripped):
        iso = f"{stripped[:10]}T{stripped[11:].upper().replace('Z', '+00:00')}"
        try:
            moment = datetime.fromisoformat(iso)
        except ValueError:
            moment = None
    if moment is None:
        raise ValueError(
            f"{NOW_VARIABLE}{_quoted(text)} is not an RFC 3339 time such as 2026-11-25T09:00:00Z"
        )
    if not YEARS[0] <= moment.year <= YEARS[1]:
        raise ValueError(
            f"{NOW_VARIABLE}{_quoted(text)} is outside the years {YEARS[0]} to {YEARS[1]}, "
            "which rotation windows can be computed for"
        )
    return moment.astimezone(UTC)


def _quoted(text: str) -> str:
    """The value, unless it is long, holds control characters or looks like a token."""
    if (
        len(text) > 40
        or not text.isprintable()
        or PREFIXED_TOKEN.search(text)
        or LEGACY_TOKEN.search(text)
    ):
        return " (value not shown)"
    return f"={text!r}"


def current_time() -> datetime:
    """``BREEZE_NOW`` when set, else the system clock: the clock the program runs on."""
    text = os.environ.get(NOW_VARIABLE)
    return parse_time(text) if text else datetime.now(UTC)
