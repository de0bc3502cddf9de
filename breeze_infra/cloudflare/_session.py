"""What every command that talks to Cloudflare shares: its token, its budget, its client.

``validate --online``, ``manifest --online``, ``doctor``, ``usage`` and the token listings all
take the bootstrap token from CLOUDFLARE_API_TOKEN, turn one ``--timeout`` into per-call limits,
and run their calls on a fresh event loop bounded by that budget. Keeping that kit beside the
client means each command says the same thing when the token is missing or the budget is spent.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Final, TypeVar

from breeze_infra.cloudflare._client import CloudflareClient
from breeze_infra.cloudflare._settings import ClientSettings
from breeze_infra.endpoints import TOKEN_ENV
from breeze_infra.errors import AuthenticationError, CloudflareError, NetworkError
from breeze_infra.exits import CommandError, ExitCode
from breeze_infra.permissions import PERMISSION_GROUPS

if TYPE_CHECKING:
    from breeze_infra.limiter import RequestLimiter

__all__ = ["bootstrap_token", "client_settings", "failure_line", "open_client", "run_bounded"]

_GRACE: Final = 0.5
T = TypeVar("T")


def bootstrap_token(environ: Mapping[str, str], command: str) -> str:
    value = environ.get(TOKEN_ENV, "").strip()
    if not value:
        raise CommandError(
            f"breeze-infra {command}: {TOKEN_ENV} is not set; export a Cloudflare API token "
            f"with the {PERMISSION_GROUPS['read']} permission on the stack's account",
            ExitCode.BAD_INPUT,
        )
    return value


def client_settings(timeout: float) -> ClientSettings:
    """Per-call limits derived from the command's budget.

    One attempt may use at most a quarter of the budget, so a stalled answer still leaves room to
    retry; Cloudflare's own defaults (5 s connect, 20 s read) apply when the budget is generous.
    """
    if not (math.isfinite(timeout) and timeout > 0):
        raise CommandError(
            f"--timeout must be a number of seconds > 0, got {timeout:g}", ExitCode.BAD_INPUT
        )
    share = timeout / 4
    return ClientSettings(
        attempts=4,
        base_delay=min(0.5, share / 4),
        max_delay=min(10.0, share),
        deadline=timeout,
        connect_timeout=min(5.0, share),
        read_timeout=min(20.0, share),
        write_timeout=min(10.0, share),
        pool_timeout=min(5.0, share),
    )


def open_client(
    token: str, timeout: float, what: str, limiter: RequestLimiter | None = None
) -> CloudflareClient:
    """A client for CLOUDFLARE_BASE_URL (or Cloudflare); a malformed token or root is bad input.

    Clients given one ``limiter`` share its request budget."""
    try:
        return CloudflareClient(token, settings=client_settings(timeout), limiter=limiter)
    except ValueError as exc:
        raise CommandError(f"breeze-infra {what}: {exc}", ExitCode.BAD_INPUT) from None


def run_bounded(work: Callable[[], Awaitable[T]], timeout: float, what: str) -> T:
    """Run ``work`` on a fresh event loop, abandoning it when the command's budget is spent.

    Each call already stops at its own deadline; this outer bound (a little later, so the call's
    more precise message usually wins) covers paged listings, whose pages each get a deadline.
    """

    async def bounded() -> T:
        return await asyncio.wait_for(work(), timeout + _GRACE)

    try:
        return asyncio.run(bounded())
    except TimeoutError:
        raise CommandError(
            f"breeze-infra {what}: no complete answer from Cloudflare within the {timeout:g} s "
            "budget; check the network, or allow more with --timeout",
            ExitCode.FAILED,
        ) from None


def failure_line(error: CloudflareError, what: str) -> str:
    """One actionable line for a failed catalog fetch; it names the variable holding the token."""
    if isinstance(error, AuthenticationError):
        return f"breeze-infra {what}: {TOKEN_ENV}: {error}"
    if isinstance(error, NetworkError):
        return (
            f"breeze-infra {what}: {error}; check the network (or CLOUDFLARE_BASE_URL), or allow "
            "more time with --timeout"
        )
    return f"breeze-infra {what}: {error}"
