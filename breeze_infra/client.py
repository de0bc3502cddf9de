"""Async client for the Cloudflare v4 API and the Workers AI OpenAI-compatible endpoints.

breeze-infra talks to Cloudflare from CI and from operators' machines, where a wrong account id, a
token missing one permission or a burst of 429s are the usual failures. The client turns each of
them into an exception whose message says what to fix, bounds every call in time so a check never
hangs a pipeline, and keeps the bearer token out of every message, repr and log record so that all
of them can be pasted into an issue.
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import logging
import math
import os
import random
import re
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, TypeVar
from urllib.parse import urlsplit

import httpx

from breeze_infra.endpoints import (
    BASE_URL_ENV,
    DEFAULT_API_ROOT,
    account_path,
    api_root,
    workers_ai_base_url,
)
from breeze_infra.errors import (
    AccountNotFoundError,
    ApiError,
    ApiMessage,
    AuthenticationError,
    CloudflareError,
    DailyAllocationExhaustedError,
    LicenceRequiredError,
    MalformedResponseError,
    ModelNotFoundError,
    NetworkError,
    RateLimitedError,
    ServerError,
    as_int,
)
from breeze_infra.messages import safe_line, short

if TYPE_CHECKING:
    from breeze_infra.limiter import RequestLimiter

__all__ = [
    "BASE_URL_ENV",
    "DEFAULT_API_ROOT",
    "AccountNotFoundError",
    "ApiError",
    "ApiMessage",
    "AuthenticationError",
    "ChatCompletion",
    "ClientSettings",
    "CloudflareClient",
    "CloudflareError",
    "DailyAllocationExhaustedError",
    "Envelope",
    "LicenceRequiredError",
    "MalformedResponseError",
    "ModelNotFoundError",
    "NetworkError",
    "RateLimitedError",
    "ResultInfo",
    "ServerError",
    "api_root",
    "inference_base_url",
]

AUTH_CODES: Final = frozenset({10000, 9109, 1000})
ACCOUNT_ROUTE_CODES: Final = frozenset({7003, 7000})
MODEL_NOT_FOUND_CODES: Final = frozenset({5007, 3042})
LICENCE_CODE: Final = 5016
DAILY_ALLOCATION_CODE: Final = 3036
CAPACITY_CODE: Final = 3040

_REDACTED: Final = "[REDACTED]"
_EXCERPT_CHARS: Final = 200
_MESSAGE_CHARS: Final = 300
_LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "::1", "localhost"})
_ACCOUNT_IN_PATH: Final = re.compile(r"^/accounts/([^/?#]+)")

_log = logging.getLogger("breeze_infra.client")
_system_random = random.SystemRandom()

_ClientT = TypeVar("_ClientT", bound="CloudflareClient")


def inference_base_url(account_id: str, root: str | None = None) -> str:
    """The OpenAI-compatible base URL for an account under ``root`` (default: the env's API root).

    Same function as the manifest's, but defaulting to CLOUDFLARE_BASE_URL so that checks reach
    whatever server the client itself talks to.
    """
    return workers_ai_base_url(account_id, root if root is not None else api_root())


@dataclass(frozen=True)
class ClientSettings:
    """Time and retry budget of one client.

    The defaults suit CI: four attempts and a 60 s ceiling per call, because a check that cannot
    finish within a minute is more useful reported than waited on. ``deadline`` bounds one logical
    call (all of its attempts and waits), not the lifetime of the client.
    """

    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 10.0
    deadline: float = 60.0
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    write_timeout: float = 10.0
    pool_timeout: float = 5.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if not (math.isfinite(self.base_delay) and self.base_delay >= 0):
            raise ValueError("base_delay must be a finite number >= 0")
        positive = {
            "max_delay": self.max_delay,
            "deadline": self.deadline,
            "connect_timeout": self.connect_timeout,
            "read_timeout": self.read_timeout,
            "write_timeout": self.write_timeout,
            "pool_timeout": self.pool_timeout,
        }
        for name, value in positive.items():
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a finite number > 0")

    def timeout(self, remaining: float | None = None) -> httpx.Timeout:
        """Return per-attempt timeouts, shrunk so that one attempt cannot outlive the deadline."""
        cap = math.inf if remaining is None else max(remaining, 0.001)
        return httpx.Timeout(
            connect=min(self.connect_timeout, cap),
            read=min(self.read_timeout, cap),
            write=min(self.write_timeout, cap),
            pool=min(self.pool_timeout, cap),
        )


@dataclass(frozen=True)
class ResultInfo:
    """Paging data of a list answer; Cloudflare fills in only some of the fields per endpoint."""

    page: int | None = None
    per_page: int | None = None
    count: int | None = None
    total_count: int | None = None
    total_pages: int | None = None


@dataclass(frozen=True)
class Envelope:
    """A successful v4 answer, kept whole for callers that need ``messages`` or ``result_info``."""

    result: Any
    messages: tuple[ApiMessage, ...] = ()
    result_info: ResultInfo | None = None


@dataclass(frozen=True)
class ChatCompletion:
    """The parts of an OpenAI-shaped chat completion that a liveness check looks at."""

    id: str
    model: str
    content: str | None
    finish_reason: str | None
    usage: Mapping[str, Any] = field(default_factory=dict)
    raw: Mapping[str, Any] = field(default_factory=dict)


class _Secret:
    """Holds the token so that neither repr() nor vars() of the client can print it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def redact(self, text: str) -> str:
        """Text that came from Cloudflare (or the network), fit to quote in one printed line:
        this token replaced, any other token masked, control characters escaped."""
        return safe_line(text.replace(self._value, _REDACTED))

    def __repr__(self) -> str:
        return "<redacted>"

    __str__ = __repr__


@dataclass(frozen=True)
class _HttpFailure:
    status: int
    errors: tuple[ApiMessage, ...]
    retry_after: float | None
    content_type: str
    malformed: str | None = None
    excerpt: str = ""

    @property
    def codes(self) -> tuple[int, ...]:
        return tuple(e.code for e in self.errors)


@dataclass(frozen=True)
class _TransportFailure:
    detail: str
    timeout: float | None = None


@dataclass(frozen=True)
class _Call:
    method: str
    path: str
    shown_path: str
    permission_hint: str | None
    model: str | None
    idempotent: bool
    openai: bool


class CloudflareClient:
    """Async Cloudflare API client with bounded retries and actionable, token-free errors.

    Async because breeze-infra runs its checks (token verify, catalog, one inference per model)
    concurrently. Use it as ``async with CloudflareClient(token) as client:``.
    """

    def __init__(
        self,
        token: str,
        *,
        base_url: str | None = None,
        settings: ClientSettings | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        rng: Callable[[], float] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        allow_http: bool = False,
        user_agent: str = "breeze-infra",
        limiter: RequestLimiter | None = None,
    ) -> None:
        token = token.strip()
        if not token:
            raise ValueError("Cloudflare API token is empty")
        if any(ch.isspace() or not ch.isprintable() for ch in token):
            raise ValueError("Cloudflare API token contains whitespace or control characters")
        if not token.isascii():
            # HTTP headers are ASCII: httpx would fail with UnicodeEncodeError mid-request.
            raise ValueError(
                "Cloudflare API token holds non-ASCII characters (curly quotes from a paste?)"
            )
        self._secret = _Secret(token)
        root = (base_url if base_url is not None else api_root()).rstrip("/")
        try:
            parts = urlsplit(root)  # an unclosed '[' raises here
            valid = (
                parts.scheme in ("http", "https")
                and re.fullmatch(r"[A-Za-z0-9._:-]+", parts.hostname or "") is not None
                and root.isascii()
            )
            _ = parts.port  # a port that is not a number in 0-65535 raises here, not in httpx
        except ValueError:
            valid = False
        if not valid:
            what = "Cloudflare API root" if base_url is not None else BASE_URL_ENV
            raise ValueError(f"{what} must be an http(s) URL, got '{short(root)}'")
        if parts.scheme == "http" and parts.hostname not in _LOOPBACK_HOSTS and not allow_http:
            raise ValueError(
                f"refusing to send the API token over plain http to {parts.hostname}; "
                "use https or pass allow_http=True"
            )
        self.base_url = root
        self.host = parts.hostname or ""
        self.settings = settings or ClientSettings()
        self.request_count = 0
        self._sleep = sleep or asyncio.sleep
        self._rng = rng or _system_random.random
        self._user_agent = user_agent
        self._limiter = limiter
        self._http = httpx.AsyncClient(
            timeout=self.settings.timeout(),
            transport=transport,
            follow_redirects=False,
            verify=_ssl_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")),
        )

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, token=<redacted>, "
            f"requests={self.request_count})"
        )

    __str__ = __repr__

    async def __aenter__(self: _ClientT) -> _ClientT:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def get(
        self,
        path: str,
        *,
        params: Mapping[str, str | int | float | bool] | None = None,
        permission_hint: str | None = None,
        model: str | None = None,
    ) -> Any:
        envelope = await self.request_envelope(
            "GET", path, params=params, permission_hint=permission_hint, model=model
        )
        return envelope.result

    async def post(
        self,
        path: str,
        json: object | None = None,
        *,
        params: Mapping[str, str | int | float | bool] | None = None,
        permission_hint: str | None = None,
        model: str | None = None,
        idempotent: bool = False,
    ) -> Any:
        """POST and return ``result``.

        POSTs are not retried after the request may have reached Cloudflare (read timeout, dropped
        connection, 5xx) unless ``idempotent=True``: retrying a token create could leave an orphan
        token behind. 429s and failures to connect are always retried.
        """
        envelope = await self.request_envelope(
            "POST",
            path,
            params=params,
            json=json,
            permission_hint=permission_hint,
            model=model,
            idempotent=idempotent,
        )
        return envelope.result

    async def request_envelope(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int | float | bool] | None = None,
        json: object | None = None,
        permission_hint: str | None = None,
        model: str | None = None,
        idempotent: bool | None = None,
    ) -> Envelope:
        """Send one logical request (with retries) and return the whole successful envelope."""
        method = method.upper()
        if idempotent is None:
            idempotent = method in ("GET", "HEAD", "OPTIONS", "DELETE")
        call = self._call(method, path, permission_hint, model, idempotent, openai=False)
        outcome = await self._exchange(call, params=params, json=json)
        if not isinstance(outcome, Envelope):
            raise AssertionError("v4 call produced a non-envelope result")
        return outcome

    async def paginate(
        self,
        path: str,
        params: Mapping[str, str | int | float | bool] | None = None,
        per_page: int = 50,
        *,
        permission_hint: str | None = None,
        max_pages: int = 1000,
    ) -> AsyncIterator[Any]:
        """Yield every item of a paged list, following ``result_info`` until the last page.

        ``max_pages`` guards against an endpoint that keeps reporting more pages than it has.
        """
        if per_page < 1:
            raise ValueError("per_page must be at least 1")
        page = 1
        seen = 0
        while True:
            query: dict[str, str | int | float | bool] = dict(params or {})
            query.update(page=page, per_page=per_page)
            envelope = await self.request_envelope(
                "GET", path, params=query, permission_hint=permission_hint
            )
            items = envelope.result
            if not isinstance(items, list):
                shown = self._secret.redact(_normalise_path(path))
                raise MalformedResponseError(
                    f"unexpected response on GET {shown}: expected a list in `result` for page "
                    f"{page}, got {type(items).__name__}",
                    method="GET",
                    path=shown,
                    attempts=1,
                )
            for item in items:
                yield item
            seen += len(items)
            info = envelope.result_info or ResultInfo()
            if not items or _is_last_page(info, page, seen, len(items), per_page):
                return
            page += 1
            if page > max_pages:
                shown = self._secret.redact(_normalise_path(path))
                raise MalformedResponseError(
                    f"pagination of GET {shown} did not end after {max_pages} pages",
                    method="GET",
                    path=shown,
                )

    async def get_all_pages(
        self,
        path: str,
        params: Mapping[str, str | int | float | bool] | None = None,
        per_page: int = 50,
        *,
        permission_hint: str | None = None,
    ) -> list[Any]:
        return [
            item
            async for item in self.paginate(path, params, per_page, permission_hint=permission_hint)
        ]

    async def post_inference(
        self,
        account_id: str,
        model: str,
        messages: Sequence[Mapping[str, str]],
        max_tokens: int = 1,
        *,
        permission_hint: str | None = "Workers AI Read",
    ) -> ChatCompletion:
        """Run one chat completion through the OpenAI-compatible endpoint GPT Breeze uses.

        It answers OpenAI-shaped JSON on success but the v4 error envelope on failure, so both are
        parsed. Retried like a GET: a duplicate one-token completion costs next to nothing.
        """
        path = f"{account_path(account_id)}/ai/v1/chat/completions"
        body = {"model": model, "messages": [dict(m) for m in messages], "max_tokens": max_tokens}
        call = self._call("POST", path, permission_hint, model, idempotent=True, openai=True)
        outcome = await self._exchange(call, params=None, json=body)
        if isinstance(outcome, Envelope):
            raise AssertionError("inference call produced an envelope")
        return outcome

    def _call(
        self,
        method: str,
        path: str,
        permission_hint: str | None,
        model: str | None,
        idempotent: bool,
        *,
        openai: bool,
    ) -> _Call:
        path = _normalise_path(path)
        return _Call(
            method=method,
            path=path,
            shown_path=self._secret.redact(path),
            permission_hint=permission_hint,
            model=model,
            idempotent=idempotent,
            openai=openai,
        )

    def _headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self._secret.reveal()}",
            "Accept": "application/json",
            "User-Agent": self._user_agent,
        }

    async def _exchange(
        self,
        call: _Call,
        *,
        params: Mapping[str, str | int | float | bool] | None,
        json: object | None,
    ) -> Envelope | ChatCompletion:
        settings = self.settings
        url = self.base_url + call.path
        deadline_at = time.monotonic() + settings.deadline
        attempt = 0
        while True:
            attempt += 1
            remaining = deadline_at - time.monotonic()
            self.request_count += 1
            started = time.monotonic()
            failure: _HttpFailure | _TransportFailure
            retry_after: float | None = None
            try:
                response = await asyncio.wait_for(
                    self._send(
                        call.method,
                        url,
                        params=dict(params) if params else None,
                        json=json,
                        timeout=settings.timeout(remaining),
                    ),
                    timeout=max(remaining, 0.001),
                )
            except TimeoutError:
                failure = _TransportFailure(
                    f"no answer within the call's {settings.deadline:g} s deadline",
                    timeout=settings.deadline,
                )
                self._log_attempt(call, "deadline", attempt, started)
                raise self._error(call, failure, attempt) from None
            except httpx.TransportError as exc:
                failure = self._transport_failure(exc, remaining)
                retryable = _transport_retryable(exc, call.idempotent)
                self._log_attempt(call, type(exc).__name__, attempt, started)
            else:
                self._log_attempt(call, str(response.status_code), attempt, started)
                parsed = self._parse(response, call)
                if not isinstance(parsed, _HttpFailure):
                    return parsed
                failure = parsed
                retryable = _http_retryable(parsed, call)
                if parsed.status in (429, 503):
                    retry_after = parsed.retry_after
            if not retryable or attempt >= settings.attempts:
                raise self._error(call, failure, attempt)
            delay = self._delay(attempt, retry_after)
            if time.monotonic() + delay >= deadline_at:
                raise self._error(call, failure, attempt, deadline_hit=True)
            _log.debug(
                "retrying %s %s in %.2f s (attempt %d/%d failed)",
                call.method,
                call.shown_path,
                delay,
                attempt,
                settings.attempts,
            )
            await self._sleep(delay)

    async def _send(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, str | int | float | bool] | None,
        json: object | None,
        timeout: httpx.Timeout,
    ) -> httpx.Response:
        """One attempt on the wire; a shared limiter, when given, admits it first (its wait
        counts against the call's deadline)."""

        async def request() -> httpx.Response:
            return await self._http.request(
                method, url, params=params, json=json, headers=self._headers(), timeout=timeout
            )

        if self._limiter is None:
            return await request()
        async with self._limiter.slot():
            return await request()

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        settings = self.settings
        if retry_after is not None:
            return min(retry_after, settings.max_delay)
        ceiling = min(settings.max_delay, settings.base_delay * 2.0 ** (attempt - 1))
        return ceiling * self._rng()

    def _log_attempt(self, call: _Call, outcome: str, attempt: int, started: float) -> None:
        _log.debug(
            "%s %s -> %s (attempt %d/%d, %.3f s)",
            call.method,
            call.shown_path,
            outcome,
            attempt,
            self.settings.attempts,
            time.monotonic() - started,
        )

    def _transport_failure(self, exc: httpx.TransportError, remaining: float) -> _TransportFailure:
        timeouts = self.settings.timeout(remaining)
        reason = self._secret.redact(str(exc))[:_EXCERPT_CHARS] or type(exc).__name__
        if isinstance(exc, httpx.ConnectTimeout):
            return _TransportFailure(
                f"connect timed out after {timeouts.connect:g} s", timeout=timeouts.connect
            )
        if isinstance(exc, httpx.ReadTimeout):
            return _TransportFailure(
                f"read timed out after {timeouts.read:g} s", timeout=timeouts.read
            )
        if isinstance(exc, httpx.WriteTimeout):
            return _TransportFailure(
                f"write timed out after {timeouts.write:g} s", timeout=timeouts.write
            )
        if isinstance(exc, httpx.PoolTimeout):
            return _TransportFailure(
                f"no free connection within {timeouts.pool:g} s", timeout=timeouts.pool
            )
        if isinstance(exc, httpx.ConnectError):
            return _TransportFailure(f"connection failed ({reason})")
        if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
            return _TransportFailure(f"connection dropped before a complete answer ({reason})")
        return _TransportFailure(f"{type(exc).__name__}: {reason}")

    def _parse(
        self, response: httpx.Response, call: _Call
    ) -> Envelope | ChatCompletion | _HttpFailure:
        status = response.status_code
        content_type = response.headers.get("content-type", "unknown")
        retry_after = _parse_retry_after(response.headers.get("retry-after"))
        try:
            data: object = response.json()
        except ValueError:
            return self._malformed(response, content_type, retry_after, "the body is not JSON")
        ok = 200 <= status < 300
        if isinstance(data, dict) and isinstance(data.get("success"), bool):
            errors = self._api_messages(data.get("errors"))
            if data["success"] and ok:
                if call.openai:
                    return self._chat_completion(data.get("result"), response, content_type)
                return Envelope(
                    result=data.get("result"),
                    messages=self._api_messages(data.get("messages")),
                    result_info=_result_info(data.get("result_info")),
                )
            return _HttpFailure(status, errors, retry_after, content_type)
        if call.openai and isinstance(data, dict):
            if ok and "choices" in data:
                return self._chat_completion(data, response, content_type)
            error = data.get("error")
            if not ok and isinstance(error, dict | str):
                return _HttpFailure(status, self._openai_error(error), retry_after, content_type)
        what = "an OpenAI chat completion" if call.openai else "a Cloudflare v4 envelope"
        return self._malformed(response, content_type, retry_after, f"the JSON is not {what}")

    def _chat_completion(
        self, data: object, response: httpx.Response, content_type: str
    ) -> ChatCompletion | _HttpFailure:
        if not isinstance(data, dict):
            return self._malformed(response, content_type, None, "no chat completion in `result`")
        choices = data.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            return self._malformed(response, content_type, None, "the completion has no choices")
        first = choices[0]
        message = first.get("message")
        content = message.get("content") if isinstance(message, dict) else None
        finish = first.get("finish_reason")
        usage = data.get("usage")
        return ChatCompletion(
            id=str(data.get("id", "")),
            model=str(data.get("model", "")),
            content=content if isinstance(content, str) else None,
            finish_reason=finish if isinstance(finish, str) else None,
            usage=usage if isinstance(usage, dict) else {},
            raw=data,
        )

    def _malformed(
        self, response: httpx.Response, content_type: str, retry_after: float | None, reason: str
    ) -> _HttpFailure:
        text = response.content[: _EXCERPT_CHARS * 4].decode("utf-8", errors="replace")
        excerpt = self._secret.redact(text)[:_EXCERPT_CHARS]
        return _HttpFailure(
            response.status_code, (), retry_after, content_type, malformed=reason, excerpt=excerpt
        )

    def _api_messages(self, raw: object) -> tuple[ApiMessage, ...]:
        if not isinstance(raw, list):
            return ()
        out: list[ApiMessage] = []
        for item in raw:
            if isinstance(item, dict):
                text = item.get("message", "")
                out.append(
                    ApiMessage(
                        code=as_int(item.get("code")) or 0,
                        message=self._secret.redact(str(text))[:_MESSAGE_CHARS],
                    )
                )
            elif isinstance(item, str):
                out.append(ApiMessage(0, self._secret.redact(item)[:_MESSAGE_CHARS]))
        return tuple(out)

    def _openai_error(self, error: object) -> tuple[ApiMessage, ...]:
        if isinstance(error, str):
            return (ApiMessage(0, self._secret.redact(error)[:_MESSAGE_CHARS]),)
        if isinstance(error, dict):
            text = self._secret.redact(str(error.get("message", "")))[:_MESSAGE_CHARS]
            return (ApiMessage(as_int(error.get("code")) or 0, text),)
        return ()

    def _error(
        self,
        call: _Call,
        failure: _HttpFailure | _TransportFailure,
        attempts: int,
        *,
        deadline_hit: bool = False,
    ) -> CloudflareError:
        where = f"{call.method} {call.shown_path}"
        tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
        suffix = ""
        if deadline_hit:
            suffix = f"; stopped: the call's {self.settings.deadline:g} s deadline would pass"
        common: dict[str, Any] = {
            "method": call.method,
            "path": call.shown_path,
            "attempts": attempts,
        }
        if isinstance(failure, _TransportFailure):
            return NetworkError(
                f"could not reach {self.host} after {tries} on {where}: {failure.detail}{suffix}",
                host=self.host,
                timeout=failure.timeout,
                **common,
            )
        common.update(status=failure.status, codes=failure.codes, errors=failure.errors)
        label = _status_label(failure.status, failure.codes)
        said = "; ".join(e.message for e in failure.errors if e.message)
        cloudflare_said = f" (Cloudflare: {said})" if said else ""
        codes = set(failure.codes)
        account_id = _account_of(call.shown_path)

        if failure.malformed is not None:
            if failure.status == 429:
                return RateLimitedError(
                    f"rate limited after {tries} ({label}) on {where}; Cloudflare allows 1,200 "
                    f"requests per 5 minutes{_retry_after_note(failure.retry_after)}{suffix}",
                    retry_after=failure.retry_after,
                    **common,
                )
            if failure.status >= 500:
                return ServerError(
                    f"Cloudflare server error ({label}) after {tries} on {where}; body starts "
                    f"{failure.excerpt!r}{suffix}",
                    **common,
                )
            return MalformedResponseError(
                f"unexpected response ({label}, content-type {failure.content_type}) on {where}: "
                f"{failure.malformed}; body starts {failure.excerpt!r}",
                body_excerpt=failure.excerpt,
                **common,
            )
        if DAILY_ALLOCATION_CODE in codes:
            return DailyAllocationExhaustedError(
                f"daily free allocation (10,000 neurons) used up ({label}) on {where}; resets at "
                f"00:00 UTC ({_until_utc_midnight()}); not retried",
                **common,
            )
        if LICENCE_CODE in codes:
            model = call.model or "this model"
            return LicenceRequiredError(
                f"{model} needs its licence accepted ({label}) on {where}: accept the model's "
                "licence first (for Meta models, one POST /accounts/<id>/ai/run/<model> with "
                '{"prompt": "agree"} from this account), then retry' + cloudflare_said,
                model=call.model,
                **common,
            )
        if account_id is not None and (
            codes & ACCOUNT_ROUTE_CODES or (failure.status == 404 and not codes)
        ):
            also = " or the endpoint path" if 7000 in codes else ""
            return AccountNotFoundError(
                f"could not route to /accounts/{account_id} ({label}) on {where}: check "
                f"breeze-infra:accountId (the 32-character hex id in the dashboard URL){also}"
                + cloudflare_said,
                account_id=account_id,
                **common,
            )
        if codes & MODEL_NOT_FOUND_CODES:
            model = repr(call.model) if call.model else "the requested model"
            return ModelNotFoundError(
                f"model {model} not found ({label}) on {where}: check the id against GET "
                "/accounts/<id>/ai/models/search (the model id is the catalog's `name`, "
                "e.g. @cf/meta/llama-3.1-8b-instruct)" + cloudflare_said,
                model=call.model,
                **common,
            )
        if codes & AUTH_CODES or failure.status in (401, 403):
            need = (
                f"lacks the permission {call.permission_hint}"
                if call.permission_hint
                else "lacks a permission this call needs"
            )
            return AuthenticationError(
                f"token rejected ({label}) on {where}: the token is invalid, expired or {need}"
                + cloudflare_said,
                permission_hint=call.permission_hint,
                **common,
            )
        if failure.status == 429:
            reason = (
                "Workers AI is out of capacity for this model"
                if CAPACITY_CODE in codes
                else "Cloudflare allows 1,200 requests per 5 minutes"
            )
            return RateLimitedError(
                f"rate limited after {tries} ({label}) on {where}; {reason}"
                f"{_retry_after_note(failure.retry_after)}{cloudflare_said}{suffix}",
                retry_after=failure.retry_after,
                **common,
            )
        if failure.status >= 500:
            return ServerError(
                f"Cloudflare server error ({label}) after {tries} on {where}"
                f"{cloudflare_said}{suffix}",
                **common,
            )
        hint = ""
        if call.openai and failure.status == 400:
            hint = "; only Text Generation models answer /chat/completions"
        return ApiError(
            f"Cloudflare rejected {where} ({label}): {said or 'no explanation given'}{hint}",
            **common,
        )


@functools.lru_cache(maxsize=4)
def _ssl_context(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    """httpx's default verifying context, built once per process (and CA setting) rather than per
    client: building one costs about 20 ms, and ``doctor --all-consumers`` opens a client per key.
    The arguments are the variables httpx reads, so a changed setting gets its own context."""
    return httpx.create_ssl_context()


def _normalise_path(path: str) -> str:
    if "://" in path:
        raise ValueError("pass a path relative to the API root, not a full URL")
    return path if path.startswith("/") else "/" + path


def _account_of(path: str) -> str | None:
    match = _ACCOUNT_IN_PATH.match(path)
    return match.group(1) if match else None


def _transport_retryable(exc: httpx.TransportError, idempotent: bool) -> bool:
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return True
    retry_if_idempotent = (
        httpx.ReadTimeout,
        httpx.WriteTimeout,
        httpx.ReadError,
        httpx.WriteError,
        httpx.RemoteProtocolError,
        httpx.CloseError,
    )
    return idempotent and isinstance(exc, retry_if_idempotent)


def _http_retryable(failure: _HttpFailure, call: _Call) -> bool:
    if DAILY_ALLOCATION_CODE in failure.codes:
        return False
    if failure.status == 429:
        return True
    return failure.status >= 500 and call.idempotent


def _status_label(status: int, codes: Sequence[int]) -> str:
    shown = [str(c) for c in codes if c]
    if not shown:
        return f"HTTP {status}"
    noun = "code" if len(shown) == 1 else "codes"
    return f"HTTP {status}, {noun} {', '.join(shown)}"


def _retry_after_note(retry_after: float | None) -> str:
    return "" if retry_after is None else f"; it asked to retry after {retry_after:g} s"


def _until_utc_midnight(now: datetime | None = None) -> str:
    current = now or datetime.now(UTC)
    midnight = (current + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    minutes = max(0, int((midnight - current).total_seconds() // 60))
    return f"in {minutes // 60} h {minutes % 60:02d} min"


def _parse_retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def _result_info(raw: object) -> ResultInfo | None:
    if not isinstance(raw, dict):
        return None
    return ResultInfo(
        page=as_int(raw.get("page")),
        per_page=as_int(raw.get("per_page")),
        count=as_int(raw.get("count")),
        total_count=as_int(raw.get("total_count")),
        total_pages=as_int(raw.get("total_pages")),
    )


def _is_last_page(info: ResultInfo, page: int, seen: int, got: int, per_page: int) -> bool:
    if info.total_pages is not None:
        return (info.page or page) >= info.total_pages
    if info.total_count is not None:
        return seen >= info.total_count
    return got < (info.per_page or per_page)
