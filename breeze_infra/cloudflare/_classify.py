"""What a failed call means and what a person should do about it, as a table of rules.

Cloudflare reports one problem through several channels (an HTTP status, one or more error codes
in the envelope, sometimes only an HTML page from its edge), and the same status means different
things on different paths. :data:`RULES` reads them in order; the first row that matches words the
exception. Each row says which codes or statuses it matches and the message a person acts on:

==================================  =============================  ===============================
matches                             raises                         what to do
==================================  =============================  ===============================
429 that is not JSON                RateLimitedError               wait; send fewer requests
5xx that is not JSON                ServerError                    retry later (edge page quoted)
any other body of the wrong shape   MalformedResponseError         check proxies and the API root
code 3036                           DailyAllocationExhaustedError  wait for 00:00 UTC (no retry)
code 5016                           LicenceRequiredError           accept the model's licence once
code 7000 / 7003, or a bare 404,    AccountNotFoundError           fix breeze-infra:accountId
on an /accounts/<id> path
code 5007 / 3042                    ModelNotFoundError             check the id in the catalog
code 10000 / 9109 / 1000, 401, 403  AuthenticationError            new token, or the permission
429 (code 3040: out of capacity)    RateLimitedError               wait; send fewer requests
5xx                                 ServerError                    retry later
anything else                       ApiError                       read Cloudflare's own message
==================================  =============================  ===============================

Whether a failure is retried is decided apart from its meaning (``_retry``), by status and
idempotency, so that a 429 is waited out whatever codes it carries. This module imports no HTTP
library: it reads parsed failures only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from breeze_infra.cloudflare._envelope import HttpFailure
from breeze_infra.errors import (
    AccountNotFoundError,
    ApiError,
    AuthenticationError,
    CloudflareError,
    DailyAllocationExhaustedError,
    LicenceRequiredError,
    MalformedResponseError,
    ModelNotFoundError,
    NetworkError,
    RateLimitedError,
    ServerError,
)

AUTH_CODES: Final = frozenset({10000, 9109, 1000})
ACCOUNT_ROUTE_CODES: Final = frozenset({7003, 7000})
MODEL_NOT_FOUND_CODES: Final = frozenset({5007, 3042})
LICENCE_CODE: Final = 5016
DAILY_ALLOCATION_CODE: Final = 3036
CAPACITY_CODE: Final = 3040
_SERVER: Final = range(500, 1000)
_ACCOUNT_IN_PATH: Final = re.compile(r"^/accounts/([^/?#]+)")
_RATE_LIMIT: Final = "Cloudflare allows 1,200 requests per 5 minutes"


@dataclass(frozen=True)
class Call:
    """One logical request as messages name it: ``shown_path`` is already token-free."""

    method: str
    path: str
    shown_path: str
    permission_hint: str | None
    model: str | None
    idempotent: bool
    openai: bool


@dataclass(frozen=True)
class TransportFailure:
    """No HTTP answer at all; ``detail`` says what the socket did, in words."""

    detail: str
    timeout: float | None = None


@dataclass(frozen=True)
class Case:
    """Everything a rule may match on or quote: the call, its last failure, and the budget."""

    call: Call
    failure: HttpFailure
    attempts: int
    deadline: float
    deadline_hit: bool = False

    @property
    def codes(self) -> frozenset[int]:
        return frozenset(self.failure.codes)

    @property
    def account_id(self) -> str | None:
        match = _ACCOUNT_IN_PATH.match(self.call.shown_path)
        return match.group(1) if match else None

    @property
    def where(self) -> str:
        return f"{self.call.method} {self.call.shown_path}"

    @property
    def tries(self) -> str:
        return f"{self.attempts} attempt{'s' if self.attempts != 1 else ''}"

    @property
    def label(self) -> str:
        return status_label(self.failure.status, self.failure.codes)

    @property
    def said(self) -> str:
        return "; ".join(e.message for e in self.failure.errors if e.message)

    @property
    def cloudflare_said(self) -> str:
        return f" (Cloudflare: {self.said})" if self.said else ""

    @property
    def stopped(self) -> str:
        if not self.deadline_hit:
            return ""
        return f"; stopped: the call's {self.deadline:g} s deadline would pass"

    @property
    def waited(self) -> str:
        after = self.failure.retry_after
        return "" if after is None else f"; it asked to retry after {after:g} s"

    @property
    def need(self) -> str:
        hint = self.call.permission_hint
        return f"lacks the permission {hint}" if hint else "lacks a permission this call needs"


@dataclass(frozen=True)
class Rule:
    """One row of the table: what it matches (all given conditions), the error it raises, the
    message (a function of the :class:`Case`), and which case fields the error carries."""

    error: type[CloudflareError]
    says: Callable[[Case], str]
    codes: Collection[int] = ()
    statuses: Collection[int] = ()
    malformed: bool = False
    on_account_path: bool = False
    no_codes: bool = False
    openai: bool | None = None
    carries: tuple[str, ...] = ()

    def matches(self, case: Case) -> bool:
        failure = case.failure
        return (
            (failure.malformed is not None) == self.malformed
            and (not self.codes or bool(case.codes & set(self.codes)))
            and (not self.statuses or failure.status in self.statuses)
            and (not self.on_account_path or case.account_id is not None)
            and (not self.no_codes or not case.codes)
            and (self.openai is None or case.call.openai == self.openai)
        )


def _licence(c: Case) -> str:
    return (
        f"{c.call.model or 'this model'} needs its licence accepted ({c.label}) on {c.where}: "
        "accept the model's licence first (for Meta models, one POST /accounts/<id>/ai/run/<model> "
        'with {"prompt": "agree"} from this account), then retry' + c.cloudflare_said
    )


def _account(also: str) -> Callable[[Case], str]:
    return lambda c: (
        f"could not route to /accounts/{c.account_id} ({c.label}) on {c.where}: check "
        f"breeze-infra:accountId (the 32-character hex id in the dashboard URL){also}"
        + c.cloudflare_said
    )


def _model_not_found(c: Case) -> str:
    model = repr(c.call.model) if c.call.model else "the requested model"
    return (
        f"model {model} not found ({c.label}) on {c.where}: check the id against GET "
        "/accounts/<id>/ai/models/search (the model id is the catalog's `name`, "
        "e.g. @cf/meta/llama-3.1-8b-instruct)" + c.cloudflare_said
    )


def _token_rejected(c: Case) -> str:
    return (
        f"token rejected ({c.label}) on {c.where}: the token is invalid, expired or {c.need}"
        + c.cloudflare_said
    )


def _rate_limited(reason: str) -> Callable[[Case], str]:
    return lambda c: (
        f"rate limited after {c.tries} ({c.label}) on {c.where}; {reason}"
        f"{c.waited}{c.cloudflare_said}{c.stopped}"
    )


def _rejected(hint: str) -> Callable[[Case], str]:
    return lambda c: (
        f"Cloudflare rejected {c.where} ({c.label}): {c.said or 'no explanation given'}{hint}"
    )


RULES: Final[tuple[Rule, ...]] = (
    Rule(
        RateLimitedError,
        lambda c: (
            f"rate limited after {c.tries} ({c.label}) on {c.where}; {_RATE_LIMIT}"
            f"{c.waited}{c.stopped}"
        ),
        statuses={429},
        malformed=True,
        carries=("retry_after",),
    ),
    Rule(
        ServerError,
        lambda c: (
            f"Cloudflare server error ({c.label}) after {c.tries} on {c.where}; body "
            f"starts {c.failure.excerpt!r}{c.stopped}"
        ),
        statuses=_SERVER,
        malformed=True,
    ),
    Rule(
        MalformedResponseError,
        lambda c: (
            f"unexpected response ({c.label}, content-type {c.failure.content_type}) on "
            f"{c.where}: {c.failure.malformed}; body starts {c.failure.excerpt!r}"
        ),
        malformed=True,
        carries=("body_excerpt",),
    ),
    Rule(
        DailyAllocationExhaustedError,
        lambda c: (
            f"daily free allocation (10,000 neurons) used up ({c.label}) on {c.where}; "
            f"resets at 00:00 UTC ({until_utc_midnight()}); not retried"
        ),
        codes={DAILY_ALLOCATION_CODE},
    ),
    Rule(LicenceRequiredError, _licence, codes={LICENCE_CODE}, carries=("model",)),
    Rule(
        AccountNotFoundError,
        _account(" or the endpoint path"),
        codes={7000},
        on_account_path=True,
        carries=("account_id",),
    ),
    Rule(
        AccountNotFoundError,
        _account(""),
        codes=ACCOUNT_ROUTE_CODES,
        on_account_path=True,
        carries=("account_id",),
    ),
    Rule(
        AccountNotFoundError,
        _account(""),
        statuses={404},
        no_codes=True,
        on_account_path=True,
        carries=("account_id",),
    ),
    Rule(ModelNotFoundError, _model_not_found, codes=MODEL_NOT_FOUND_CODES, carries=("model",)),
    Rule(AuthenticationError, _token_rejected, codes=AUTH_CODES, carries=("permission_hint",)),
    Rule(AuthenticationError, _token_rejected, statuses={401, 403}, carries=("permission_hint",)),
    Rule(
        RateLimitedError,
        _rate_limited("Workers AI is out of capacity for this model"),
        codes={CAPACITY_CODE},
        statuses={429},
        carries=("retry_after",),
    ),
    Rule(RateLimitedError, _rate_limited(_RATE_LIMIT), statuses={429}, carries=("retry_after",)),
    Rule(
        ServerError,
        lambda c: (
            f"Cloudflare server error ({c.label}) after {c.tries} on {c.where}"
            f"{c.cloudflare_said}{c.stopped}"
        ),
        statuses=_SERVER,
    ),
    Rule(
        ApiError,
        _rejected("; only Text Generation models answer /chat/completions"),
        statuses={400},
        openai=True,
    ),
    Rule(ApiError, _rejected("")),
)


def http_error(case: Case) -> CloudflareError:
    """The exception the first matching row of :data:`RULES` raises for ``case``."""
    rule = next(r for r in RULES if r.matches(case))
    failure = case.failure
    fields: dict[str, Any] = {
        "retry_after": failure.retry_after,
        "body_excerpt": failure.excerpt,
        "model": case.call.model,
        "account_id": case.account_id,
        "permission_hint": case.call.permission_hint,
    }
    return rule.error(
        rule.says(case),
        method=case.call.method,
        path=case.call.shown_path,
        attempts=case.attempts,
        status=failure.status,
        codes=failure.codes,
        errors=failure.errors,
        **{name: fields[name] for name in rule.carries},
    )


def network_error(
    call: Call, failure: TransportFailure, attempts: int, host: str, stopped: str = ""
) -> NetworkError:
    """No answer at all: the host and what the socket did, which is what a person checks."""
    tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
    return NetworkError(
        f"could not reach {host} after {tries} on {call.method} {call.shown_path}: "
        f"{failure.detail}{stopped}",
        host=host,
        timeout=failure.timeout,
        method=call.method,
        path=call.shown_path,
        attempts=attempts,
    )


def status_label(status: int, codes: Collection[int]) -> str:
    shown = [str(c) for c in codes if c]
    if not shown:
        return f"HTTP {status}"
    noun = "code" if len(shown) == 1 else "codes"
    return f"HTTP {status}, {noun} {', '.join(shown)}"


def until_utc_midnight(now: datetime | None = None) -> str:
    current = now or datetime.now(UTC)
    midnight = (current + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    minutes = max(0, int((midnight - current).total_seconds() // 60))
    return f"in {minutes // 60} h {minutes % 60:02d} min"
