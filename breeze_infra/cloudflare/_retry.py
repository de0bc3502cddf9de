"""When a failed attempt is tried again, and after how long.

Kept by hand rather than delegated to tenacity, stamina or httpx-retries (docs/layout.md says
why): the rules are few, but each depends on something those libraries do not see. A retry must
know whether the request may already have reached Cloudflare (a token create must not be sent
twice), Cloudflare's body code (3036 is never retried, whatever its status), the ``Retry-After``
of a 429 or 503 (capped, so a hostile header cannot park CI), and the call's deadline, which
also shrinks each attempt's timeouts. The waits are full jitter (AWS's "exponential backoff and
jitter"): a random fraction of an exponentially growing ceiling, so that parallel CI jobs that
were throttled together do not come back together.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from breeze_infra.cloudflare._classify import DAILY_ALLOCATION_CODE, TransportFailure
from breeze_infra.cloudflare._envelope import EXCERPT_CHARS, HttpFailure, Secret
from breeze_infra.cloudflare._settings import ClientSettings

_MAY_HAVE_ARRIVED = (
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
    httpx.CloseError,
)
"""Failures after which the request may have reached Cloudflare: retried only when idempotent."""


def transport_retryable(exc: httpx.TransportError, idempotent: bool) -> bool:
    """Failures to connect never reached Cloudflare, so they are always safe to try again."""
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return True
    return idempotent and isinstance(exc, _MAY_HAVE_ARRIVED)


def http_retryable(failure: HttpFailure, idempotent: bool) -> bool:
    """429s are retried (Cloudflare did nothing), 5xx only when a repeat is harmless."""
    if DAILY_ALLOCATION_CODE in failure.codes:
        return False
    if failure.status == 429:
        return True
    return failure.status >= 500 and idempotent


def server_asked_to_wait(failure: HttpFailure) -> float | None:
    """The ``Retry-After`` a retry honours: only throttling and maintenance answers set it."""
    return failure.retry_after if failure.status in (429, 503) else None


def backoff(
    settings: ClientSettings, attempt: int, retry_after: float | None, rng: Callable[[], float]
) -> float:
    """Seconds to wait after failed ``attempt`` (1-based): the server's word, else full jitter."""
    if retry_after is not None:
        return min(retry_after, settings.max_delay)
    ceiling = min(settings.max_delay, settings.base_delay * 2.0 ** (attempt - 1))
    return ceiling * rng()


def describe_transport_error(
    exc: httpx.TransportError, timeouts: httpx.Timeout, secret: Secret
) -> TransportFailure:
    """What the socket did, in words, with the limit that was hit (the token redacted)."""
    reason = secret.redact(str(exc))[:EXCERPT_CHARS] or type(exc).__name__
    if isinstance(exc, httpx.ConnectTimeout):
        return TransportFailure(
            f"connect timed out after {timeouts.connect:g} s", timeout=timeouts.connect
        )
    if isinstance(exc, httpx.ReadTimeout):
        return TransportFailure(f"read timed out after {timeouts.read:g} s", timeout=timeouts.read)
    if isinstance(exc, httpx.WriteTimeout):
        return TransportFailure(
            f"write timed out after {timeouts.write:g} s", timeout=timeouts.write
        )
    if isinstance(exc, httpx.PoolTimeout):
        return TransportFailure(
            f"no free connection within {timeouts.pool:g} s", timeout=timeouts.pool
        )
    if isinstance(exc, httpx.ConnectError):
        return TransportFailure(f"connection failed ({reason})")
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
        return TransportFailure(f"connection dropped before a complete answer ({reason})")
    return TransportFailure(f"{type(exc).__name__}: {reason}")
