"""``cloudflare.AiGateway`` for the sandbox's fake provider, kept in the emulator's gateways API.

Like the token resources of :mod:`breeze_infra.sandbox.cloudflare`, inputs use the SDK's wire
names (camelCase) and the body sent is the API's (snake_case); a change of ``accountId`` or
``aiGatewayId`` replaces the gateway, everything else is a ``PUT`` of the whole configuration.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from breeze_infra.sandbox._api import call_api


class GatewayResource:
    """``cloudflare.AiGateway`` for the sandbox's fake provider: kept in the emulator through
    its gateways API, so ``pulumi up`` in the sandbox creates what ``doctor`` then reads."""

    replace_keys = frozenset({"accountId", "aiGatewayId"})

    def __init__(self, config: Mapping[str, str]) -> None:
        self.config = config

    def check(self, news: Mapping[str, Any]) -> list[tuple[str, str]]:
        required = ("accountId", "aiGatewayId", "rateLimitingLimit", "rateLimitingInterval")
        return [(k, f"Missing required property '{k}'") for k in required if news.get(k) is None]

    def _path(self, inputs: Mapping[str, Any], gateway: str = "") -> str:
        base = f"/accounts/{inputs.get('accountId')}/ai-gateway/gateways"
        return f"{base}/{gateway}" if gateway else base

    def create(self, inputs: Mapping[str, Any], preview: bool) -> tuple[str, dict[str, Any]]:
        if preview:
            return "", dict(inputs)
        result = call_api(self.config, "POST", self._path(inputs), _api_body(inputs))
        return str(result["id"]), dict(inputs)

    def read(self, resource_id: str, state: Mapping[str, Any]) -> dict[str, Any] | None:
        found = call_api(self.config, "GET", self._path(state, resource_id), missing_ok=True)
        return None if found is None else dict(state)

    def update(
        self, resource_id: str, olds: Mapping[str, Any], news: Mapping[str, Any], preview: bool
    ) -> dict[str, Any]:
        if not preview:
            call_api(self.config, "PUT", self._path(news, resource_id), _api_body(news))
        return dict(news)

    def delete(self, resource_id: str, state: Mapping[str, Any]) -> None:
        call_api(self.config, "DELETE", self._path(state, resource_id), missing_ok=True)


_WIRE = {
    "aiGatewayId": "id",
    "authentication": "authentication",
    "cacheInvalidateOnUpdate": "cache_invalidate_on_update",
    "cacheTtl": "cache_ttl",
    "collectLogs": "collect_logs",
    "logManagement": "log_management",
    "logManagementStrategy": "log_management_strategy",
    "rateLimitingInterval": "rate_limiting_interval",
    "rateLimitingLimit": "rate_limiting_limit",
    "rateLimitingTechnique": "rate_limiting_technique",
}


def _api_body(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """SDK inputs (camelCase) -> the API's body (snake_case); PUT replaces it whole."""
    return {api: inputs[key] for key, api in _WIRE.items() if inputs.get(key) is not None}
