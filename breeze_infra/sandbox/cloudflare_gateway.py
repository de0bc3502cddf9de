"""``cloudflare.AiGateway`` for the sandbox's fake provider, kept in the emulator's gateways API.

Like the token resources of :mod:`breeze_infra.sandbox.cloudflare`, inputs use the SDK's wire
names (camelCase) and the body sent is the API's (snake_case), both from ``GATEWAY_FIELDS``. As in
terraform-provider-cloudflare v5.22.0 ``internal/services/ai_gateway/schema.go``: a change of
``account_id`` or ``id`` (``aiGatewayId``) replaces the gateway (``RequiresReplace``), everything
else is a ``PUT`` of the whole configuration; computed fields get the schema's defaults; a read
reports what the API holds, so a setting changed by hand shows up on refresh.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from breeze_infra.gateway import GATEWAY_FIELDS, camel
from breeze_infra.sandbox._api import call_api

_REQUIRED = ("accountId", "aiGatewayId", *(f.wire for f in GATEWAY_FIELDS if f.required))
_WIRE = {"aiGatewayId": "id", **{field.wire: field.name for field in GATEWAY_FIELDS}}
"""Pulumi's name -> the API's, for every field the program sets."""
_COMPUTED_DEFAULTS: Mapping[str, Any] = {"workersAiBillingMode": "postpaid"}
_RULE_DEFAULTS: Mapping[str, Any] = {"id": "6fb25042", "enabled": True, "technique": "sliding"}
"""``Default`` of the computed fields in ai_gateway/schema.go (v5.22.0): the billing mode, and
each spend-limit rule's id, enabled flag and technique."""


class GatewayResource:
    """``cloudflare.AiGateway`` for the sandbox's fake provider: kept in the emulator through
    its gateways API, so ``pulumi up`` in the sandbox creates what ``doctor`` then reads."""

    replace_keys = frozenset({"accountId", "aiGatewayId"})

    def __init__(self, config: Mapping[str, str]) -> None:
        self.config = config

    def check(self, news: Mapping[str, Any]) -> list[tuple[str, str]]:
        failures = [(k, f"Missing required property '{k}'") for k in _REQUIRED if k not in news]
        for field in GATEWAY_FIELDS:
            problem = field.problem(news.get(field.wire))
            if problem is not None and field.wire in news:
                failures.append((field.wire, f"{field.wire} {problem}"))
        return failures

    def planned(self, news: Mapping[str, Any]) -> dict[str, Any]:
        return _with_defaults(news)

    def _path(self, inputs: Mapping[str, Any], gateway: str = "") -> str:
        base = f"/accounts/{inputs.get('accountId')}/ai-gateway/gateways"
        return f"{base}/{gateway}" if gateway else base

    def create(self, inputs: Mapping[str, Any], preview: bool) -> tuple[str, dict[str, Any]]:
        if preview:
            return "", _with_defaults(inputs)
        result = call_api(self.config, "POST", self._path(inputs), _api_body(inputs))
        return str(result["id"]), _outputs(inputs, result)

    def read(self, resource_id: str, state: Mapping[str, Any]) -> dict[str, Any] | None:
        found = call_api(self.config, "GET", self._path(state, resource_id), missing_ok=True)
        return None if found is None else _outputs(state, found)

    def update(
        self, resource_id: str, olds: Mapping[str, Any], news: Mapping[str, Any], preview: bool
    ) -> dict[str, Any]:
        if preview:
            return _with_defaults(news)
        result = call_api(self.config, "PUT", self._path(news, resource_id), _api_body(news))
        return _outputs(news, result)

    def delete(self, resource_id: str, state: Mapping[str, Any]) -> None:
        call_api(self.config, "DELETE", self._path(state, resource_id), missing_ok=True)


def _snake(value: Any) -> Any:
    """Nested SDK names -> the API's (``limitType`` -> ``limit_type``)."""
    if isinstance(value, Mapping):
        return {
            "".join(f"_{c.lower()}" if c.isupper() else c for c in k): _snake(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_snake(item) for item in value]
    return value


def _camel(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {camel(k): _camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel(item) for item in value]
    return value


def _api_body(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """SDK inputs (camelCase) -> the API's body (snake_case); PUT replaces it whole."""
    return {api: _snake(inputs[key]) for key, api in _WIRE.items() if inputs.get(key) is not None}


def _with_defaults(inputs: Mapping[str, Any]) -> dict[str, Any]:
    outputs = {**_COMPUTED_DEFAULTS, **inputs}
    spend = outputs.get("spendLimits")
    if isinstance(spend, Mapping):
        rules = [{**_RULE_DEFAULTS, **rule} for rule in spend.get("rules") or []]
        outputs["spendLimits"] = {"enabled": False, **spend, "rules": rules}
    return outputs


def _outputs(inputs: Mapping[str, Any], answer: Mapping[str, Any]) -> dict[str, Any]:
    """The state after an API answer: each field as the API holds it, computed ones defaulted."""
    outputs = dict(inputs)
    for key, api in _WIRE.items():
        if key != "aiGatewayId" and api in answer:
            outputs[key] = _camel(answer[api])
    for key in ("created_at", "modified_at", "is_default"):
        if key in answer:
            outputs[camel(key)] = answer[key]
    return _with_defaults({k: v for k, v in outputs.items() if v is not None})
