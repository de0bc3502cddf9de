"""``breeze-infra:gateway``: an AI Gateway in front of an environment's Workers AI traffic.

GPT Breeze cannot send headers of its own, so the only way to route its traffic through a gateway
is the base URL: when the gateway is on, every place the base URL goes (manifests, secrets
backends, outputs) gets the gateway's URL, and the token stays the same. Everything here is pure
and imports nothing heavy: ``validate``, ``manifest`` and the program share it, and so reach the
same verdict on the same config.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote

from breeze_infra.endpoints import DEFAULT_GATEWAY_ROOT, GATEWAY_ROOT_ENV, workers_ai_base_url

if TYPE_CHECKING:
    from breeze_infra.config import GatewaySettings, StackConfig

__all__ = [
    "AI_GATEWAY_TYPE",
    "DEFAULT_GATEWAY_ROOT",
    "GATEWAY_FIELDS",
    "GATEWAY_ROOT_ENV",
    "GatewayField",
    "camel",
    "gateway_base_url",
    "gateway_id",
    "gateway_ids",
    "gateway_inputs",
    "gateway_root",
    "stack_base_url",
]

AI_GATEWAY_TYPE: Final = "cloudflare:index/aiGateway:AiGateway"
"""The Pulumi type of ``cloudflare.AiGateway``, for the fake Cloudflare and the guard-rails."""
GATEWAY_ID = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
"""What breeze-infra derives: 1-64 lowercase letters, digits and inner '-', which Cloudflare
accepts as a gateway id and which needs no quoting in a URL."""
SECONDS_PER_DAY = 86_400
LOG_STRATEGY = "DELETE_OLDEST"
"""Keep logging when the store is full; the oldest logs matter least."""


def _slug(text: str) -> str:
    return re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9-]", "-", text.lower())).strip("-")


def gateway_id(project: str, stack: str, consumer: str | None = None) -> str:
    """The gateway's id: readable, and the same for the same project, stack and consumer.

    Changing a gateway's id replaces it, so the id never depends on anything but these names.
    A name that had to be altered or shortened to fit the id rules gets a hash of the exact
    names, so two stacks whose names differ only in case or punctuation never share a gateway.
    """
    raw = "-".join(part for part in (project, stack, consumer) if part)
    slug = _slug(raw) or "gateway"
    if slug == raw and len(slug) <= 64:
        return slug
    digest = hashlib.sha256("\x1f".join((project, stack, consumer or "")).encode()).hexdigest()
    return f"{slug[:55].rstrip('-')}-{digest[:8]}"


def gateway_ids(config: StackConfig, stack: str) -> dict[str | None, str]:
    """Each active audience's gateway id (None: the implicit consumer or the whole stack);
    empty when the gateway is off."""
    settings = config.gateway
    if settings is None:
        return {}
    if not settings.per_consumer or config.consumers is None:
        shared = gateway_id(config.project, stack)
        if config.consumers is None:
            return {None: shared}
        return {c.name: shared for c in config.consumers if not c.revoked}
    return {
        c.name: gateway_id(config.project, stack, c.name) for c in config.consumers if not c.revoked
    }


def gateway_root(environ: Mapping[str, str] | None = None) -> str:
    """The gateway host, which tests and the sandbox move with CLOUDFLARE_AI_GATEWAY_BASE_URL."""
    env = os.environ if environ is None else environ
    return (env.get(GATEWAY_ROOT_ENV, "").strip() or DEFAULT_GATEWAY_ROOT).rstrip("/")


def gateway_base_url(account_id: str, gateway: str, root: str = DEFAULT_GATEWAY_ROOT) -> str:
    """The OpenAI-compatible Workers AI URL through one gateway; model ids stay ``@cf/...``."""
    return (
        f"{root.rstrip('/')}/{quote(account_id, safe='')}/{quote(gateway, safe='')}/workers-ai/v1"
    )


def stack_base_url(
    config: StackConfig, stack: str, consumer: str | None = None, root: str | None = None
) -> str:
    """The base URL a consumer's key is used with: its gateway's when the gateway is on.

    ``root`` None means the real gateway host, as manifests and secrets backends need (they are
    read by GPT Breeze, never by the emulator)."""
    ids = gateway_ids(config, stack)
    gateway = ids.get(consumer)
    if gateway is None and consumer is None and config.gateway and not config.gateway.per_consumer:
        gateway = next(iter(ids.values()), None)
    if gateway is None:
        return workers_ai_base_url(config.account_id)
    return gateway_base_url(config.account_id, gateway, root or DEFAULT_GATEWAY_ROOT)


def camel(name: str) -> str:
    """``rate_limiting_limit`` -> ``rateLimitingLimit``: the name Pulumi's engine and state use."""
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _spend_limits(settings: GatewaySettings) -> dict[str, Any] | None:
    spend = settings.spend_limit
    if spend is None:
        return None
    rule = {
        "limit": spend.dollars,
        "limit_type": "cost",
        "window": spend.days * SECONDS_PER_DAY,
        "technique": "fixed",
    }
    return {"enabled": True, "rules": [rule]}


def _dlp(settings: GatewaySettings) -> dict[str, Any] | None:
    if not settings.dlp_profiles:
        return None
    return {"enabled": True, "action": "BLOCK", "profiles": list(settings.dlp_profiles)}


@dataclass(frozen=True)
class GatewayField:
    """One setting of the AiGateway: its value from the settings, and what the provider allows.

    ``name`` is the SDK's argument and the REST API's body key alike; ``required``, ``bounds``
    and ``choices`` are the Terraform provider's (terraform-provider-cloudflare v5.22.0,
    ``internal/services/ai_gateway/schema.go``; ``Required``, ``int64validator``,
    ``stringvalidator.OneOfCaseInsensitive``). Every place that names gateway fields is built
    from ``GATEWAY_FIELDS``: the inputs, doctor's comparison, the fake provider's wire names,
    the emulator's required fields and the create-time refusals.
    """

    name: str
    value: Callable[[GatewaySettings], Any]
    required: bool = False
    bounds: tuple[int, int | None] | None = None
    choices: tuple[str, ...] = ()

    @property
    def wire(self) -> str:
        return camel(self.name)

    def problem(self, value: Any) -> str | None:
        """Why the provider refuses ``value`` for this field; None when it takes it."""
        if value is None:
            return "is required" if self.required else None
        if self.bounds is not None:
            low, high = self.bounds
            whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
            if isinstance(value, bool) or not whole:  # the engine sends every number as a float
                return f"must be an integer, got {value!r}"
            if value < low or (high is not None and value > high):
                return f"must be from {low} to {high if high is not None else 'any'}, got {value}"
        if self.choices and str(value).lower() not in {c.lower() for c in self.choices}:
            return f"must be one of {', '.join(self.choices)}, got {value!r}"
        return None


GATEWAY_FIELDS: Final = (
    GatewayField("authentication", lambda s: False),
    GatewayField(
        "rate_limiting_limit", lambda s: s.rate_limit.requests, required=True, bounds=(0, None)
    ),
    GatewayField(
        "rate_limiting_interval",
        lambda s: s.rate_limit.per_seconds,
        required=True,
        bounds=(0, None),
    ),
    GatewayField(
        "rate_limiting_technique", lambda s: s.rate_limit.technique, choices=("fixed", "sliding")
    ),
    GatewayField("collect_logs", lambda s: s.logs_retained is not None, required=True),
    GatewayField("log_management", lambda s: s.logs_retained, bounds=(10_000, 10_000_000)),
    GatewayField(
        "log_management_strategy",
        lambda s: LOG_STRATEGY if s.logs_retained is not None else None,
        choices=("STOP_INSERTING", "DELETE_OLDEST"),
    ),
    GatewayField(
        "cache_ttl",
        lambda s: s.cache.ttl_seconds if s.cache else 0,
        required=True,
        bounds=(0, None),
    ),
    GatewayField("cache_invalidate_on_update", lambda s: True, required=True),
    GatewayField("spend_limits", _spend_limits),
    GatewayField("dlp", _dlp),
)
"""The gateway's settings, one line each; the identity (``account_id``, ``ai_gateway_id``, which
the API calls ``id``) is not a setting and replaces the gateway when it changes."""


def gateway_inputs(account_id: str, gateway: str, settings: GatewaySettings) -> dict[str, Any]:
    """The AiGateway's arguments, in the SDK's snake_case names (the REST API's too).

    ``authentication`` is always off: an authenticated gateway refuses requests without a
    ``cf-aig-authorization`` header, which GPT Breeze cannot send.
    """
    inputs: dict[str, Any] = {"account_id": account_id, "ai_gateway_id": gateway}
    inputs.update({field.name: field.value(settings) for field in GATEWAY_FIELDS})
    return inputs
