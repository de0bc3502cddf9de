"""The client: one object per token, bounding every call in time and keeping the token secret.

breeze-infra talks to Cloudflare from CI and from operators' machines, where a wrong account id,
a token missing one permission or a burst of 429s are the usual failures. Each becomes an
exception whose message says what to fix (``_classify``), every call is bounded in attempts and
time (``_retry``), and the bearer token stays out of every message, repr and log record, so that
all of them can be pasted into an issue.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, TypeVar

import httpx

from breeze_infra.cloudflare._classify import (
    Call,
    Case,
    TransportFailure,
    http_error,
    network_error,
)
from breeze_infra.cloudflare._envelope import (
    ChatCompletion,
    Envelope,
    HttpFailure,
    Secret,
    parse_response,
)
from breeze_infra.cloudflare._pagination import pages
from breeze_infra.cloudflare._retry import (
    backoff,
    describe_transport_error,
    http_retryable,
    server_asked_to_wait,
    transport_retryable,
)
from breeze_infra.cloudflare._settings import (
    ClientSettings,
    checked_root,
    checked_token,
    normalised_path,
    ssl_context,
)
from breeze_infra.endpoints import account_path
from breeze_infra.errors import CloudflareError
from breeze_infra.messages import REDACTED_REPR
from breeze_infra.permissions import PERMISSION_GROUPS

if TYPE_CHECKING:
    from breeze_infra.limiter import RequestLimiter

Params = Mapping[str, str | int | float | bool]

_log = logging.getLogger("breeze_infra.client")
"""The name users filter ``--debug`` output on (docs/online.md): kept when the module moved."""
_system_random = random.SystemRandom()
_IDEMPOTENT_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})

_ClientT = TypeVar("_ClientT", bound="CloudflareClient")


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
        self._secret = Secret(checked_token(token))
        self.base_url, self.host = checked_root(base_url, allow_http=allow_http)
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
            verify=ssl_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")),
        )

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, token={REDACTED_REPR}, "
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
        params: Params | None = None,
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
        params: Params | None = None,
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
        params: Params | None = None,
        json: object | None = None,
        permission_hint: str | None = None,
        model: str | None = None,
        idempotent: bool | None = None,
    ) -> Envelope:
        """Send one logical request (with retries) and return the whole successful envelope."""
        method = method.upper()
        if idempotent is None:
            idempotent = method in _IDEMPOTENT_METHODS
        call = self._call(method, path, permission_hint, model, idempotent, openai=False)
        outcome = await self._exchange(call, params=params, json=json)
        if not isinstance(outcome, Envelope):
            raise AssertionError("v4 call produced a non-envelope result")
        return outcome

    async def paginate(
        self,
        path: str,
        params: Params | None = None,
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

        def fetch(page: int) -> Awaitable[Envelope]:
            query: dict[str, str | int | float | bool] = dict(params or {})
            query.update(page=page, per_page=per_page)
            return self.request_envelope("GET", path, params=query, permission_hint=permission_hint)

        shown = self._secret.redact(normalised_path(path))
        async for item in pages(fetch, shown, per_page, max_pages):
            yield item

    async def get_all_pages(
        self,
        path: str,
        params: Params | None = None,
        per_page: int = 50,
        *,
        permission_hint: str | None = None,
    ) -> list[Any]:
        return [
            item
            async for item in self.paginate(path, params, per_page, permission_hint=permission_hint)
        ]

    def with_base_url(self, root: str, *, token: str | None = None) -> CloudflareClient:
        """A sibling on another root (the AI Gateway host, say) sharing this client's settings,
        waits, user agent, limiter and, unless ``token`` is given, token; close it on its own."""
        return CloudflareClient(
            self._secret.reveal() if token is None else token,
            base_url=root,
            settings=self.settings,
            sleep=self._sleep,
            rng=self._rng,
            user_agent=self._user_agent,
            limiter=self._limiter,
        )

    async def post_inference(
        self,
        account_id: str,
        model: str,
        messages: Sequence[Mapping[str, str]],
        max_tokens: int = 1,
        *,
        permission_hint: str | None = PERMISSION_GROUPS["read"],
    ) -> ChatCompletion:
        """Run one chat completion through the OpenAI-compatible endpoint GPT Breeze uses."""
        path = f"{account_path(account_id)}/ai/v1/chat/completions"
        body = {"model": model, "messages": [dict(m) for m in messages], "max_tokens": max_tokens}
        return await self.post_chat_completion(path, body, permission_hint=permission_hint)

    async def post_chat_completion(
        self,
        path: str,
        body: Mapping[str, Any],
        *,
        permission_hint: str | None = PERMISSION_GROUPS["read"],
    ) -> ChatCompletion:
        """POST an OpenAI-compatible chat ``body`` to ``path`` under this client's root (the API,
        or a gateway host from :meth:`with_base_url`). OpenAI JSON answers success, the v4 envelope
        failure; retried like a GET: a duplicate one-token completion costs next to nothing."""
        model = str(body.get("model"))
        call = self._call("POST", path, permission_hint, model, idempotent=True, openai=True)
        outcome = await self._exchange(call, params=None, json=dict(body))
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
    ) -> Call:
        path = normalised_path(path)
        return Call(
            method=method,
            path=path,
            shown_path=self._secret.redact(path),
            permission_hint=permission_hint,
            model=model,
            idempotent=idempotent,
            openai=openai,
        )

    async def _exchange(
        self, call: Call, *, params: Params | None, json: object | None
    ) -> Envelope | ChatCompletion:
        """Attempts until one succeeds, one fails for good, the attempts run out, or the next wait
        would pass the deadline; each failure is worded by ``_classify`` when it is the last."""
        settings = self.settings
        deadline_at = time.monotonic() + settings.deadline
        attempt = 0
        while True:
            attempt += 1
            remaining = deadline_at - time.monotonic()
            self.request_count += 1
            started = time.monotonic()
            failure: HttpFailure | TransportFailure
            retry_after: float | None = None
            try:
                response = await asyncio.wait_for(
                    self._send(call, params, json, settings.timeout(remaining)),
                    timeout=max(remaining, 0.001),
                )
            except TimeoutError:
                failure = TransportFailure(
                    f"no answer within the call's {settings.deadline:g} s deadline",
                    timeout=settings.deadline,
                )
                self._log_attempt(call, "deadline", attempt, started)
                raise self._error(call, failure, attempt) from None
            except httpx.TransportError as exc:
                timeouts = settings.timeout(remaining)
                failure = describe_transport_error(exc, timeouts, self._secret)
                retryable = transport_retryable(exc, call.idempotent)
                self._log_attempt(call, type(exc).__name__, attempt, started)
            else:
                self._log_attempt(call, str(response.status_code), attempt, started)
                parsed = parse_response(response, self._secret, openai=call.openai)
                if not isinstance(parsed, HttpFailure):
                    return parsed
                failure = parsed
                retryable = http_retryable(parsed, call.idempotent)
                retry_after = server_asked_to_wait(parsed)
            if not retryable or attempt >= settings.attempts:
                raise self._error(call, failure, attempt)
            delay = backoff(settings, attempt, retry_after, self._rng)
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
        self, call: Call, params: Params | None, json: object | None, timeout: httpx.Timeout
    ) -> httpx.Response:
        """One attempt on the wire; a shared limiter, when given, admits it first (its wait
        counts against the call's deadline)."""

        async def request() -> httpx.Response:
            return await self._http.request(
                call.method,
                self.base_url + call.path,
                params=dict(params) if params else None,
                json=json,
                headers=self._headers(),
                timeout=timeout,
            )

        if self._limiter is None:
            return await request()
        async with self._limiter.slot():
            return await request()

    def _headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self._secret.reveal()}",
            "Accept": "application/json",
            "User-Agent": self._user_agent,
        }

    def _error(
        self,
        call: Call,
        failure: HttpFailure | TransportFailure,
        attempts: int,
        *,
        deadline_hit: bool = False,
    ) -> CloudflareError:
        deadline = self.settings.deadline
        if isinstance(failure, TransportFailure):
            stopped = f"; stopped: the call's {deadline:g} s deadline would pass"
            return network_error(
                call, failure, attempts, self.host, stopped if deadline_hit else ""
            )
        return http_error(Case(call, failure, attempts, deadline, deadline_hit))

    def _log_attempt(self, call: Call, outcome: str, attempt: int, started: float) -> None:
        _log.debug(
            "%s %s -> %s (attempt %d/%d, %.3f s)",
            call.method,
            call.shown_path,
            outcome,
            attempt,
            self.settings.attempts,
            time.monotonic() - started,
        )
