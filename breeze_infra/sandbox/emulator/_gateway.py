"""The emulator's AI Gateway: gateways CRUD, inference through a gateway, and usage analytics.

Three surfaces, as breeze-infra uses them:

- ``/client/v4/accounts/<id>/ai-gateway/gateways[/<gateway id>]``: list, create, read, replace
  (``PUT`` replaces the whole configuration, as Cloudflare's does) and delete;
- ``/ai-gateway/v1/<account>/<gateway>/workers-ai/v1/chat/completions``: Workers AI through a
  gateway, counted against its rate limit (429 past it) and recorded as usage. Point
  ``CLOUDFLARE_AI_GATEWAY_BASE_URL`` at ``gateway_root``;
- ``POST /client/v4/graphql``: the ``aiGatewayRequestsAdaptiveGroups`` and
  ``aiInferenceAdaptiveGroups`` datasets, filtered by hour, ordered by hour, cut at ``limit``.

Field names of the datasets follow Cloudflare's GraphQL schema as far as it is known; this is the
shape ``breeze_infra.usage`` reads, and the emulator is its test.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from breeze_infra.gateway import GATEWAY_FIELDS
from breeze_infra.sandbox.emulator._models import chat_completion
from breeze_infra.sandbox.emulator._state import (
    WORKERS_AI_PERMISSIONS,
    TokenInfo,
    authorise,
    mark_used,
    token_of,
)
from breeze_infra.sandbox.emulator._wire import API_PREFIX, Answer, RecordedRequest, error, ok

if TYPE_CHECKING:
    from breeze_infra.sandbox.emulator._emulator import CloudflareEmulator

GATEWAY_PREFIX = "/ai-gateway/v1"
GATEWAY_DATASET = "aiGatewayRequestsAdaptiveGroups"
INFERENCE_DATASET = "aiInferenceAdaptiveGroups"
READ = frozenset({"AI Gateway Read", "AI Gateway Edit", "AI Gateway Write"})
WRITE = frozenset({"AI Gateway Edit", "AI Gateway Write"})
ANALYTICS = frozenset({"Account Analytics Read"})
REQUIRED = ("id", *(field.name for field in GATEWAY_FIELDS if field.required))
"""What a create or replace must carry: the provider's required fields (``GATEWAY_FIELDS``)."""
MAX_LIMIT = 10_000
NEURONS_PER_TOKEN = 0.5
COST_PER_TOKEN = 0.0


@dataclass(frozen=True)
class GatewayUsage:
    """One group of the gateway dataset: its dimensions and its sums."""

    gateway: str
    model: str
    hour: str
    requests: int = 1
    tokens_in: int = 0
    tokens_out: int = 0
    errored: int = 0
    cached: int = 0
    cost: float = 0.0
    rate_limited: bool = False
    status_code: int = 200
    provider: str = "workers-ai"


@dataclass(frozen=True)
class InferenceUsage:
    """One group of the account-wide Workers AI dataset."""

    model: str
    hour: str
    requests: int = 1
    neurons: float = 0.0
    tokens_in: int = 0
    tokens_out: int = 0


def hour_of(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:00:00Z")


class GatewayRoutes:
    """The gateway part of one ``CloudflareEmulator``; its methods are safe across threads."""

    def __init__(self, emulator: CloudflareEmulator) -> None:
        self._emulator = emulator
        self._lock = threading.Lock()
        self._gateways: dict[str, dict[str, Any]] = {}
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._gateway_usage: list[GatewayUsage] = []
        self._inference_usage: list[InferenceUsage] = []
        self.clock: Callable[[], float] = time.monotonic
        """Seconds for the rate limiter; tests may replace it."""

    @property
    def gateway_root(self) -> str:
        return self._emulator.origin + GATEWAY_PREFIX

    def add_gateway(self, config: dict[str, Any]) -> None:
        with self._lock:
            self._gateways[str(config["id"])] = dict(config)

    def gateway(self, gateway_id: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._gateways.get(gateway_id)
            return None if found is None else dict(found)

    def edit_gateway(self, gateway_id: str, **changes: Any) -> None:
        """What someone does by hand in the dashboard."""
        with self._lock:
            self._gateways[gateway_id].update(changes)

    def remove_gateway(self, gateway_id: str) -> None:
        with self._lock:
            self._gateways.pop(gateway_id, None)

    def add_usage(
        self, gateway: Sequence[GatewayUsage] = (), inference: Sequence[InferenceUsage] = ()
    ) -> None:
        with self._lock:
            self._gateway_usage.extend(gateway)
            self._inference_usage.extend(inference)

    def route(self, request: RecordedRequest) -> Answer | None:
        """The answer to a gateway request; None leaves the request to the emulator."""
        if request.path.startswith(GATEWAY_PREFIX + "/"):
            return self._through_gateway(request)
        if request.path == API_PREFIX + "/graphql" and request.method == "POST":
            denied = self._authorise(request, ANALYTICS)
            return denied or self._graphql(request)
        parts = [p for p in request.path.removeprefix(API_PREFIX).split("/") if p]
        if parts[:1] != ["accounts"] or parts[2:4] != ["ai-gateway", "gateways"]:
            return None
        if not self._emulator.state.serves(parts[1]):
            return error(400, 7003, f"Could not route to {request.path}")
        denied = self._authorise(request, READ if request.method == "GET" else WRITE)
        return denied or self._crud(request, parts[4:])

    def _authorise(self, request: RecordedRequest, needed: frozenset[str]) -> Answer | None:
        state = self._emulator.state
        return authorise(state, token_of(state, request), needed)

    def _crud(self, request: RecordedRequest, rest: list[str]) -> Answer:
        method = request.method
        if not rest:
            if method == "GET":
                with self._lock:
                    listed = [dict(g) for g in self._gateways.values()]
                info = {"page": 1, "per_page": len(listed), "count": len(listed)}
                return ok(listed, result_info={**info, "total_count": len(listed)})
            if method == "POST":
                return self._write(request, None)
            return error(405, 10405, "Method not allowed")  # emulator-invented
        if len(rest) != 1:
            return error(404, 7000, "No route for that URI")
        found = self.gateway(rest[0])
        if found is None:
            return error(404, 7002, "Gateway not found")  # emulator-invented code
        if method == "GET":
            return ok(found)
        if method == "DELETE":
            self.remove_gateway(rest[0])
            return ok({"id": rest[0]})
        if method == "PUT":
            return self._write(request, rest[0])
        return error(405, 10405, "Method not allowed")  # emulator-invented

    def _write(self, request: RecordedRequest, existing: str | None) -> Answer:
        try:
            body = request.json()
        except ValueError:
            return error(400, 10001, "Bad request: the body is not JSON")
        if not isinstance(body, dict):
            return error(400, 10001, "Bad request: the body must be an object")
        if existing is not None:
            body = {**body, "id": existing}
        missing = [key for key in REQUIRED if key not in body]
        if missing:
            return error(400, 10001, f"Bad request: missing {', '.join(missing)}")
        for field in GATEWAY_FIELDS:
            problem = field.problem(body.get(field.name))
            if problem is not None:
                return error(400, 10001, f"Bad request: {field.name} {problem}")  # code invented
        with self._lock:
            if existing is None and str(body["id"]) in self._gateways:
                return error(409, 10001, "A gateway with this id already exists")
            if existing is None and len(self._gateways) >= 20:
                return error(400, 10001, "The account has reached its gateway limit")
            self._gateways[str(body["id"])] = dict(body)
        return ok(body)

    def _through_gateway(self, request: RecordedRequest) -> Answer:
        found = self._target(request)
        if isinstance(found, Answer):
            return found
        gateway_id, config = found
        token = token_of(self._emulator.state, request)
        seen = GatewayUsage(gateway_id, _model_of(request), hour_of(datetime.now(UTC)))
        refused = self._refusal(token, config, seen)
        if refused is not None:
            return refused
        mark_used(self._emulator.state, token)
        answer = chat_completion(self._emulator.state, request, [])
        self._record_completion(answer, token, seen)
        return answer

    def _target(self, request: RecordedRequest) -> tuple[str, dict[str, Any]] | Answer:
        """The gateway id and settings a request names, or the answer that turns it away (no
        such route or gateway, authentication on)."""
        parts = [p for p in request.path.removeprefix(GATEWAY_PREFIX).split("/") if p]
        if len(parts) < 3 or parts[2:] != ["workers-ai", "v1", "chat", "completions"]:
            return error(404, 7000, "No route for that URI")
        if request.method != "POST":
            return error(405, 10405, "Method not allowed")  # emulator-invented
        account, gateway_id = parts[0], parts[1]
        config = self.gateway(gateway_id) if self._emulator.state.serves(account) else None
        if config is None:
            return error(404, 2001, "Gateway not found")  # emulator-invented code
        if config.get("authentication"):
            return error(401, 2009, "Unauthorized: missing cf-aig-authorization header")
        return gateway_id, config

    def _refusal(
        self, token: TokenInfo | None, config: dict[str, Any], seen: GatewayUsage
    ) -> Answer | None:
        """A token without Workers AI, or a request past the rate limit: refused, and recorded
        as an errored request (``seen``: its gateway, model and hour); None lets it through."""
        denied = authorise(self._emulator.state, token, WORKERS_AI_PERMISSIONS)
        if denied is not None:
            self._record(replace(seen, errored=1, status_code=denied.status))
            return denied
        if self._admit(seen.gateway, config):
            return None
        self._record(replace(seen, errored=1, rate_limited=True, status_code=429))
        answer = error(429, 2003, "Rate limited")
        answer.headers = (*answer.headers, ("Retry-After", "1"))
        return answer

    def _record_completion(
        self, answer: Answer, token: TokenInfo | None, seen: GatewayUsage
    ) -> None:
        """The completion counted in the gateway dataset and, when it succeeded, in the Workers AI
        dataset."""
        usage = json.loads(answer.body).get("usage", {}) if answer.status == 200 else {}
        tokens_in = int(usage.get("prompt_tokens", 0))
        tokens_out = int(usage.get("completion_tokens", 0))
        self._record(
            replace(
                seen,
                tokens_in=tokens_in,
                tokens_out=tokens_out,
                errored=int(answer.status >= 400),
                status_code=answer.status,
            )
        )
        if answer.status != 200:
            return
        neurons = (tokens_in + tokens_out) * NEURONS_PER_TOKEN
        with self._lock:
            self._inference_usage.append(
                InferenceUsage(seen.model, seen.hour, 1, neurons, tokens_in, tokens_out)
            )

    def _admit(self, gateway_id: str, config: dict[str, Any]) -> bool:
        limit = int(config.get("rate_limiting_limit") or 0)
        interval = float(config.get("rate_limiting_interval") or 0)
        if limit <= 0 or interval <= 0:
            return True
        now = float(self.clock())
        with self._lock:
            hits = self._hits[gateway_id]
            if config.get("rate_limiting_technique") == "sliding":
                while hits and hits[0] <= now - interval:
                    hits.popleft()
            else:
                start = now - now % interval
                while hits and hits[0] < start:
                    hits.popleft()
            if len(hits) >= limit:
                return False
            hits.append(now)
            return True

    def _record(self, usage: GatewayUsage) -> None:
        with self._lock:
            self._gateway_usage.append(usage)

    def _graphql(self, request: RecordedRequest) -> Answer:
        try:
            body = request.json()
        except ValueError:
            return _graphql_error("the body is not JSON")
        query = body.get("query") if isinstance(body, dict) else None
        variables = (body.get("variables") or {}) if isinstance(body, dict) else {}
        if not isinstance(query, str) or not isinstance(variables, dict):
            return _graphql_error("expected {query, variables}")
        if not self._emulator.state.serves(variables.get("accountTag")):
            return _graphql_error("accountTag: no such account, or no access to it")
        window = variables.get("filter") or {}
        since, until = (
            str(window.get("datetimeHour_geq", "")),
            str(window.get("datetimeHour_lt", "~")),
        )
        limit = int(variables.get("limit") or MAX_LIMIT)
        if not 1 <= limit <= MAX_LIMIT:
            return _graphql_error(f"limit must be between 1 and {MAX_LIMIT}")
        account: dict[str, Any] = {}
        with self._lock:
            if GATEWAY_DATASET in query:
                account[GATEWAY_DATASET] = _groups(
                    [_gateway_group(u) for u in self._gateway_usage if since <= u.hour < until],
                    limit,
                )
            if INFERENCE_DATASET in query:
                account[INFERENCE_DATASET] = _groups(
                    [_inference_group(u) for u in self._inference_usage if since <= u.hour < until],
                    limit,
                )
        if not account:
            return _graphql_error("unknown dataset")
        payload = {"data": {"viewer": {"accounts": [account]}}, "errors": None}
        return Answer(200, json.dumps(payload).encode())


def _model_of(request: RecordedRequest) -> str:
    try:
        body = request.json()
    except ValueError:
        return ""
    return str(body.get("model", "")) if isinstance(body, dict) else ""


def _gateway_group(usage: GatewayUsage) -> tuple[tuple[Any, ...], dict[str, Any]]:
    dims = {
        "gateway": usage.gateway,
        "model": usage.model,
        "provider": usage.provider,
        "rateLimited": int(usage.rate_limited),
        "statusCode": usage.status_code,
        "datetimeHour": usage.hour,
    }
    sums = {
        "cost": usage.cost,
        "cachedRequests": usage.cached,
        "erroredRequests": usage.errored,
        "uncachedTokensIn": usage.tokens_in,
        "uncachedTokensOut": usage.tokens_out,
    }
    return (usage.hour, usage.gateway, usage.model, usage.status_code, usage.rate_limited), {
        "count": usage.requests,
        "sum": sums,
        "dimensions": dims,
    }


def _inference_group(usage: InferenceUsage) -> tuple[tuple[Any, ...], dict[str, Any]]:
    return (usage.hour, usage.model), {
        "count": usage.requests,
        "sum": {
            "totalNeurons": usage.neurons,
            "totalInputTokens": usage.tokens_in,
            "totalOutputTokens": usage.tokens_out,
        },
        "dimensions": {"modelId": usage.model, "datetimeHour": usage.hour},
    }


def _groups(rows: list[tuple[tuple[Any, ...], dict[str, Any]]], limit: int) -> list[dict[str, Any]]:
    """Rows with the same dimensions summed, ordered by hour (then the other dimensions)."""
    merged: dict[tuple[Any, ...], dict[str, Any]] = {}
    for key, row in rows:
        if key not in merged:
            merged[key] = {**row, "sum": dict(row["sum"])}
            continue
        into = merged[key]
        into["count"] += row["count"]
        for name, value in row["sum"].items():
            into["sum"][name] += value
    return [merged[key] for key in sorted(merged)][:limit]


def _graphql_error(message: str) -> Answer:
    payload = {"data": None, "errors": [{"message": message}]}
    return Answer(200, json.dumps(payload).encode())
