"""The token routes: verify, permission groups, and create/list/get/update/delete of tokens.

On the account paths (``/accounts/<id>/tokens...``) and the user paths (``/user/tokens...``),
checked as Cloudflare checks them, so the fake cloudflare provider plugin and the client meet the
same answers (and the same refusals) a real deploy would.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from breeze_infra.sandbox.emulator._routing import RouteFamily
from breeze_infra.sandbox.emulator._state import (
    GROUPS_BY_ID,
    PERMISSION_GROUPS,
    TOKENS_READ_PERMISSIONS,
    USER_TOKENS_PERMISSIONS,
    State,
    TokenEvent,
    TokenInfo,
    TokenKind,
    authorise,
    moment,
    not_yet_valid,
    status_of,
    token_of,
)
from breeze_infra.sandbox.emulator._wire import Answer, RecordedRequest, error, first, ok


def verify_account(state: State, request: RecordedRequest, rest: list[str]) -> Answer:
    return _verify(state, token_of(state, request), "account")


def permission_groups(state: State, request: RecordedRequest, rest: list[str]) -> Answer:
    # The query is decoded once (by the server), as the API does: the strict reading, so a
    # pre-encoded name ('Workers%20AI%20Read', sent by cloudflare-go as '%2520') finds nothing.
    name = first(request.query, "name")
    scope = first(request.query, "scope")
    groups = [
        g
        for g in PERMISSION_GROUPS
        if (name is None or g["name"] == name) and (scope is None or scope in g["scopes"])
    ]
    info = {"page": 1, "per_page": len(groups), "count": len(groups)}
    return ok(groups, result_info={**info, "total_count": len(groups)})


def account_tokens(state: State, request: RecordedRequest, rest: list[str]) -> Answer:
    return tokens_api(state, request, "account", rest)


ROUTES = (
    RouteFamily(("tokens", "verify"), verify_account, None, methods={"GET"}, exact=True),
    RouteFamily(
        ("tokens", "permission_groups"),
        permission_groups,
        TOKENS_READ_PERMISSIONS,
        methods={"GET"},
        exact=True,
    ),
    RouteFamily(("tokens",), account_tokens, TOKENS_READ_PERMISSIONS),
)
"""Under ``/accounts/<id>/``: verify needs no permission (it reports on the token itself)."""


def user_route(state: State, request: RecordedRequest, parts: list[str]) -> Answer | None:
    """``/user/tokens...``, which user-owned tokens are managed on; None for any other path."""
    token = token_of(state, request)
    if parts == ["user", "tokens", "verify"] and request.method == "GET":
        return _verify(state, token, "user")
    if parts[:2] != ["user", "tokens"]:
        return None
    denied = authorise(state, token, USER_TOKENS_PERMISSIONS)
    if denied is not None:
        return denied
    if parts[2:] == ["permission_groups"] and request.method == "GET":
        return permission_groups(state, request, [])
    return tokens_api(state, request, "user", parts[2:])


def _verify(state: State, token: TokenInfo | None, kind: TokenKind) -> Answer:
    """The token's own status, ``expired`` included, as Cloudflare's verify reports it. A token
    before its ``not_before`` has no status in the API's enum (active, disabled, expired): the
    strict reading turns it away as an unknown token is turned away."""
    if token is None or token.kind != kind or not_yet_valid(state, token):
        return error(401, 1000, "Invalid API Token")
    status = status_of(state, token)
    result: dict[str, Any] = {"id": token.id, "status": status}
    if token.expires_on is not None:
        result["expires_on"] = token.expires_on
    if token.not_before is not None:
        result["not_before"] = token.not_before
    note = {"code": 10000, "message": "This API Token is valid and active", "type": None}
    if status != "active":
        note = {"code": 10000, "message": f"This API Token is {status}", "type": None}  # invented
    return ok(result, messages=[note])


def tokens_api(state: State, request: RecordedRequest, kind: TokenKind, rest: list[str]) -> Answer:
    """``/accounts/<id>/tokens[/<token_id>]`` and ``/user/tokens[/<token_id>]``."""
    method = request.method
    if not rest:
        if method == "GET":
            return _listing(state, request, kind)
        if method == "POST":
            return _create_token(state, request, kind)
        return error(405, 10405, "Method not allowed")  # emulator-invented
    if len(rest) != 1:
        return error(404, 7000, "No route for that URI")
    with state.lock:
        found_token = next(
            (t for t in state.tokens.values() if t.id == rest[0] and _owned(t, kind)), None
        )
    if found_token is None:
        return error(404, 1003, "Token not found")  # emulator-invented code
    if method == "GET":
        return ok(_public(state, found_token))
    if method == "DELETE":
        with state.lock:
            state.tokens.pop(found_token.value, None)
            state.events.append(TokenEvent("delete", found_token.id, _name(found_token)))
        return ok({"id": found_token.id})
    if method == "PUT":
        return _update_token(state, request, found_token)
    return error(405, 10405, "Method not allowed")  # emulator-invented


def _create_token(state: State, request: RecordedRequest, kind: TokenKind) -> Answer:
    body, problem = _token_body(request)
    if problem is not None:
        return problem
    prefix = "cfat_" if kind == "account" else "cfut_"
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    value = prefix + "".join(secrets.choice(alphabet) for _ in range(43))
    now = state.now_text()
    record = {**body, "issued_on": now, "modified_on": now, "status": "active"}
    info = TokenInfo(
        value=value,
        id=uuid.uuid4().hex,
        kind=kind,
        expires_on=body.get("expires_on"),
        not_before=body.get("not_before"),
        permissions=_granted(body),
        record=record,
    )
    with state.lock:
        state.tokens[value] = info
        state.minted.append(value)
        state.events.append(TokenEvent("create", info.id, _name(info)))
    return ok({**_public(state, info), "value": value})


def _update_token(state: State, request: RecordedRequest, token: TokenInfo) -> Answer:
    body, problem = _token_body(request)
    if problem is not None:
        return problem
    status = body.pop("status", None) or (token.record or {}).get("status", "active")
    record = {**body, "issued_on": (token.record or {}).get("issued_on", state.now_text())}
    record.update(modified_on=state.now_text(), status=status)
    if "last_used_on" in (token.record or {}):
        record["last_used_on"] = (token.record or {})["last_used_on"]
    updated = replace(
        token,
        status=status,
        expires_on=body.get("expires_on"),
        not_before=body.get("not_before"),
        permissions=_granted(body),
        record=record,
    )
    with state.lock:
        state.tokens[token.value] = updated
        state.events.append(TokenEvent("update", token.id, _name(updated)))
    return ok(_public(state, updated))


_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z")


def _is_time(value: str) -> bool:
    """The API's date-time shape, and a moment that exists (no 30 February)."""
    if not _TIMESTAMP.fullmatch(value):
        return False
    try:
        moment(value)
    except ValueError:
        return False
    return True


LISTING_PER_PAGE = (5, 50, 20)
"""The listing's page size: at least, at most, by default (Cloudflare's API schema for
``GET /accounts/{account_id}/tokens``, ``per_page``); outside the range the strict reading
refuses."""


def _listing(state: State, request: RecordedRequest, kind: TokenKind) -> Answer:
    low, high, default = LISTING_PER_PAGE
    try:
        page = int(first(request.query, "page") or 1)
        per_page = int(first(request.query, "per_page") or default)
    except ValueError:
        page = per_page = 0
    if page < 1 or not low <= per_page <= high:
        return error(400, 1001, f"per_page must be {low} to {high}, page at least 1")  # invented
    with state.lock:
        found = [_public(state, t) for t in state.tokens.values() if _owned(t, kind)]
    chunk = found[(page - 1) * per_page : page * per_page]
    pages = max(1, -(-len(found) // per_page))
    info = {"page": page, "per_page": per_page, "count": len(chunk), "total_pages": pages}
    return ok(chunk, result_info={**info, "total_count": len(found)})


def _owned(token: TokenInfo, kind: TokenKind) -> bool:
    return token.record is not None and token.kind == kind


def _name(token: TokenInfo) -> str:
    return str((token.record or {}).get("name", ""))


def _public(state: State, token: TokenInfo) -> dict[str, Any]:
    """A token as list and get answer: never its secret; ``expired`` once its time has passed."""
    return {"id": token.id, **(token.record or {}), "status": status_of(state, token)}


def _granted(body: Mapping[str, Any]) -> frozenset[str]:
    """The permission names an allow policy grants (what the emulator authorises calls on)."""
    names: set[str] = set()
    for item in body.get("policies", []):
        if item.get("effect") == "allow":
            names.update(GROUPS_BY_ID[g["id"]] for g in item["permission_groups"])
    return frozenset(names)


def _token_body(request: RecordedRequest) -> tuple[dict[str, Any], Answer | None]:
    """A create or update body checked as the API checks it; the error answers as Cloudflare's."""
    try:
        body = request.json()
    except ValueError:
        return {}, error(400, 9207, "Request body is not valid JSON")
    if not isinstance(body, dict):
        return {}, error(400, 9207, "Request body must be an object")
    name = body.get("name")
    if not isinstance(name, str) or not name or len(name) > 120:
        return {}, error(400, 1007, "name: must be 1 to 120 characters")  # code invented
    policies = body.get("policies")
    if not isinstance(policies, list) or not policies:
        return {}, error(400, 1008, "policies: at least one policy is required")  # invented
    for item in policies:
        problem = _policy_problem(item)
        if problem is not None:
            return {}, error(400, 1009, f"policies: {problem}")  # code invented
    for key in ("expires_on", "not_before"):
        value = body.get(key)
        if value is not None and not (isinstance(value, str) and _is_time(value)):
            return {}, error(400, 1010, f"{key}: not a YYYY-MM-DDTHH:MM:SSZ time")  # invented
    return body, None


def _policy_problem(item: object) -> str | None:
    if not isinstance(item, dict):
        return "a policy must be an object"
    if item.get("effect") not in ("allow", "deny"):
        return "effect must be allow or deny"
    groups = item.get("permission_groups")
    if not isinstance(groups, list) or not groups:
        return "permission_groups must list at least one group"
    for group in groups:
        if not isinstance(group, dict) or group.get("id") not in GROUPS_BY_ID:
            return f"unknown permission group {group!r}"
    resources = item.get("resources")
    if not isinstance(resources, dict) or not resources:
        return "resources must be a non-empty object"
    return None
