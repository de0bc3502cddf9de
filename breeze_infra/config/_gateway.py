"""``breeze-infra:gateway``: the gateway's settings, their defaults and their cross-field rules.

The model lives with the other keys so that config imports nothing above it; the gateway's ids,
URLs and the AiGateway's inputs derived from these settings are ``breeze_infra.gateway``'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Final, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    field_validator,
)
from pydantic.alias_generators import to_camel

from breeze_infra.fields import Matches, refuse_bool_as_number, refuse_tokens

__all__ = ["GATEWAY_LIMITS", "GatewaySettings", "gateway_problem"]

GATEWAY_LIMITS: Final = {"free": 10, "paid": 20}
"""Gateways per account on each Cloudflare plan."""
DEFAULT_REQUESTS = 240
DEFAULT_PER_SECONDS = 60
DEFAULT_RETAIN = 10_000
RETAIN_RANGE: Final = (10_000, 10_000_000)
"""``log_management``'s range in the Terraform provider pulumi-cloudflare 6 wraps
(terraform-provider-cloudflare v5.19.1 to v5.22.0, ``internal/services/ai_gateway/schema.go``:
``int64validator.Between(10000, 10000000)``); outside it the provider refuses the gateway."""


class _Settings(BaseModel):
    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, frozen=True, coerce_numbers_to_str=True
    )

    @field_validator("*", mode="before")
    @classmethod
    def _no_tokens(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        return refuse_tokens(refuse_bool_as_number(value, field and field.annotation))


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
        ge=RETAIN_RANGE[0],
        le=RETAIN_RANGE[1],
        description="How many request logs the gateway keeps (10,000 to 10,000,000, the "
        "provider's range); the oldest are deleted first.",
    )

    @field_validator("retain", mode="before")
    @classmethod
    def _in_range(cls, value: Any) -> Any:
        low, high = RETAIN_RANGE
        if isinstance(value, int) and not isinstance(value, bool) and not low <= value <= high:
            raise ValueError(
                f"must be from {low:,} to {high:,}, the range the Cloudflare provider accepts "
                f"(got {value})"
            )
        return value


def _logs_kind(value: Any) -> str | None:
    """The union's branch: settings (tag '') or off; None is refused with one message."""
    if isinstance(value, (dict, Logs)):
        return ""
    if value is False or (isinstance(value, str) and value == "off"):
        return "off"
    return None


LogsChoice = Annotated[
    Annotated[Logs, Tag("")] | Annotated[Literal["off", False], Tag("off")],
    Discriminator(
        _logs_kind,
        custom_error_type="logs_choice",
        custom_error_message="must be {retain: N} or 'off'",
    ),
]
"""A tagged union, so a wrong value gets one message, never one per branch or a class name; the
settings' tag is empty, which ``key_path`` leaves out of the key it names."""


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
    logs: LogsChoice = Field(
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
