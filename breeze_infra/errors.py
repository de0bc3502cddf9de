"""What can go wrong talking to Cloudflare, as exceptions a person can act on.

Kept apart from the client (``breeze_infra.cloudflare``, which re-exports them) so that code
reporting failures (the CLI, ``doctor``) can name these types without importing httpx. The token
never appears in any attribute or message: the client redacts Cloudflare's own text before it
gets here. Which Cloudflare code or status raises which is the table in
``breeze_infra/cloudflare/_classify.py``.

    CloudflareError                     catch this one to report any failure
    ├── AuthenticationError             the token: invalid, expired, or a permission missing
    ├── AccountNotFoundError            the account id: a typo in breeze-infra:accountId
    ├── ModelNotFoundError              the model id: not in the catalog
    ├── LicenceRequiredError            the model: its licence not yet accepted
    ├── DailyAllocationExhaustedError   the free neurons: spent until 00:00 UTC
    ├── RateLimitedError                throttled for every attempt allowed
    ├── ServerError                     5xx for every attempt allowed
    ├── NetworkError                    no HTTP answer: refused, dropped, timed out
    ├── MalformedResponseError          an answer that is not what the endpoint promises
    └── ApiError                        any other refusal, in Cloudflare's words
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "AccountNotFoundError",
    "ApiError",
    "ApiMessage",
    "AuthenticationError",
    "CloudflareError",
    "DailyAllocationExhaustedError",
    "LicenceRequiredError",
    "MalformedResponseError",
    "ModelNotFoundError",
    "NetworkError",
    "RateLimitedError",
    "ServerError",
]


@dataclass(frozen=True)
class ApiMessage:
    """One entry of an envelope's ``errors`` or ``messages`` list."""

    code: int
    message: str


class CloudflareError(Exception):
    """Root of every failure the client reports, so callers can catch one type and print it.

    ``path`` is relative to the API root and keeps the account id, which is not a secret and is
    usually what needs fixing; the token never appears in any attribute.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        codes: Sequence[int] = (),
        method: str = "",
        path: str = "",
        attempts: int = 0,
        errors: Sequence[ApiMessage] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.codes: tuple[int, ...] = tuple(codes)
        self.method = method
        self.path = path
        self.attempts = attempts
        self.errors: tuple[ApiMessage, ...] = tuple(errors)

    def __str__(self) -> str:
        return self.message


class AuthenticationError(CloudflareError):
    """The token is unknown, disabled, expired, or lacks a permission for the call."""

    def __init__(self, message: str, *, permission_hint: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.permission_hint = permission_hint


class AccountNotFoundError(CloudflareError):
    """Cloudflare could not route the account id, which almost always means a config typo."""

    def __init__(self, message: str, *, account_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.account_id = account_id


class ModelNotFoundError(CloudflareError):
    """The model id is not in the Workers AI catalog (retired, misspelt, or missing ``@cf/``)."""

    def __init__(self, message: str, *, model: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.model = model


class LicenceRequiredError(CloudflareError):
    """The account has to accept the model's licence once before it may run it."""

    def __init__(self, message: str, *, model: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.model = model


class DailyAllocationExhaustedError(CloudflareError):
    """The free neuron allocation is spent; retrying before 00:00 UTC only burns rate limit."""


class RateLimitedError(CloudflareError):
    """Still throttled after every attempt the budget allowed."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(CloudflareError):
    """Cloudflare kept answering 5xx for every attempt the budget allowed."""


class NetworkError(CloudflareError):
    """No usable HTTP answer: connection refused or dropped, or a timeout."""

    def __init__(
        self, message: str, *, host: str = "", timeout: float | None = None, **kwargs: Any
    ) -> None:
        super().__init__(message, **kwargs)
        self.host = host
        self.timeout = timeout


class MalformedResponseError(CloudflareError):
    """The body was not JSON or not the shape the endpoint promises (often a proxy's page)."""

    def __init__(self, message: str, *, body_excerpt: str = "", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.body_excerpt = body_excerpt


class ApiError(CloudflareError):
    """Any other request Cloudflare refused; the message carries Cloudflare's own explanation."""


def as_int(value: object) -> int | None:
    """Cloudflare's numbers arrive as numbers or as digit strings ("128000"); booleans are not."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None
