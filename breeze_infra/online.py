"""The commands that ask Cloudflare: ``validate --online``, ``manifest --online``, and their budget.

Offline checks prove a stack file is well formed; only the account's own catalog can say whether
the models it names exist and answer ``/chat/completions``. These commands fetch that catalog once
per account per run, however many stacks and models they check, and finish within ``--timeout``
seconds whatever the network does. The bootstrap token comes from CLOUDFLARE_API_TOKEN and never
reaches any output.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO, TYPE_CHECKING, Final, TypeVar

from breeze_infra.catalog import (
    CATALOG_PERMISSION,
    Catalog,
    check_models,
    context_lengths,
    fetch_catalog,
    with_context_lengths,
)
from breeze_infra.cloudflare import ClientSettings, CloudflareClient
from breeze_infra.config import NAMESPACE, StackConfig
from breeze_infra.endpoints import TOKEN_ENV
from breeze_infra.errors import (
    AccountNotFoundError,
    AuthenticationError,
    CloudflareError,
    NetworkError,
)
from breeze_infra.exits import CommandError, ExitCode

if TYPE_CHECKING:
    from breeze_infra.limiter import RequestLimiter

__all__ = [
    "TOKEN_ENV",
    "StackInput",
    "bootstrap_token",
    "client_settings",
    "failure_line",
    "fetch_catalogs",
    "fill_from_catalog",
    "open_client",
    "run_bounded",
    "validate_online",
]

_GRACE: Final = 0.5

_log = logging.getLogger("breeze_infra.online")
T = TypeVar("T")


@dataclass(frozen=True)
class StackInput:
    """A stack that passed the offline checks, with the path its messages name."""

    name: str
    source: str
    config: StackConfig


def bootstrap_token(environ: Mapping[str, str], command: str) -> str:
    value = environ.get(TOKEN_ENV, "").strip()
    if not value:
        raise CommandError(
            f"breeze-infra {command}: {TOKEN_ENV} is not set; export a Cloudflare API token "
            f"with the {CATALOG_PERMISSION} permission on the stack's account",
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


async def _catalogs(
    token: str, account_ids: Sequence[str], timeout: float, what: str
) -> dict[str, Catalog | CloudflareError]:
    async def one(client: CloudflareClient, account_id: str) -> Catalog | CloudflareError:
        try:
            catalog = await fetch_catalog(client, account_id)
        except CloudflareError as exc:
            return exc
        _log.debug("catalog of account %s: %d models", account_id, len(catalog))
        return catalog

    async with open_client(token, timeout, what) as client:
        found = await asyncio.gather(*(one(client, account) for account in account_ids))
        _log.debug("catalog fetched with %d request(s)", client.request_count)
    return dict(zip(account_ids, found, strict=True))


def fetch_catalogs(
    token: str, account_ids: Sequence[str], timeout: float, what: str
) -> dict[str, Catalog | CloudflareError]:
    """One catalog per distinct account, fetched concurrently with one client."""
    unique = list(dict.fromkeys(account_ids))
    return run_bounded(lambda: _catalogs(token, unique, timeout, what), timeout, what)


def validate_online(
    stacks: Sequence[StackInput],
    *,
    token: str,
    now: datetime,
    timeout: float,
    out: IO[str],
    err: IO[str],
) -> int:
    """Check each stack's models against its account's catalog; print one line per finding.

    Returns 2 when any stack has a problem to fix in its file (unknown or non-chat model, an
    account id that does not route), else 1 when a catalog could not be fetched, else 0.
    """
    what = "validate --online"
    catalogs = fetch_catalogs(token, [s.config.account_id for s in stacks], timeout, what)
    code = ExitCode.OK
    reported: set[str] = set()
    for stack in stacks:
        account_id = stack.config.account_id
        result = catalogs[account_id]
        if isinstance(result, AccountNotFoundError):
            print(f"{stack.source}: {NAMESPACE}:accountId: {result}", file=err)
            code = ExitCode.BAD_INPUT
            continue
        if isinstance(result, CloudflareError):
            if account_id not in reported:
                reported.add(account_id)
                print(failure_line(result, what), file=err)
            code = max(code, ExitCode.FAILED)
            continue
        findings = check_models(stack.config.models, result, now)
        for finding in findings:
            print(finding.line(stack.source), file=err)
        if any(f.severity == "error" for f in findings):
            code = ExitCode.BAD_INPUT
        else:
            count = len(stack.config.models)
            print(
                f"{stack.source}: ok ({count} model{'s' if count != 1 else ''} checked against "
                f"the Workers AI catalog of account {account_id})",
                file=out,
            )
    return code


def fill_from_catalog(
    stack: StackInput, *, token: str, now: datetime, timeout: float, err: IO[str]
) -> StackConfig:
    """The stack's config with context lengths from the catalog, for ``manifest --online``.

    A manifest naming a model GPT Breeze cannot use is refused, not written: the same errors as
    ``validate --online`` raise CommandError; warnings are printed and the manifest still made.
    """
    what = "manifest --online"
    account_id = stack.config.account_id
    result = fetch_catalogs(token, [account_id], timeout, what)[account_id]
    if isinstance(result, AccountNotFoundError):
        raise CommandError(f"{stack.source}: {NAMESPACE}:accountId: {result}", ExitCode.BAD_INPUT)
    if isinstance(result, CloudflareError):
        raise CommandError(failure_line(result, what), ExitCode.FAILED)
    findings = check_models(stack.config.models, result, now)
    errors = [f.line(stack.source) for f in findings if f.severity == "error"]
    if errors:
        raise CommandError("\n".join(errors), ExitCode.BAD_INPUT)
    for finding in findings:
        print(finding.line(stack.source), file=err)
    return with_context_lengths(stack.config, context_lengths(stack.config.models, result))
