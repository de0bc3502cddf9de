"""What Cloudflare refuses when a token or a gateway is created, as the fake provider checks it.

A program that passes these checks under the mocks sends what the real API accepts; the
permission groups listed here (with decoys that share words with the Workers AI ones) are what the
fake answers a look-up with.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping
from typing import Any

from breeze_infra.config import GATEWAY_LIMITS
from breeze_infra.gateway import GATEWAY_FIELDS, GATEWAY_ID
from breeze_infra.permissions import ACCOUNT_SCOPE, PERMISSION_GROUP_IDS
from breeze_infra.permissions import PERMISSION_GROUPS as WORKERS_AI_GROUPS

_ACCOUNT = ACCOUNT_SCOPE
_RESOURCE_KEY = re.compile(
    r"com\.cloudflare\.api\.(account|user)\.[0-9a-f]{32}(\.zone\.[0-9a-f]{32})?"
)
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")

PERMISSION_GROUPS: tuple[dict[str, Any], ...] = (
    *(
        {"id": PERMISSION_GROUP_IDS[p], "name": WORKERS_AI_GROUPS[p], "scopes": [_ACCOUNT]}
        for p in ("read", "write")
    ),
    {
        "id": "1e13c5124ca64b72b1969a67e8829049",
        "name": "Workers Scripts Read",
        "scopes": [_ACCOUNT],
    },
    {
        "id": "e086da7e2179491d91ee5f35b3ca210a",
        "name": "Workers Scripts Write",
        "scopes": [_ACCOUNT],
    },
    {
        "id": "b4992e1108244f5d8bfbd5744320c2e1",
        "name": "Workers R2 Storage Read",
        "scopes": [_ACCOUNT],
    },
    {"id": "3b94c49258ec4573b06d51d99b6416c0", "name": "AI Gateway Read", "scopes": [_ACCOUNT]},
    {
        "id": "c1fde68c7bcc44588cbb6ddbc16d6480",
        "name": "Account Settings Read",
        "scopes": [_ACCOUNT],
    },
    {
        "id": "82e64a83756745bbbb1c9c2701bf816b",
        "name": "DNS Read",
        "scopes": ["com.cloudflare.api.account.zone"],
    },
)


class CloudflareRejected(Exception):
    """What the API would answer with a 400: the program sent something Cloudflare refuses."""


def check_token_inputs(inputs: Mapping[str, Any]) -> None:
    """The create-token checks Cloudflare makes, on the provider's wire (camelCase) inputs."""
    name = inputs.get("name")
    if not isinstance(name, str) or not 1 <= len(name) <= 120:
        raise CloudflareRejected(f"token name must be 1-120 characters, got {name!r}")
    for key in ("expiresOn", "notBefore"):
        if key in inputs and not _TIME.fullmatch(str(inputs[key])):
            raise CloudflareRejected(
                f"{key} must look like 2026-01-01T00:00:00Z, got {inputs[key]!r}"
            )
    policies = inputs.get("policies")
    if not isinstance(policies, list) or not policies:
        raise CloudflareRejected("a token needs at least one policy")
    for policy in policies:
        _check_policy(policy)
    request_ip = (inputs.get("condition") or {}).get("requestIp") or {}
    for cidr in [*request_ip.get("ins", []), *request_ip.get("notIns", [])]:
        try:
            ipaddress.ip_network(cidr)
        except ValueError:
            raise CloudflareRejected(f"invalid CIDR in condition: {cidr!r}") from None


def _check_policy(policy: Mapping[str, Any]) -> None:
    known = {group["id"] for group in PERMISSION_GROUPS}
    if policy.get("effect") not in ("allow", "deny"):
        raise CloudflareRejected(
            f"policy effect must be allow or deny, got {policy.get('effect')!r}"
        )
    groups = policy.get("permissionGroups") or []
    if not groups or any(group.get("id") not in known for group in groups):
        raise CloudflareRejected(f"unknown or missing permission groups {groups!r}")
    resources = policy.get("resources")
    if not isinstance(resources, str):
        raise CloudflareRejected("policy resources must be a JSON string in pulumi-cloudflare 6")
    try:
        parsed = json.loads(resources)
    except json.JSONDecodeError:
        raise CloudflareRejected(f"policy resources are not JSON: {resources!r}") from None
    if (
        not isinstance(parsed, dict)
        or not parsed
        or not all(_RESOURCE_KEY.fullmatch(k) for k in parsed)
    ):
        raise CloudflareRejected(f"policy resources name no valid account: {resources!r}")


def check_gateway_inputs(inputs: Mapping[str, Any], existing: set[str]) -> None:
    """The create-gateway checks Cloudflare and the provider make: required fields and the values
    each takes (``GATEWAY_FIELDS``), id rules, and the account's gateway quota (paid plan)."""
    required = ("accountId", "aiGatewayId", *(f.wire for f in GATEWAY_FIELDS if f.required))
    missing = [key for key in required if key not in inputs]
    if missing:
        raise CloudflareRejected(f"AiGateway misses required inputs {missing}")
    gateway = str(inputs["aiGatewayId"])
    if not GATEWAY_ID.fullmatch(gateway):
        raise CloudflareRejected(f"gateway id must be 1-64 of [a-z0-9-], got {gateway!r}")
    if gateway in existing:
        raise CloudflareRejected(f"gateway {gateway!r} already exists")
    if len(existing) >= GATEWAY_LIMITS["paid"]:
        raise CloudflareRejected(f"the account already has {len(existing)} gateways")
    for field in GATEWAY_FIELDS:
        problem = field.problem(inputs.get(field.wire))
        if problem is not None:
            raise CloudflareRejected(f"AiGateway {field.wire} {problem}")
