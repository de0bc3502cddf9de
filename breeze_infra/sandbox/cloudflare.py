"""The fake cloudflare provider's tokens and permission-group functions, over the emulator's HTTP API.

It speaks Cloudflare's real v4 paths (``/accounts/<id>/tokens``, ``/user/tokens``, their
``permission_groups``) at ``CLOUDFLARE_BASE_URL`` with the bootstrap token from ``cloudflare:apiToken``
or ``CLOUDFLARE_API_TOKEN``, so the emulator is the one truth about which tokens are live. Inputs use
the SDK's wire names (camelCase, ``policies[].resources`` as JSON text, ``condition.requestIp.ins``);
the body sent is the API's. As in pulumi-cloudflare 6 (Terraform provider v5), only a change of
``accountId`` replaces an account token; everything else updates in place, which is why the program
asks for replacement itself with ``replaceOnChanges``. ``value`` is returned only by create, as a
secret, and kept from the old state on update.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from breeze_infra.permissions import ACCOUNT_TOKEN, USER_TOKEN
from breeze_infra.sandbox import values
from breeze_infra.sandbox._api import call_api

__all__ = ["ACCOUNT_TOKEN", "FUNCTIONS", "USER_TOKEN", "TokenResource", "call_api", "resources"]

ACCOUNT_GROUPS = (
    "cloudflare:index/getAccountApiTokenPermissionGroupsList:getAccountApiTokenPermissionGroupsList"
)
USER_GROUPS = "cloudflare:index/getApiTokenPermissionGroupsList:getApiTokenPermissionGroupsList"
_COMPUTED = ("issuedOn", "modifiedOn", "status")


def _api_body(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """SDK inputs (revealed) -> the API's create/update body."""
    body: dict[str, Any] = {"name": inputs.get("name")}
    body["policies"] = [
        {
            "effect": item.get("effect"),
            "permission_groups": [{"id": g.get("id")} for g in item.get("permissionGroups") or []],
            "resources": json.loads(item.get("resources") or "{}"),
        }
        for item in inputs.get("policies") or []
    ]
    request_ip = (inputs.get("condition") or {}).get("requestIp") or {}
    if request_ip:
        body["condition"] = {
            "request_ip": {
                key: request_ip[name]
                for key, name in (("in", "ins"), ("not_in", "notIns"))
                if request_ip.get(name)
            }
        }
    for key, name in (("expires_on", "expiresOn"), ("not_before", "notBefore")):
        if inputs.get(name) is not None:
            body[key] = inputs[name]
    if inputs.get("status") is not None:
        body["status"] = inputs["status"]
    return body


@dataclass(frozen=True)
class TokenResource:
    """``AccountToken`` (owner ``account``) or ``ApiToken`` (owner ``user``)."""

    owner: Literal["account", "user"]
    config: Mapping[str, str] = field(default_factory=dict)
    """The provider's configuration (``apiToken``), filled in by Configure."""

    @property
    def replace_keys(self) -> frozenset[str]:
        return frozenset({"accountId"}) if self.owner == "account" else frozenset()

    def _path(self, inputs: Mapping[str, Any], token_id: str = "") -> str:
        if self.owner == "account":
            account = values.reveal(inputs.get("accountId"))
            base = f"/accounts/{account}/tokens"
        else:
            base = "/user/tokens"
        return f"{base}/{token_id}" if token_id else base

    def check(self, news: Mapping[str, Any]) -> list[tuple[str, str]]:
        required = ["name", "policies"] + (["accountId"] if self.owner == "account" else [])
        return [
            (key, f"Missing required property '{key}'") for key in required if not news.get(key)
        ]

    def _outputs(
        self, inputs: Mapping[str, Any], result: Mapping[str, Any], value: Any
    ) -> dict[str, Any]:
        outputs = dict(inputs)
        for key, api in zip(_COMPUTED, ("issued_on", "modified_on", "status"), strict=True):
            outputs[key] = result.get(api)
        outputs["value"] = value if values.is_secret(value) else values.secret(value)
        return outputs

    def create(self, inputs: Mapping[str, Any], preview: bool) -> tuple[str, dict[str, Any]]:
        if preview:
            unknown = {key: values.UNKNOWN for key in _COMPUTED}
            return "", {**inputs, **unknown, "value": values.secret(values.UNKNOWN)}
        revealed = values.reveal(inputs)
        result = call_api(self.config, "POST", self._path(revealed), _api_body(revealed))
        return str(result["id"]), self._outputs(inputs, result, result["value"])

    def read(self, resource_id: str, state: Mapping[str, Any]) -> dict[str, Any] | None:
        path = self._path(values.reveal(state), resource_id)
        result = call_api(self.config, "GET", path, missing_ok=True)
        if result is None:
            return None
        return self._outputs(state, result, state.get("value"))

    def update(
        self, resource_id: str, olds: Mapping[str, Any], news: Mapping[str, Any], preview: bool
    ) -> dict[str, Any]:
        if preview:
            return {**olds, **news}
        revealed = values.reveal(news)
        result = call_api(
            self.config, "PUT", self._path(revealed, resource_id), _api_body(revealed)
        )
        return self._outputs(news, result, olds.get("value"))

    def delete(self, resource_id: str, state: Mapping[str, Any]) -> None:
        call_api(
            self.config, "DELETE", self._path(values.reveal(state), resource_id), missing_ok=True
        )


def _groups(path: str, args: Mapping[str, Any], config: Mapping[str, str]) -> dict[str, Any]:
    params = {key: str(args[key]) for key in ("name", "scope") if args.get(key) is not None}
    listing = call_api(config, "GET", path, params=params) or []
    results = [
        {
            "id": g.get("id"),
            "name": g.get("name"),
            "scopes": g.get("scopes") or [],
            "category": g.get("category", ""),
            "isSelectable": g.get("is_selectable", True),
        }
        for g in listing
    ]
    limit = args.get("maxItems")
    if isinstance(limit, (int, float)) and limit > 0:
        results = results[: int(limit)]
    return {**{k: v for k, v in args.items() if v is not None}, "results": results}


def account_groups(args: Mapping[str, Any], config: Mapping[str, str]) -> dict[str, Any]:
    return _groups(f"/accounts/{args.get('accountId')}/tokens/permission_groups", args, config)


def user_groups(args: Mapping[str, Any], config: Mapping[str, str]) -> dict[str, Any]:
    return _groups("/user/tokens/permission_groups", args, config)


def resources(config: Mapping[str, str]) -> dict[str, Any]:
    """The token types, reading the provider configuration they are given (updated in place)."""
    from breeze_infra.gateway import AI_GATEWAY_TYPE
    from breeze_infra.sandbox.cloudflare_gateway import GatewayResource

    return {
        ACCOUNT_TOKEN: TokenResource("account", config),
        USER_TOKEN: TokenResource("user", config),
        AI_GATEWAY_TYPE: GatewayResource(config),
    }


FUNCTIONS = {ACCOUNT_GROUPS: account_groups, USER_GROUPS: user_groups}
