"""What a Workers AI token may do: its permission groups, its one policy and its IP condition.

Pure data, shaped as Cloudflare's API takes it, defined once for the program. The policy pack is
installed without breeze-infra, so it keeps its own copy of the token types, the account scope,
the Workers AI permission groups and the token-like patterns (``policy/breeze_guardrails/facts.py``); ``tests/policy/test_facts.py``
pins that copy equal to this one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

Permission = Literal["read", "write"]

ACCOUNT_SCOPE = "com.cloudflare.api.account"
ACCOUNT_TOKEN = "cloudflare:index/accountToken:AccountToken"
USER_TOKEN = "cloudflare:index/apiToken:ApiToken"
"""Pulumi type tokens of the two token resources, as the engine, mocks and policies see them."""
PERMISSION_GROUPS: Mapping[Permission, str] = {
    "read": "Workers AI Read",
    "write": "Workers AI Write",
}
"""The Workers AI permission groups by the name the program looks them up with."""
PERMISSION_GROUP_IDS: Mapping[Permission, str] = {
    "read": "a92d2450e05d4e7bb7d0a64968f83d11",
    "write": "bacc64e0f6c34fc0883a1223f938a104",
}
"""Their ids as Cloudflare lists them. The program never sends these unseen: it looks each id up
by name when it deploys. The simulated Cloudflare and the emulator list them, and the policy
pack carries its own copy, since a policy cannot call Cloudflare."""


PREFIXED_TOKEN = re.compile(r"(?<![A-Za-z0-9])cf[au]t_[A-Za-z0-9_-]{20,}")
"""A current Cloudflare token: ``cfat_`` (account) or ``cfut_`` (user) and its secret."""
LEGACY_TOKEN = re.compile(r"(?<![\w-])(?=[\w-]*\d)(?=[\w-]*[A-Z])(?=[\w-]*[a-z])[\w-]{40}(?![\w-])")
"""An older token: 40 characters mixing digits, capitals and small letters (a 40-character
kebab-case name is not one)."""


class PermissionGroupError(LookupError):
    """The permission-group listing lacks a group we need: the message says what to check."""


def group_names(permissions: Iterable[Permission]) -> list[str]:
    return sorted({PERMISSION_GROUPS[p] for p in permissions})


def name_filter(group_name: str) -> str:
    """The permission-group listing's ``name`` filter: the plain name ('Workers AI Read').

    The API reference says the value "must be URL-encoded", but the provider's client
    (cloudflare-go v6.10.0 ``accounts/tokenpermissiongroup.go``, ``URLQuery``) builds the query with
    ``url.Values``, which encodes it; a pre-encoded name would go out as ``Workers%2520AI%2520Read``
    and, decoded once by the API, match nothing.
    """
    return group_name


def account_resources(account_id: str) -> str:
    """The policy's resources as JSON text, in the compact form with sorted keys the API answers.

    The provider keeps the API's raw text in state (terraform-provider-cloudflare v5.x,
    ``account_token/schema.go``: ``resources`` is a normalised JSON string); any other spacing would
    differ from state after every ``up``.
    """
    return json.dumps({f"{ACCOUNT_SCOPE}.{account_id}": "*"}, separators=(",", ":"), sort_keys=True)


def select_group_id(results: Sequence[Mapping[str, Any]], group_name: str) -> str:
    """The id of the one account-scoped group named exactly ``group_name``.

    The API's name filter is a search, not an equality test, so decoys ('Workers AI Read Only',
    user-scoped twins) are ruled out here rather than trusted.
    """
    matches = sorted(
        {
            str(group["id"])
            for group in results
            if group.get("name") == group_name
            and ACCOUNT_SCOPE in (group.get("scopes") or [ACCOUNT_SCOPE])
        }
    )
    if not matches:
        raise PermissionGroupError(
            f"Cloudflare lists no account-scoped permission group named '{group_name}'; check that "
            "the bootstrap token can read permission groups (Account API Tokens Read/Write)"
        )
    if len(matches) > 1:
        raise PermissionGroupError(
            f"Cloudflare lists {len(matches)} permission groups named '{group_name}' "
            f"({', '.join(matches)}); refusing to guess which one grants Workers AI"
        )
    return matches[0]


def policy_document(account_id: str, group_ids: Sequence[str]) -> dict[str, Any]:
    """The token's single allow policy. Ids are sorted: the API reorders them, and so would diffs."""
    return {
        "effect": "allow",
        "permission_groups": [{"id": group_id} for group_id in sorted(set(group_ids))],
        "resources": account_resources(account_id),
    }


def request_ip_condition(
    allowed: Sequence[str], denied: Sequence[str]
) -> dict[str, dict[str, list[str]]] | None:
    """``condition.request_ip`` in the SDK's field names, or None when the token is unrestricted."""
    request_ip: dict[str, list[str]] = {}
    if allowed:
        request_ip["ins"] = list(allowed)
    if denied:
        request_ip["not_ins"] = list(denied)
    return {"request_ip": request_ip} if request_ip else None
