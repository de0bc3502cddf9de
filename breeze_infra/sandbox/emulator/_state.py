"""What the emulator knows: its tokens, models and the log of token writes, behind one lock.

The HTTP server answers on its own threads while a test changes tokens or models, so every route
family reads and writes :class:`State` under ``state.lock`` and nothing else.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from breeze_infra.permissions import ACCOUNT_SCOPE, PERMISSION_GROUP_IDS
from breeze_infra.permissions import PERMISSION_GROUPS as WORKERS_AI
from breeze_infra.sandbox.emulator._catalog import Model
from breeze_infra.sandbox.emulator._wire import Answer, RecordedRequest, error, stable_hex

DEFAULT_ACCOUNT_ID = "8c2f4e6a1b3d5f7092a4c6e8b0d2f4a6"
DEFAULT_TOKEN = "cfat_emulatorDefaultToken0000000000000000000000"
WORKERS_AI_READ_ID = PERMISSION_GROUP_IDS["read"]
WORKERS_AI_WRITE_ID = PERMISSION_GROUP_IDS["write"]

WORKERS_AI_PERMISSIONS = frozenset(WORKERS_AI.values())
TOKENS_READ_PERMISSIONS = frozenset({"Account API Tokens Read", "Account API Tokens Write"})
USER_TOKENS_PERMISSIONS = frozenset({"API Tokens Read", "API Tokens Write"})

_ACCOUNT_SCOPE = ACCOUNT_SCOPE
_USER_SCOPE = "com.cloudflare.api.user"

TokenStatus = Literal["active", "disabled", "expired"]
TokenKind = Literal["account", "user"]


PERMISSION_GROUPS: tuple[dict[str, Any], ...] = (
    {"id": WORKERS_AI_READ_ID, "name": WORKERS_AI["read"], "scopes": [_ACCOUNT_SCOPE]},
    {"id": WORKERS_AI_WRITE_ID, "name": WORKERS_AI["write"], "scopes": [_ACCOUNT_SCOPE]},
    {"id": stable_hex("AI Gateway Read"), "name": "AI Gateway Read", "scopes": [_ACCOUNT_SCOPE]},
    {"id": stable_hex("AI Gateway Edit"), "name": "AI Gateway Edit", "scopes": [_ACCOUNT_SCOPE]},
    {
        "id": stable_hex("Workers Scripts Read"),
        "name": "Workers Scripts Read",
        "scopes": [_ACCOUNT_SCOPE],
    },
    {
        "id": stable_hex("Account API Tokens Read"),
        "name": "Account API Tokens Read",
        "scopes": [_ACCOUNT_SCOPE],
    },
    {
        "id": stable_hex("Account API Tokens Write"),
        "name": "Account API Tokens Write",
        "scopes": [_ACCOUNT_SCOPE],
    },
    {"id": stable_hex("API Tokens Write"), "name": "API Tokens Write", "scopes": [_USER_SCOPE]},
    {
        "id": stable_hex("Workers AI Read (user)"),
        "name": WORKERS_AI["read"],
        "scopes": [_USER_SCOPE],
    },
)
GROUPS_BY_ID = {str(g["id"]): str(g["name"]) for g in PERMISSION_GROUPS}


@dataclass
class TokenInfo:
    """What the emulator knows about one token. ``permissions=None`` grants every permission."""

    value: str
    id: str = ""
    status: TokenStatus = "active"
    kind: TokenKind = "account"
    expires_on: str | None = None
    not_before: str | None = None
    permissions: frozenset[str] | None = None
    record: dict[str, Any] | None = None
    """The API's view of a token minted through the emulator (name, policies, ...); else None."""

    def __post_init__(self) -> None:
        if not self.id:
            self.id = stable_hex("token:" + self.value)

    def __repr__(self) -> str:
        return f"TokenInfo(id={self.id!r}, status={self.status!r}, kind={self.kind!r})"


@dataclass(frozen=True)
class TokenEvent:
    """One token write through the API: ``action`` is create, update or delete."""

    action: Literal["create", "update", "delete"]
    token_id: str
    name: str


@dataclass
class State:
    """Everything a route may read or change; hold ``lock`` while doing so."""

    account_id: str
    default_per_page: int
    tokens: dict[str, TokenInfo]
    models: dict[str, Model]
    lock: threading.Lock = field(default_factory=threading.Lock)
    accepted_licences: set[str] = field(default_factory=set)
    inference_counts: Counter[str] = field(default_factory=Counter)
    events: list[TokenEvent] = field(default_factory=list)
    minted: list[str] = field(default_factory=list)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    """What the emulator calls now: tokens' issued_on and last_used_on. A test sets it to move
    the emulator into another rotation window along with BREEZE_NOW."""

    any_account: bool = False
    """The sandbox's mode: every well-formed account id is one this emulator serves, so the id a
    user's stack names works; tests keep the default, one account, and 7003 for any other."""

    def now(self) -> datetime:
        """The emulator's now, in UTC: what token times are judged against."""
        return self.clock().astimezone(UTC)

    def now_text(self) -> str:
        """Now in Cloudflare's token time format."""
        return self.now().strftime("%Y-%m-%dT%H:%M:%SZ")

    def serves(self, account: object) -> bool:
        """Whether ``account`` is an account id this emulator answers for."""
        if account == self.account_id:
            return True
        return self.any_account and isinstance(account, str) and bool(_ACCOUNT.fullmatch(account))


_ACCOUNT = re.compile(r"[0-9a-f]{32}")
"""An account id as Cloudflare shows it: 32 lowercase hex characters."""


def token_of(state: State, request: RecordedRequest) -> TokenInfo | None:
    """The token the request's bearer names, if the emulator knows it."""
    bearer = request.bearer
    if bearer is None:
        return None
    with state.lock:
        return state.tokens.get(bearer)


def mark_used(state: State, token: TokenInfo | None) -> None:
    """A token that authenticated a Workers AI call shows it in ``last_used_on``, direct or
    through a gateway, as the token listing reports it (one per-key signal of use)."""
    if token is None or token.record is None:
        return
    with state.lock:
        token.record["last_used_on"] = state.now_text()


def moment(text: str) -> datetime:
    """A token's ``expires_on``/``not_before`` as a time; ValueError when no such moment exists."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def status_of(state: State, token: TokenInfo) -> TokenStatus:
    """The status Cloudflare reports: an active token whose ``expires_on`` has come (by the
    emulator's clock) is ``expired``. The API schema's words: the time "on or after which the JWT
    MUST NOT be accepted"; the verify status enum is active, disabled, expired (cloudflare-go
    v6.10.0 ``accounts/token.go``, ``TokenVerifyResponseStatus``)."""
    ended = token.expires_on is not None and moment(token.expires_on) <= state.now()
    return "expired" if token.status == "active" and ended else token.status


def not_yet_valid(state: State, token: TokenInfo) -> bool:
    """Whether the token's ``not_before`` is still to come: the time "before which the token MUST
    NOT be accepted for processing" (cloudflare-go v6.10.0 ``accounts/token.go``, ``NotBefore``)."""
    return token.not_before is not None and state.now() < moment(token.not_before)


def authorise(state: State, token: TokenInfo | None, needed: frozenset[str]) -> Answer | None:
    """Cloudflare's refusal when the token is unknown, not active (disabled, expired, or before its
    ``not_before``), or holds none of ``needed``; None when the call may go ahead.

    Which code the API gives a token past ``expires_on`` is not published: the strict reading
    refuses it like a disabled one, 403 with 9109 "Invalid access token" (the code Cloudflare sends
    a token that "can't authenticate at all", divinevideo/divine-mobile#4257)."""
    if token is None:
        return error(401, 10000, "Authentication error")
    if status_of(state, token) != "active" or not_yet_valid(state, token):
        return error(403, 9109, "Invalid access token")
    if token.permissions is not None and not (token.permissions & needed):
        return error(403, 10000, "Authentication error")
    return None
