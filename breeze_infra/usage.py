"""``breeze-infra usage``: who used an environment's Workers AI, how much, and whose keys sit idle.

Three sources, each read once per run however many consumers the stack has: the AI Gateway
dataset (requests, tokens, errors, rate-limited requests and cost per gateway and model), the
account-wide Workers AI dataset (neurons per model), and the token listing (when each slot's key
was last used). The GraphQL datasets are read with one paged query each, through the API client,
so they get its timeouts, bounded retries and token-free error messages. Nothing here imports
Pulumi; matplotlib is imported only by ``write_chart``.
"""

from __future__ import annotations

import json
import os
import re
import ssl
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any, Final

import httpx

from breeze_infra.cloudflare import CloudflareClient
from breeze_infra.config import NAMESPACE, StackConfig
from breeze_infra.endpoints import account_path
from breeze_infra.errors import MalformedResponseError
from breeze_infra.exits import CommandError, ExitCode
from breeze_infra.gateway import gateway_ids
from breeze_infra.online import client_settings, run_bounded
from breeze_infra.rotation import timestamp

__all__ = [
    "GATEWAY_DATASET",
    "INFERENCE_DATASET",
    "UsageReport",
    "collect",
    "parse_since",
    "render_json",
    "render_text",
    "run_usage",
    "write_chart",
]

GATEWAY_DATASET: Final = "aiGatewayRequestsAdaptiveGroups"
INFERENCE_DATASET: Final = "aiInferenceAdaptiveGroups"
PAGE_LIMIT: Final = 10_000
"""Rows per GraphQL answer: Cloudflare's largest ``limit``."""
MAX_PAGES: Final = 100
REPORTING_PERMISSIONS: Final = "Account Analytics Read, AI Gateway Read and Account API Tokens Read"
_TOKEN_NAME = re.compile(r"^breeze-infra (?P<owner>\S+) slot-(?P<slot>[ab]) ")

GATEWAY_QUERY: Final = """
query BreezeGatewayUsage($accountTag: string!, $filter: AccountAiGatewayRequestsAdaptiveGroupsFilter_InputObject, $limit: uint64!) {
  viewer { accounts(filter: {accountTag: $accountTag}) {
    aiGatewayRequestsAdaptiveGroups(filter: $filter, limit: $limit, orderBy: [datetimeHour_ASC]) {
      count
      sum { cost cachedRequests erroredRequests uncachedTokensIn uncachedTokensOut }
      dimensions { gateway model provider rateLimited statusCode datetimeHour }
    }
  } }
}"""
INFERENCE_QUERY: Final = """
query BreezeWorkersAiUsage($accountTag: string!, $filter: AccountAiInferenceAdaptiveGroupsFilter_InputObject, $limit: uint64!) {
  viewer { accounts(filter: {accountTag: $accountTag}) {
    aiInferenceAdaptiveGroups(filter: $filter, limit: $limit, orderBy: [datetimeHour_ASC]) {
      count
      sum { totalNeurons totalInputTokens totalOutputTokens }
      dimensions { modelId datetimeHour }
    }
  } }
}"""


def parse_since(text: str) -> timedelta:
    """``7d``, ``24h``: how far back the report reaches (at most 90 days, what analytics keep)."""
    match = re.fullmatch(r"\s*(\d{1,4})\s*([dh])\s*", text)
    if not match:
        raise ValueError(f"--since: '{text[:20]}' is not a duration like 7d or 24h")
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


class _GraphqlAsEnvelope(httpx.AsyncBaseTransport):
    """GraphQL answers ``{data, errors}``; the client reads the v4 envelope. This turns one into
    the other, so GraphQL calls get the client's retries and messages unchanged."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        if not request.url.path.endswith("/graphql") or response.status_code != 200:
            return response
        body = await response.aread()
        try:
            data = json.loads(body)
        except ValueError:
            return httpx.Response(200, content=body, headers=response.headers)
        if not isinstance(data, dict) or "data" not in data:
            return httpx.Response(200, content=body, headers=response.headers)
        errors = [
            {"code": 0, "message": str(e.get("message", e)) if isinstance(e, dict) else str(e)}
            for e in data.get("errors") or []
        ]
        envelope = {"success": not errors, "errors": errors, "messages": [], "result": data["data"]}
        status = 400 if errors else 200
        return httpx.Response(
            status,
            content=json.dumps(envelope).encode(),
            headers={"content-type": "application/json"},
        )

    async def aclose(self) -> None:
        await self._inner.aclose()


def reporting_client(token: str, timeout: float) -> CloudflareClient:
    context = ssl.create_default_context(
        cafile=os.environ.get("SSL_CERT_FILE"), capath=os.environ.get("SSL_CERT_DIR")
    )
    transport = _GraphqlAsEnvelope(httpx.AsyncHTTPTransport(verify=context))
    try:
        return CloudflareClient(token, settings=client_settings(timeout), transport=transport)
    except ValueError as exc:
        raise CommandError(f"breeze-infra usage: {exc}", ExitCode.BAD_INPUT) from None


async def query_dataset(
    client: CloudflareClient,
    account_id: str,
    dataset: str,
    query: str,
    since: datetime,
    until: datetime,
) -> list[dict[str, Any]]:
    """Every group of one dataset in the window: one query, paged by hour.

    Rows come ordered by hour; a full page may end inside an hour, so the next page starts at
    that hour again and the partial hour's rows of the earlier page are dropped.
    """
    rows: list[dict[str, Any]] = []
    start = timestamp(since)
    for _ in range(MAX_PAGES):
        variables = {
            "accountTag": account_id,
            "filter": {"datetimeHour_geq": start, "datetimeHour_lt": timestamp(until)},
            "limit": PAGE_LIMIT,
        }
        result = await client.post(
            "/graphql",
            {"query": query, "variables": variables},
            permission_hint="Account Analytics Read",
            idempotent=True,
        )
        page = _groups(result, dataset)
        if len(page) < PAGE_LIMIT:
            return rows + page
        last = page[-1]["dimensions"]["datetimeHour"]
        kept = [r for r in page if r["dimensions"]["datetimeHour"] != last]
        if not kept:
            raise MalformedResponseError(
                f"{dataset}: more than {PAGE_LIMIT} groups in the hour {last}; use a shorter --since",
                method="POST",
                path="/graphql",
            )
        rows += kept
        start = last
    raise MalformedResponseError(
        f"{dataset}: paging did not end after {MAX_PAGES} pages", method="POST", path="/graphql"
    )


def _groups(result: object, dataset: str) -> list[dict[str, Any]]:
    try:
        (account,) = result["viewer"]["accounts"]  # type: ignore[index]
        groups = account[dataset]
    except (KeyError, TypeError, ValueError):
        raise MalformedResponseError(
            f"GraphQL answer has no {dataset} for the account", method="POST", path="/graphql"
        ) from None
    if not isinstance(groups, list):
        raise MalformedResponseError(f"{dataset} is not a list", method="POST", path="/graphql")
    return [g for g in groups if isinstance(g, dict)]


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
    tokens_path = (
        f"{account_path(config.account_id)}/tokens"
        if config.token.owner == "account"
        else "/user/tokens"
    )
    listing = await client.get_all_pages(
        tokens_path, per_page=50, permission_hint="Account API Tokens Read"
    )
    report.keys = _key_use(listing, config, stack, consumers)
    report.stale = _stale(report.keys, config, now - timedelta(days=stale_days))
    report.api_requests = client.request_count
    return report


def _gateway_rows(
    groups: Sequence[Mapping[str, Any]],
    wanted: set[str],
    owner_of: Mapping[str, str | None],
) -> tuple[list[GatewayRow], dict[str, dict[str, int]]]:
    totals: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    daily: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for group in groups:
        dims, sums = group.get("dimensions", {}), group.get("sum", {})
        gateway, model = str(dims.get("gateway")), str(dims.get("model"))
        if gateway not in wanted:
            continue
        count = int(group.get("count", 0))
        into = totals[(gateway, model)]
        into["requests"] += count
        into["tokens_in"] += float(sums.get("uncachedTokensIn", 0))
        into["tokens_out"] += float(sums.get("uncachedTokensOut", 0))
        into["errors"] += float(sums.get("erroredRequests", 0))
        into["cost"] += float(sums.get("cost", 0))
        if dims.get("rateLimited") in (1, True):
            into["rate_limited"] += count
        series = owner_of.get(gateway) or model
        daily[series][str(dims.get("datetimeHour", ""))[:10]] += count
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


def _neuron_rows(groups: Sequence[Mapping[str, Any]]) -> list[NeuronRow]:
    totals: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0, 0])
    for group in groups:
        sums = group.get("sum", {})
        into = totals[str(group.get("dimensions", {}).get("modelId"))]
        into[0] += int(group.get("count", 0))
        into[1] += float(sums.get("totalNeurons", 0))
        into[2] += int(sums.get("totalInputTokens", 0))
        into[3] += int(sums.get("totalOutputTokens", 0))
    return [
        NeuronRow(model, int(t[0]), round(t[1], 3), int(t[2]), int(t[3]))
        for model, t in sorted(totals.items())
    ]


def _key_use(
    listing: Sequence[Any], config: StackConfig, stack: str, consumers: Sequence[str] | None
) -> list[KeyUse]:
    seen: dict[str, dict[str, str | None]] = defaultdict(lambda: {"a": None, "b": None})
    for token in listing:
        if not isinstance(token, dict):
            continue
        match = _TOKEN_NAME.match(str(token.get("name", "")))
        if not match:
            continue
        used = token.get("last_used_on")
        slot = seen[match.group("owner")]
        if isinstance(used, str) and (slot[match.group("slot")] or "") < used:
            slot[match.group("slot")] = used
    if config.consumers is None:
        own = seen.get(stack, {"a": None, "b": None})
        return [KeyUse(None, own["a"], own["b"])]
    result = []
    for consumer in config.consumers:
        if consumer.revoked or (consumers is not None and consumer.name not in consumers):
            continue
        own = seen.get(f"{stack}/{consumer.name}", {"a": None, "b": None})
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


def render_text(report: UsageReport, out: IO[str]) -> None:
    out.write(f"usage of stack {report.stack} from {report.since} to {report.until}\n")
    if not report.gateway_on:
        out.write("gateway: off (breeze-infra:gateway absent): no per-gateway figures\n")
    else:
        out.write(
            f"{'gateway':<32} {'model':<44} {'requests':>9} {'tokens in':>10} "
            f"{'tokens out':>10} {'errors':>7} {'429':>6} {'cost $':>9}\n"
        )
        for row in report.gateways:
            out.write(
                f"{row.gateway:<32} {row.model:<44} {row.requests:>9} {row.tokens_in:>10} "
                f"{row.tokens_out:>10} {row.errors:>7} {row.rate_limited:>6} {row.cost:>9.4f}\n"
            )
    out.write("Workers AI, whole account:\n")
    for neuron in report.neurons:
        out.write(
            f"  {neuron.model:<44} {neuron.requests:>9} requests {neuron.neurons:>12.1f} neurons\n"
        )
    for key in report.keys:
        who = key.consumer or report.stack
        out.write(
            f"keys of {who}: slot a last used {key.slot_a or 'never'}, slot b {key.slot_b or 'never'}\n"
        )
    for stale in report.stale:
        out.write(
            f"stale: {stale.consumer} (last used {stale.last_used or 'never'}): revoke with "
            f"`{stale.revoke}`\n"
        )
    out.write(f"{report.api_requests} API requests\n")


def render_json(report: UsageReport, out: IO[str]) -> None:
    out.write(json.dumps(report.to_json(), indent=2, sort_keys=False) + "\n")


def write_chart(report: UsageReport, path: Path, top: int = 10) -> None:
    """Requests per day per consumer (or model): the ``top`` busiest, the rest summed."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    days = sorted({day for series in report.daily.values() for day in series})
    ranked = sorted(report.daily.items(), key=lambda item: -sum(item[1].values()))
    shown = ranked[:top]
    rest = ranked[top:]
    figure, axes = pyplot.subplots(figsize=(11, 5.5))
    positions = range(len(days))
    for name, series in shown:
        total = sum(series.values())
        axes.plot(
            positions, [series.get(d, 0) for d in days], marker=".", label=f"{name} ({total})"
        )
    if rest:
        summed = [sum(series.get(d, 0) for _, series in rest) for d in days]
        axes.plot(positions, summed, linestyle="--", color="grey", label=f"{len(rest)} others")
    axes.set_title(f"Workers AI requests per day through the gateway, stack {report.stack}")
    axes.set_xlabel("day (UTC)")
    axes.set_ylabel("requests")
    step = max(1, len(days) // 10)
    axes.set_xticks(list(positions)[::step], days[::step], rotation=30, ha="right")
    axes.grid(True, alpha=0.3)
    if shown:
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    figure.tight_layout()
    figure.savefig(path, format="svg")
    pyplot.close(figure)


def run_usage(
    config: StackConfig,
    stack: str,
    *,
    token: str,
    now: datetime,
    since: timedelta,
    consumers: Sequence[str] | None,
    stale_days: int,
    as_json: bool,
    chart: Path | None,
    timeout: float,
    out: IO[str],
) -> int:
    """The ``usage`` command with typed values: 0 when the report was made."""

    async def work() -> UsageReport:
        async with reporting_client(token, timeout) as client:
            return await collect(
                client, config, stack, now, since, consumers=consumers, stale_days=stale_days
            )

    report = run_bounded(work, timeout, "usage")
    (render_json if as_json else render_text)(report, out)
    if chart is not None:
        try:
            write_chart(report, chart)
        except ModuleNotFoundError:
            raise CommandError(
                "breeze-infra usage --chart needs matplotlib: python3 -m uv sync --group chart",
                ExitCode.BAD_INPUT,
            ) from None
    return 0
