"""The usage report: its model, and its collection from the three sources.

Three sources, each read once per run however many consumers the stack has: the AI Gateway
dataset (requests, tokens, errors, rate-limited requests and cost per gateway and model), the
account-wide Workers AI dataset (neurons per model), and the token listing (when each slot's key
was last used).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from breeze_infra.cloudflare import CloudflareClient
from breeze_infra.config import NAMESPACE, StackConfig
from breeze_infra.gateway import gateway_ids
from breeze_infra.messages import short
from breeze_infra.rotation import timestamp
from breeze_infra.token_listing import SlotToken, list_slot_tokens, owner_of
from breeze_infra.usage._queries import (
    GATEWAY_DATASET,
    GATEWAY_QUERY,
    INFERENCE_DATASET,
    INFERENCE_QUERY,
    query_dataset,
)
from breeze_infra.usage._rows import GatewayGroup, Group, InferenceGroup


def parse_since(text: str) -> timedelta:
    """``7d``, ``24h``: how far back the report reaches (at most 90 days, what analytics keep)."""
    match = re.fullmatch(r"\s*(\d{1,4})\s*([dh])\s*", text)
    if not match:
        raise ValueError(f"--since: '{short(text, 20)}' is not a duration like 7d or 24h")
    amount = int(match.group(1))
    span = timedelta(days=amount) if match.group(2) == "d" else timedelta(hours=amount)
    if not timedelta(hours=1) <= span <= timedelta(days=90):
        raise ValueError("--since: give between 1h and 90d")
    return span


@dataclass(frozen=True)
class GatewayRow:
    """One gateway and model over the report's window."""

    gateway: str
    consumer: str | None
    model: str
    requests: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    errors: int = 0
    rate_limited: int = 0
    cost: float = 0.0


@dataclass(frozen=True)
class NeuronRow:
    model: str
    requests: int
    neurons: float
    tokens_in: int
    tokens_out: int


@dataclass(frozen=True)
class KeyUse:
    """When each of a consumer's two keys (rotation slots) was last used; None: never seen."""

    consumer: str | None
    slot_a: str | None
    slot_b: str | None

    @property
    def last(self) -> str | None:
        used = [t for t in (self.slot_a, self.slot_b) if t]
        return max(used) if used else None


@dataclass(frozen=True)
class StaleKey:
    consumer: str
    last_used: str | None
    revoke: str
    """The stack-file change that revokes the consumer at the next ``pulumi up``."""


@dataclass
class UsageReport:
    stack: str
    since: str
    until: str
    gateway_on: bool
    gateways: list[GatewayRow] = field(default_factory=list)
    neurons: list[NeuronRow] = field(default_factory=list)
    keys: list[KeyUse] = field(default_factory=list)
    stale: list[StaleKey] = field(default_factory=list)
    daily: dict[str, dict[str, int]] = field(default_factory=dict)
    """Requests per day, by consumer (or by model when the stack has one gateway for all)."""
    api_requests: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


async def collect(
    client: CloudflareClient,
    config: StackConfig,
    stack: str,
    now: datetime,
    span: timedelta,
    *,
    consumers: Sequence[str] | None = None,
    stale_days: int = 30,
) -> UsageReport:
    """The report for ``consumers`` (None: the whole stack)."""
    since, until = now - span, now
    ids = gateway_ids(config, stack)
    owner_of: dict[str, str | None] = {}
    for consumer, gateway in ids.items():
        owner_of[gateway] = consumer if config.gateway and config.gateway.per_consumer else None
    wanted_gateways = {
        g for c, g in ids.items() if consumers is None or c in consumers or c is None
    }
    report = UsageReport(stack, timestamp(since), timestamp(until), bool(ids))
    if ids:
        groups = await query_dataset(
            client, config.account_id, GATEWAY_DATASET, GATEWAY_QUERY, since, until
        )
        report.gateways, report.daily = _gateway_rows(groups, wanted_gateways, owner_of)
    inference = await query_dataset(
        client, config.account_id, INFERENCE_DATASET, INFERENCE_QUERY, since, until
    )
    report.neurons = _neuron_rows(inference)
    listing = await list_slot_tokens(client, config)
    report.keys = _key_use(listing, config, stack, consumers)
    report.stale = _stale(report.keys, config, now - timedelta(days=stale_days))
    report.api_requests = client.request_count
    return report


def _gateway_rows(
    groups: Sequence[Group],
    wanted: set[str],
    owner_of: Mapping[str, str | None],
) -> tuple[list[GatewayRow], dict[str, dict[str, int]]]:
    totals: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    daily: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for group in groups:
        assert isinstance(group, GatewayGroup)
        dims, sums = group.dimensions, group.sum
        if dims.gateway not in wanted:
            continue
        count = group.count
        into = totals[(dims.gateway, dims.model)]
        into["requests"] += count
        into["tokens_in"] += sums.uncachedTokensIn
        into["tokens_out"] += sums.uncachedTokensOut
        into["errors"] += sums.erroredRequests
        into["cost"] += sums.cost
        if dims.rateLimited in (1, True):
            into["rate_limited"] += count
        series = owner_of.get(dims.gateway) or dims.model
        daily[series][dims.datetimeHour[:10]] += count
    rows = [
        GatewayRow(
            gateway,
            owner_of.get(gateway),
            model,
            int(t["requests"]),
            int(t["tokens_in"]),
            int(t["tokens_out"]),
            int(t["errors"]),
            int(t["rate_limited"]),
            round(t["cost"], 6),
        )
        for (gateway, model), t in sorted(totals.items())
    ]
    return rows, {k: dict(sorted(v.items())) for k, v in sorted(daily.items())}


def _neuron_rows(groups: Sequence[Group]) -> list[NeuronRow]:
    totals: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0, 0])
    for group in groups:
        assert isinstance(group, InferenceGroup)
        into = totals[group.dimensions.modelId]
        into[0] += group.count
        into[1] += group.sum.totalNeurons
        into[2] += group.sum.totalInputTokens
        into[3] += group.sum.totalOutputTokens
    return [
        NeuronRow(model, int(t[0]), round(t[1], 3), int(t[2]), int(t[3]))
        for model, t in sorted(totals.items())
    ]


def _key_use(
    listing: Sequence[SlotToken],
    config: StackConfig,
    stack: str,
    consumers: Sequence[str] | None,
) -> list[KeyUse]:
    seen: dict[str, dict[str, str | None]] = defaultdict(lambda: {"a": None, "b": None})
    for token in listing:
        used = token.last_used_on
        slot = seen[token.owner]
        if used is not None and (slot[token.slot] or "") < used:
            slot[token.slot] = used
    if config.consumers is None:
        own = seen.get(stack, {"a": None, "b": None})
        return [KeyUse(None, own["a"], own["b"])]
    result = []
    for consumer in config.consumers:
        if consumer.revoked or (consumers is not None and consumer.name not in consumers):
            continue
        own = seen.get(owner_of(stack, consumer.name), {"a": None, "b": None})
        result.append(KeyUse(consumer.name, own["a"], own["b"]))
    return result


def _stale(keys: Sequence[KeyUse], config: StackConfig, cutoff: datetime) -> list[StaleKey]:
    index = {c.name: i for i, c in enumerate(config.consumers or ())}
    bound = timestamp(cutoff)
    return [
        StaleKey(
            key.consumer,
            key.last,
            f"{NAMESPACE}:consumers[{index[key.consumer]}].revoked: true",
        )
        for key in keys
        if key.consumer is not None and (key.last is None or key.last < bound)
    ]
