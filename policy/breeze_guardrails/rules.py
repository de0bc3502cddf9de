"""Guard-rails for breeze-infra stacks: the rules of the CrossGuard pack, as pure functions.

Each rule is a function of a resource's type and properties, camelCase as the engine hands them to
policies, so the rules are tested without the engine and run over what ``breeze-infra synth``
registers. ``pack`` adapts them to pulumi-policy; the pack itself is built in ``policy/__main__.py``
alone, because constructing a ``PolicyPack`` starts a server that never returns. Nothing here
imports breeze-infra: what the rules know of the program is in ``facts``. The rules understand both
the engine's secret marker (kept by ``markers.keep_secret_markers``) and the one the Pulumi mocks
use, so one walk serves the engine and the simulation.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pulumi_policy import (
    Secret,
)
from pulumi_policy.proxy import UnknownValueError

from breeze_guardrails.facts import (
    ACCOUNT_SCOPE,
    ACCOUNT_TOKEN,
    AI_GATEWAY,
    LEGACY_TOKEN,
    PREFIXED_TOKEN,
    TOKEN_TYPES,
    USER_TOKEN,
    WORKERS_AI_GROUPS,
)

DEFAULT_ALLOWED_GROUP_IDS = frozenset(WORKERS_AI_GROUPS.values())
DEFAULT_MAX_LIFETIME_DAYS = 180
PRODUCTION_PREFIX = "prod"

LEAST_PRIVILEGE = "workers-ai-token-least-privilege"
EXPIRY = "workers-ai-token-expiry"
PROD_IP_ALLOW_LIST = "prod-token-ip-allow-list"
NO_PLAINTEXT_KEY = "no-plaintext-cloudflare-token"
NO_PLAINTEXT_KEY_IN_STACK = "no-plaintext-cloudflare-token-in-stack"
PROD_GATEWAY = "prod-traffic-through-gateway"

SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"

_ACCOUNT_RESOURCE = re.compile(re.escape(ACCOUNT_SCOPE) + r"\.[0-9a-f]{32}")
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_GROUP_ID = re.compile(r"[0-9a-f]{32}")
_KEY_LIKE_FIELD = re.compile(r"key|token|secret|passw|credential|value", re.IGNORECASE)

# Outputs the provider schema marks secret: the engine always sends them wrapped, but a pack run
# without keep_secret_markers would see them bare and block every deploy.
_SECRET_BY_SCHEMA: Mapping[str, frozenset[str]] = {
    ACCOUNT_TOKEN: frozenset({"value"}),
    USER_TOKEN: frozenset({"value"}),
}


def reveal(value: Any) -> tuple[Any, bool]:
    """A property value without its secret marker, and whether it carried one."""
    if isinstance(value, Secret):
        return value.value, True
    if isinstance(value, Mapping) and _get(value, SIG_KEY) == SECRET_SIG:
        return _get(value, "value"), True
    return value, False


def _get(mapping: Mapping[str, Any], key: str) -> Any:
    """``mapping.get``. A value unknown during preview raises ``UnknownValueError``, so
    pulumi-policy skips the rule with an advisory note instead of it judging an absent value."""
    return mapping.get(key)


def _plain(value: Any) -> Any:
    return reveal(value)[0]


def _is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def least_privilege(
    resource_type: str,
    props: Mapping[str, Any],
    allowed_group_ids: frozenset[str] = DEFAULT_ALLOWED_GROUP_IDS,
) -> list[str]:
    """A token may run Workers AI on one account and nothing else.

    One allow policy, only Workers AI permission groups, one account resource with value ``*``: a
    key that leaks from a browser extension can then burn neurons, but not touch DNS, Workers or
    other accounts. An account token must name its own account.
    """
    if resource_type not in TOKEN_TYPES:
        return []
    policies = _plain(_get(props, "policies"))
    if not _is_list(policies) or len(policies) != 1:
        count = len(policies) if _is_list(policies) else 0
        return [f"policies: a token must have exactly one policy, found {count}"]
    policy = _plain(policies[0])
    if not isinstance(policy, Mapping):
        return ["policies[0]: not an object"]
    problems: list[str] = []
    effect = _plain(_get(policy, "effect"))
    if effect != "allow":
        problems.append(f"policies[0].effect: must be 'allow', found {effect!r}")
    groups = _plain(_get(policy, "permissionGroups"))
    ids = [_plain(_get(_plain(g), "id")) for g in groups] if _is_list(groups) else []
    if not ids:
        problems.append("policies[0].permissionGroups: grants no permission group")
    for index, group_id in enumerate(ids):
        if group_id not in allowed_group_ids:
            problems.append(
                f"policies[0].permissionGroups[{index}].id: {group_id!r} is not a Workers AI "
                f"permission group (allowed: {', '.join(sorted(allowed_group_ids))})"
            )
    problems.extend(_resource_problems(_plain(_get(policy, "resources")), props, resource_type))
    return problems


def _resource_problems(resources: Any, props: Mapping[str, Any], resource_type: str) -> list[str]:
    where = "policies[0].resources"
    if isinstance(resources, str):
        try:
            resources = json.loads(resources)
        except json.JSONDecodeError:
            return [f"{where}: not JSON"]
    if not isinstance(resources, Mapping) or len(resources) != 1:
        count = len(resources) if isinstance(resources, Mapping) else 0
        return [f"{where}: must name exactly one account, found {count} entries"]
    (key, value), *_ = resources.items()
    problems: list[str] = []
    if not _ACCOUNT_RESOURCE.fullmatch(str(key)):
        problems.append(f"{where}: {key!r} is not one account ({ACCOUNT_SCOPE}.<account id>)")
    if _plain(value) != "*":
        problems.append(f"{where}: {key!r} must map to '*', found {_plain(value)!r}")
    account_id = _plain(_get(props, "accountId"))
    if resource_type == ACCOUNT_TOKEN and account_id and key != f"{ACCOUNT_SCOPE}.{account_id}":
        problems.append(f"{where}: {key!r} is not the token's own account {account_id!r}")
    return problems


def token_expiry(
    resource_type: str,
    props: Mapping[str, Any],
    now: datetime,
    max_lifetime_days: int = DEFAULT_MAX_LIFETIME_DAYS,
) -> list[str]:
    """Every token expires, and not too far out: a leaked key that never expires leaks forever.

    Rotation keeps a token for two windows, so ``rotationDays`` above half the maximum trips this.
    """
    if resource_type not in TOKEN_TYPES:
        return []
    expires_on = _plain(_get(props, "expiresOn"))
    if not expires_on:
        return ["expiresOn: a token must expire; set expiresOn"]
    if not isinstance(expires_on, str) or not _TIMESTAMP.fullmatch(expires_on):
        return [f"expiresOn: {expires_on!r} is not a time like 2026-01-01T00:00:00Z"]
    moment = datetime.strptime(expires_on, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    latest = now + timedelta(days=max_lifetime_days)
    if moment > latest:
        days = (moment - now) / timedelta(days=1)
        return [
            f"expiresOn: {expires_on} is {days:.1f} days away, more than the "
            f"{max_lifetime_days} days allowed (maxTokenLifetimeDays)"
        ]
    return []


def prod_ip_allow_list(resource_type: str, props: Mapping[str, Any], stack: str) -> list[str]:
    """A production key works only from known networks, so a copy taken elsewhere is useless."""
    if resource_type not in TOKEN_TYPES or not stack.lower().startswith(PRODUCTION_PREFIX):
        return []
    condition = _plain(_get(props, "condition"))
    request_ip = _plain(_get(condition, "requestIp")) if isinstance(condition, Mapping) else None
    allowed = _plain(_get(request_ip, "ins")) if isinstance(request_ip, Mapping) else None
    if _is_list(allowed) and allowed and not any(_everywhere(cidr) for cidr in allowed):
        return []
    return [
        f"condition.requestIp.ins: stack '{stack}' is production but its token is usable from "
        "any IP; set breeze-infra:token.allowedCidrs"
    ]


def _everywhere(cidr: Any) -> bool:
    """A /0 (or anything unreadable as a network) allows every address: it is no allow-list."""
    try:
        return ipaddress.ip_network(str(_plain(cidr)), strict=False).prefixlen == 0
    except ValueError:
        return True


def prod_gateway(stack: str, resources: Sequence[tuple[str, Mapping[str, Any]]]) -> list[str]:
    """A production stack's keys are used through an AI Gateway with a rate limit, so a runaway
    loop or a leaked key used through GPT Breeze is throttled and seen. (A key holder can still
    call Workers AI directly: this limits accidents, it is no security boundary.)"""
    if not stack.lower().startswith(PRODUCTION_PREFIX):
        return []
    if not any(resource_type in TOKEN_TYPES for resource_type, _ in resources):
        return []
    gateways = [props for resource_type, props in resources if resource_type == AI_GATEWAY]
    if not gateways:
        return [
            f"stack '{stack}' is production but its tokens' traffic goes through no AI Gateway; "
            "set breeze-infra:gateway: {}"
        ]
    problems = []
    for props in gateways:
        name = _plain(_get(props, "aiGatewayId"))
        limit, interval = (
            _plain(_get(props, key)) for key in ("rateLimitingLimit", "rateLimitingInterval")
        )
        if not _positive(limit) or not _positive(interval):
            problems.append(
                f"gateway {name!r}: production traffic needs a rate limit; set "
                "breeze-infra:gateway.rateLimit"
            )
        if _plain(_get(props, "authentication")) is True:
            problems.append(
                f"gateway {name!r}: authentication is on, which GPT Breeze cannot pass "
                "(it sends no cf-aig-authorization header)"
            )
    return problems


def _positive(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 1


def plaintext_keys(
    resource_type: str, props: Mapping[str, Any], secret_paths: Sequence[str] = ()
) -> list[str]:
    """Properties outside a secret that hold what looks like a Cloudflare API token.

    Such a value lands in the state, the preview and the logs in clear. Messages name the property,
    never the value. ``secret_paths`` are top-level properties the resource marks secret
    (``additional_secret_outputs``).
    """
    skipped = set(secret_paths) | _SECRET_BY_SCHEMA.get(resource_type, frozenset())
    problems: list[str] = []
    for key in props:
        if key in skipped:
            continue
        try:
            value = props[key]
        except UnknownValueError:
            continue
        for path, field, text in _strings(value, key, key):
            if PREFIXED_TOKEN.search(text) or (
                _KEY_LIKE_FIELD.search(field) and LEGACY_TOKEN.fullmatch(text)
            ):
                problems.append(
                    f"{path}: looks like a Cloudflare API token in plain text; "
                    "mark it secret (pulumi.Output.secret or additional_secret_outputs)"
                )
    return problems


def _strings(value: Any, path: str, field: str) -> Iterator[tuple[str, str, str]]:
    """Every string under ``value`` that is not inside a secret, with its path and field name."""
    value, secret = reveal(value)
    if secret:
        return
    if isinstance(value, str):
        yield path, field, value
        nested = _json_container(value)
        if nested is not None:
            yield from _strings(nested, path, field)
    elif isinstance(value, Mapping):
        for key in value:
            try:
                child = value[key]
            except UnknownValueError:
                continue
            yield from _strings(child, f"{path}.{key}", str(key))
    elif _is_list(value):
        for index in range(len(value)):
            try:
                item = value[index]
            except UnknownValueError:
                continue
            yield from _strings(item, f"{path}[{index}]", field)


def _json_container(text: str) -> Any:
    """A JSON object or array held in a string (``dataJson``, ``secretString``), else None."""
    if not text.lstrip().startswith(("{", "[")):
        return None
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        return None
    return parsed if isinstance(parsed, dict | list) else None


def allowed_group_ids(config: Mapping[str, Any]) -> frozenset[str]:
    """Pack config ``allowedPermissionGroupIds``: where Cloudflare renumbers the groups."""
    ids = config.get("allowedPermissionGroupIds")
    if ids is None:
        return DEFAULT_ALLOWED_GROUP_IDS
    if (
        not _is_list(ids)
        or not ids
        or not all(isinstance(i, str) and _GROUP_ID.fullmatch(i) for i in ids)
    ):
        raise ValueError(
            "pack config allowedPermissionGroupIds must be a non-empty list of 32-hex ids"
        )
    return frozenset(ids)


def max_lifetime_days(config: Mapping[str, Any]) -> int:
    """Pack config ``maxTokenLifetimeDays``. JSON numbers may come through as floats."""
    days = config.get("maxTokenLifetimeDays", DEFAULT_MAX_LIFETIME_DAYS)
    if isinstance(days, bool) or not isinstance(days, int | float) or days < 1 or days != int(days):
        raise ValueError("pack config maxTokenLifetimeDays must be a whole number of days, >= 1")
    return int(days)


def stack_of(urn: str, fallback: Callable[[], str]) -> str:
    """The stack a resource belongs to: ``urn:pulumi:<stack>::<project>::...``."""
    head = urn.split("::", 1)[0]
    if head.startswith("urn:pulumi:") and len(head) > len("urn:pulumi:"):
        return head.removeprefix("urn:pulumi:")
    return fallback()
