"""The online checks of ``validate --online`` and ``manifest --online``: the account's catalog.

Offline checks prove a stack file is well formed; only the account's own catalog can say whether
the models it names exist and answer ``/chat/completions``. These commands fetch that catalog once
per account per run, however many stacks and models they check, and finish within ``--timeout``
seconds whatever the network does. The bootstrap token comes from CLOUDFLARE_API_TOKEN and never
reaches any output.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from breeze_infra.catalog import (
    Catalog,
    check_models,
    context_lengths,
    fetch_catalog,
    with_context_lengths,
)
from breeze_infra.cloudflare import CloudflareClient, failure_line, open_client, run_bounded
from breeze_infra.config import NAMESPACE, StackConfig
from breeze_infra.errors import AccountNotFoundError, AuthenticationError, CloudflareError
from breeze_infra.exits import CommandError, ExitCode

__all__ = [
    "DeployCheck",
    "StackInput",
    "check_for_deploy",
    "fetch_catalogs",
    "fill_from_catalog",
    "validate_online",
]

_log = logging.getLogger("breeze_infra.online")


@dataclass(frozen=True)
class StackInput:
    """A stack that passed the offline checks, with the path its messages name."""

    name: str
    source: str
    config: StackConfig


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


@dataclass(frozen=True)
class DeployCheck:
    """What ``pulumi up`` makes of the catalog: errors stop it, warnings are shown once each."""

    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


def check_for_deploy(
    config: StackConfig,
    *,
    source: str,
    stack: str,
    namespace: str,
    token: str,
    now: datetime,
    timeout: float,
) -> DeployCheck:
    """The program's own catalog check: the same findings as ``validate --online`` (one paged
    listing), or, when the catalog cannot be read, one warning that the models went unchecked.

    Nothing here changes a resource's inputs, so a run with the catalog and one without plan
    the same resources.
    """
    what = "pulumi up"
    account_id = config.account_id
    unchecked = (
        f"{source}: the models were not checked against the Workers AI catalog: {{}}; check "
        f"them with `breeze-infra validate --online --stack {stack}` and a token that may read it "
        "(Workers AI Read)"
    )
    try:
        result = fetch_catalogs(token, [account_id], timeout, what)[account_id]
    except CommandError as exc:  # a malformed token or API root, or the time ran out
        return DeployCheck(warnings=(unchecked.format(str(exc)),))
    if isinstance(result, AccountNotFoundError):
        return DeployCheck(errors=(f"{source}: {namespace}:accountId: {result}",))
    if isinstance(result, AuthenticationError) and result.status == 403:
        reason = "the bootstrap token may not read the catalog (it lacks Workers AI Read)"
        return DeployCheck(warnings=(unchecked.format(reason),))
    if isinstance(result, CloudflareError):
        return DeployCheck(
            warnings=(unchecked.format(f"the catalog could not be read ({result})"),)
        )
    findings = check_models(config.models, result, now)
    return DeployCheck(
        errors=tuple(f.line(source) for f in findings if f.severity == "error"),
        warnings=tuple(f.line(source) for f in findings if f.severity == "warning"),
    )
