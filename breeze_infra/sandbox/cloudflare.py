"""The fake cloudflare provider's tokens and permission-group functions, over the emulator's HTTP API.

It speaks Cloudflare's real v4 paths (``/accounts/<id>/tokens``, ``/user/tokens``, their
``permission_groups``) at ``CLOUDFLARE_BASE_URL`` with the bootstrap token from ``cloudflare:apiToken``
or ``CLOUDFLARE_API_TOKEN``, so the emulator is the one truth about which tokens are live. Inputs use
the SDK's wire names (camelCase, ``policies[].resources`` as JSON text, ``condition.requestIp.ins``);
the body sent is the API's. What the Terraform provider pulumi-cloudflare 6 wraps does, and so does
this fake (terraform-provider-cloudflare v5.22.0, ``internal/services/account_token/``):

- only a change of ``account_id`` replaces an account token (``schema.go``: ``RequiresReplace``);
  everything else updates in place, which is why the program asks for ``replaceOnChanges`` itself;
- a policy's ``resources`` in state is the API's raw text, matched to the policy by effect and
  permission groups (``custom.go``, ``unmarshalCustomWithSnapshot``), so text written otherwise than
  the API answers differs from state after every ``up``;
- ``value`` comes only from create; update and read keep the one in state (``resource.go``,
  ``tokenValue := state.Value``), and an imported token has none (``ImportState`` sets only ids);
- a read that finds the token gone (404) or ``expired`` / ``revoked (exposed)`` drops it from
  state (``resource.go``, ``RemoveResource``; the status rule since v5.19.1), so the next ``up``
  creates it again.
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


_UNUSABLE = ("expired", "revoked (exposed)")
"""Statuses after which a read drops the token from state (resource.go, v5.19.1 and later)."""


def raw_json(value: Any) -> str:
    """A JSON value's text as the emulator wrote it (compact), i.e. the bytes Go keeps raw."""
    return json.dumps(value, separators=(",", ":"))


def _identity(effect: Any, groups: Any) -> tuple[str, tuple[str, ...]]:
    return str(effect), tuple(sorted(str(g.get("id")) for g in groups or []))


def _policies_from_answer(planned: Any, result: Mapping[str, Any]) -> Any:
    """The planned policies with each ``resources`` replaced by the API's raw text for the policy of
    the same effect and permission groups (custom.go); a policy the API lacks keeps its own."""
    if not isinstance(planned, list):  # an import: the policies as the API holds them
        return [
            {
                "effect": item.get("effect"),
                "permissionGroups": [{"id": g.get("id")} for g in item.get("permission_groups")],
                "resources": raw_json(item.get("resources")),
            }
            for item in result.get("policies") or []
        ]
    available: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for item in result.get("policies") or []:
        key = _identity(item.get("effect"), item.get("permission_groups"))
        available.setdefault(key, []).append(raw_json(item.get("resources")))
    policies = []
    for item in planned:
        key = _identity(item.get("effect"), item.get("permissionGroups"))
        texts = available.get(key)
        policies.append({**item, "resources": texts.pop(0)} if texts else dict(item))
    return policies


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
        if result.get("name") is not None:
            outputs["name"] = result["name"]
        outputs["policies"] = _policies_from_answer(inputs.get("policies"), result)
        if value is None:
            outputs.pop("value", None)  # imported: the API never shows a token's value again
        else:
            outputs["value"] = value if values.is_secret(value) else values.secret(value)
        return outputs

    def planned(self, news: Mapping[str, Any]) -> dict[str, Any]:
        return dict(news)

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
        if result is None or result.get("status") in _UNUSABLE:
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
