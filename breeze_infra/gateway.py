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
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Final, Literal
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from breeze_infra.endpoints import workers_ai_base_url
from breeze_infra.fields import Matches, refuse_tokens

if TYPE_CHECKING:
    from breeze_infra.config import StackConfig

__all__ = [
    "AI_GATEWAY_TYPE",
    "DEFAULT_GATEWAY_ROOT",
    "GATEWAY_LIMITS",
    "GATEWAY_ROOT_ENV",
    "GatewaySettings",
    "gateway_base_url",
    "gateway_id",
    "gateway_ids",
    "gateway_inputs",
    "gateway_problem",
    "gateway_root",
    "stack_base_url",
]

AI_GATEWAY_TYPE: Final = "cloudflare:index/aiGateway:AiGateway"
"""The Pulumi type of ``cloudflare.AiGateway``, for the fake Cloudflare and the guard-rails."""
DEFAULT_GATEWAY_ROOT: Final = "https://gateway.ai.cloudflare.com/v1"
GATEWAY_ROOT_ENV: Final = "CLOUDFLARE_AI_GATEWAY_BASE_URL"
GATEWAY_LIMITS: Final = {"free": 10, "paid": 20}
"""Gateways per account on each Cloudflare plan."""
GATEWAY_ID = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
"""What breeze-infra derives: 1-64 lowercase letters, digits and inner '-', which Cloudflare
accepts as a gateway id and which needs no quoting in a URL."""
DEFAULT_REQUESTS = 240
DEFAULT_PER_SECONDS = 60
DEFAULT_RETAIN = 10_000
SECONDS_PER_DAY = 86_400
LOG_STRATEGY = "DELETE_OLDEST"
"""Keep logging when the store is full; the oldest logs matter least."""


class _Settings(BaseModel):
    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, frozen=True, coerce_numbers_to_str=True
    )

    @field_validator("*", mode="before")
    @classmethod
    def _no_tokens(cls, value: Any) -> Any:
        return refuse_tokens(value)


class RateLimit(_Settings):
    """One counter per gateway: every key behind it shares it."""

    requests: int = Field(
        DEFAULT_REQUESTS,
        ge=1,
        le=1_000_000,
        description="Requests allowed per window through this gateway; more are answered 429. "
        "The default, 240 a minute, stays under Workers AI's own 300 text-generation requests a "
        "minute, so a runaway loop meets the gateway's limit first and other environments of "
        "the account keep theirs.",
    )
    per_seconds: int = Field(
        DEFAULT_PER_SECONDS,
        ge=1,
        le=86_400,
        description="Length of the rate-limit window in seconds.",
    )
    technique: Literal["fixed", "sliding"] = Field(
        "sliding",
        description="'sliding' counts the last perSeconds seconds at any moment; 'fixed' resets "
        "the counter at each window's start (a burst across a boundary gets twice the limit).",
    )


class SpendLimit(_Settings):
    """A dollar budget over a fixed window; past it the gateway answers 429."""

    dollars: float = Field(
        gt=0, le=1_000_000, description="Budget in US dollars per window of `days` days."
    )
    days: int = Field(30, ge=1, le=365, description="Length of the budget's window in days.")


class Logs(_Settings):
    """Request logs kept by the gateway (they hold prompts and answers)."""

    retain: int = Field(
        DEFAULT_RETAIN,
        ge=1,
        le=10_000_000,
        description="How many request logs the gateway keeps; the oldest are deleted first.",
    )


class Cache(_Settings):
    """Answers served again for identical requests."""

    ttl_seconds: int = Field(
        ge=1, le=2_592_000, description="How long a cached answer is served, in seconds."
    )


DlpProfileId = Annotated[
    str,
    Matches(
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        "a DLP profile id (a lowercase UUID, as the dashboard shows it)",
    ),
]


class GatewaySettings(_Settings):
    """One AI Gateway per stack (or per active consumer) in front of Workers AI."""

    model_config = ConfigDict(title="AI Gateway settings")

    rate_limit: RateLimit = Field(
        default_factory=RateLimit,
        description="The gateway's rate limit; on by default (240 requests a minute, sliding).",
    )
    spend_limit: SpendLimit | None = Field(
        None,
        description="A dollar budget. Cloudflare may report postpaid Workers AI traffic at $0, "
        "so do not count on it alone.",
    )
    logs: Logs | Literal["off", False] = Field(
        default_factory=Logs,
        description="Request logs (prompts and answers included): {retain: N}, or 'off'.",
    )
    cache: Cache | None = Field(
        None,
        description="Serve identical requests from a cache; off by default, and refused on a "
        "gateway several consumers share unless sharedCacheAcknowledged.",
    )
    shared_cache_acknowledged: bool = Field(
        False,
        description="Allow a cache on a gateway shared by several consumers, knowing that one "
        "may be served another's cached answer.",
    )
    dlp_profiles: tuple[DlpProfileId, ...] = Field(
        (), description="Cloudflare DLP profile ids whose matches the gateway blocks."
    )
    per_consumer: bool = Field(
        False,
        description="One gateway (and so one rate-limit counter and budget) per active consumer "
        "instead of one for the stack.",
    )
    plan: Literal["free", "paid"] = Field(
        "paid",
        description="The account's plan, which bounds the number of gateways (free 10, paid 20).",
    )

    @field_validator("dlp_profiles")
    @classmethod
    def _unique_profiles(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("each DLP profile may be listed once")
        return value

    @property
    def logs_retained(self) -> int | None:
        return self.logs.retain if isinstance(self.logs, Logs) else None


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


def gateway_inputs(account_id: str, gateway: str, settings: GatewaySettings) -> dict[str, Any]:
    """The AiGateway's arguments, in the SDK's snake_case names (the REST API's too).

    ``authentication`` is always off: an authenticated gateway refuses requests without a
    ``cf-aig-authorization`` header, which GPT Breeze cannot send.
    """
    limit = settings.rate_limit
    spend = settings.spend_limit
    retained = settings.logs_retained
    return {
        "account_id": account_id,
        "ai_gateway_id": gateway,
        "authentication": False,
        "rate_limiting_limit": limit.requests,
        "rate_limiting_interval": limit.per_seconds,
        "rate_limiting_technique": limit.technique,
        "collect_logs": retained is not None,
        "log_management": retained,
        "log_management_strategy": LOG_STRATEGY if retained is not None else None,
        "cache_ttl": settings.cache.ttl_seconds if settings.cache else 0,
        "cache_invalidate_on_update": True,
        "spend_limits": {
            "enabled": True,
            "rules": [
                {
                    "limit": spend.dollars,
                    "limit_type": "cost",
                    "window": spend.days * SECONDS_PER_DAY,
                    "technique": "fixed",
                }
            ],
        }
        if spend
        else None,
        "dlp": {"enabled": True, "action": "BLOCK", "profiles": list(settings.dlp_profiles)}
        if settings.dlp_profiles
        else None,
    }


def gateway_problem(
    settings: GatewaySettings, active_consumers: Sequence[str] | None
) -> tuple[str, str] | None:
    """The cross-field rules, as (key under ``gateway``, one-line message); None when it fits.

    ``active_consumers`` None is a stack without consumers: one key, one gateway.
    """
    if settings.per_consumer and active_consumers is not None:
        count = len(active_consumers)
        limit = GATEWAY_LIMITS[settings.plan]
        if count > limit:
            return (
                "perConsumer",
                f"{count} active consumers need {count} gateways; Cloudflare's {settings.plan} "
                f"plan allows {limit} per account (other gateways count too): set perConsumer "
                "to false or revoke consumers",
            )
    shared = (
        not settings.per_consumer and active_consumers is not None and len(active_consumers) > 1
    )
    if settings.cache is not None and shared and not settings.shared_cache_acknowledged:
        return (
            "cache",
            f"a cache on a gateway shared by {len(active_consumers or ())} consumers can serve "
            "one consumer another's cached answer; set perConsumer: true, remove the cache, or "
            "set sharedCacheAcknowledged: true",
        )
    return None
