"""Every route family the emulator answers, and the dispatch that checks what Cloudflare checks
first: a bearer, the account id, then the family's permissions."""

from __future__ import annotations

from breeze_infra.sandbox.emulator import _models, _tokens
from breeze_infra.sandbox.emulator._routing import RouteFamily
from breeze_infra.sandbox.emulator._state import (
    WORKERS_AI_PERMISSIONS,
    State,
    authorise,
    mark_used,
    token_of,
)
from breeze_infra.sandbox.emulator._wire import API_PREFIX, Answer, RecordedRequest, error, relative

ACCOUNT_ROUTES: tuple[RouteFamily, ...] = (*_tokens.ROUTES, *_models.ROUTES)
"""Tried in order, the first match answers; add a family's ``ROUTES`` here."""


def route(state: State, request: RecordedRequest) -> Answer:
    """The answer Cloudflare would give; unknown paths get its 404 (code 7000) once the token has
    passed the Workers AI check, as Cloudflare authenticates before it routes."""
    if not request.path.startswith(API_PREFIX + "/"):
        return _no_route()
    parts = [p for p in relative(request.path).split("/") if p]
    if request.bearer is None:
        return error(401, 10000, "Authentication error")
    if parts[:1] == ["user"]:
        return _tokens.user_route(state, request, parts) or _no_route()
    if len(parts) < 2 or parts[0] != "accounts":
        return _no_route()
    if not state.serves(parts[1]):
        return error(
            400,
            7003,
            f"Could not route to {request.path}, perhaps your object identifier is invalid?",
        )
    rest = parts[2:]
    family = next((f for f in ACCOUNT_ROUTES if f.matches(rest, request.method)), None)
    needed = WORKERS_AI_PERMISSIONS if family is None else family.permissions
    if needed is not None:
        token = token_of(state, request)
        denied = authorise(state, token, needed)
        if denied is not None:
            return denied
        if needed == WORKERS_AI_PERMISSIONS:
            mark_used(state, token)
    if family is None:
        return _no_route()
    return family.handle(state, request, rest[len(family.prefix) :]) or _no_route()


def _no_route() -> Answer:
    return error(404, 7000, "No route for that URI")
