"""One consumer's checks: token, route, gateway and each model, run concurrently.

Each check waits for a place under one semaphore (``MAX_CONCURRENT`` requests in flight), and the
verdicts are returned in a fixed order, a check still running at the deadline reported as failed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, Final, Literal

from breeze_infra.catalog import CATALOG_PERMISSION
from breeze_infra.cloudflare import CloudflareClient, inference_base_url
from breeze_infra.config import NAMESPACE
from breeze_infra.doctor._gateway import check_gateway, gateway_inference
from breeze_infra.doctor._judging import judge_token
from breeze_infra.doctor._report import Check, could_not_run
from breeze_infra.doctor._targets import Owner, Target
from breeze_infra.endpoints import account_path
from breeze_infra.errors import (
    AccountNotFoundError,
    ApiError,
    AuthenticationError,
    CloudflareError,
)

MAX_CONCURRENT: Final = 8
"""Requests in flight at once: a 10-model stack finishes in two round trips, far below Workers
AI's 300 text-generation requests per minute."""
PROMPT: Final = ({"role": "user", "content": "Reply with one word."},)

_REPORT_GRACE: Final = 0.2
"""Each call stops at its own deadline (the budget); this lets its precise error arrive first."""

_log = logging.getLogger("breeze_infra.doctor")

_Planned = list[tuple[str, Awaitable[Check]]]
_Tasks = list[tuple[str, "asyncio.Future[Check]"]]


async def run_checks(
    client: CloudflareClient,
    target: Target,
    now: datetime,
    *,
    inference: bool,
    budget: float,
    owner_of_key: Owner | None = None,
    emit: Callable[[Check], None] | None = None,
    concurrency: int = MAX_CONCURRENT,
    deadline_at: float | None = None,
) -> list[Check]:
    """Run every check concurrently and return (and ``emit``) the verdicts in a fixed order.

    Lines come out in order as soon as all earlier ones are known, so a person watching sees
    progress and CI logs read the same every run. A check still running when ``budget`` seconds
    have passed (or at ``deadline_at``, a loop time, when a whole run shares one deadline) is
    cancelled and reported as failed.
    """
    gate = asyncio.Semaphore(concurrency)
    loop = asyncio.get_running_loop()
    if deadline_at is None:
        deadline_at = loop.time() + budget + _REPORT_GRACE
    planned = _planned(client, target, now, gate, owner_of_key, inference=inference)
    tasks: _Tasks = [(name, asyncio.ensure_future(work)) for name, work in planned]
    took = _timer(loop, tasks)
    say = emit if emit is not None else _unheard
    results: list[Check] = []
    try:
        for name, task in tasks:
            check = await _answer(name, task, deadline_at, budget)
            check = replace(_collapse(check, results), seconds=took(name))
            _log.debug("%s: %s", check.name, check.status)
            results.append(check)
            say(check)
    finally:
        await cancel_all([task for _, task in tasks])
    if not inference:
        skipped = _skipped(target)
        results.append(skipped)
        say(skipped)
    return results


def _planned(
    client: CloudflareClient,
    target: Target,
    now: datetime,
    gate: asyncio.Semaphore,
    owner_of_key: Owner | None,
    *,
    inference: bool,
) -> _Planned:
    """The checks of a target, in report order, each named as its line is."""
    checks: _Planned = [
        ("token", _token(client, target, now, gate, owner_of_key)),
        ("route", _route(client, target, gate)),
    ]
    if target.gateway is not None:
        checks.append(("gateway", _gated(gate, check_gateway(client, target.gateway))))
    if inference:
        checks += [(f"model {m}", _model(client, target, m, gate)) for m in target.models]
    return checks


def _timer(loop: asyncio.AbstractEventLoop, tasks: _Tasks) -> Callable[[str], float]:
    """Seconds from now until each task finished (or until asked, for one still running)."""
    started_at = loop.time()
    finished: dict[str, float] = {}

    def finish(name: str) -> Callable[[object], None]:
        return lambda _: finished.__setitem__(name, loop.time())

    for name, task in tasks:
        task.add_done_callback(finish(name))

    def took(name: str) -> float:
        return round(finished.get(name, loop.time()) - started_at, 3)

    return took


async def _answer(
    name: str, task: asyncio.Future[Check], deadline_at: float, budget: float
) -> Check:
    """The task's verdict, waited for until the deadline; a failure when it did not come, or when
    the check raised anything at all (never a missing line)."""
    remaining = deadline_at - asyncio.get_running_loop().time()
    if not task.done() and remaining > 0:
        await asyncio.wait({task}, timeout=remaining)
    if not task.done():
        return Check(name, "fail", f"no answer within the {budget:g} s budget (--timeout)")
    if task.cancelled():
        return Check(name, "fail", "could not run: cancelled")
    error = task.exception()
    if error is None:
        return task.result()
    _log.debug("check %s raised", name, exc_info=error)
    return could_not_run(name, error)


def _skipped(target: Target) -> Check:
    return Check(
        "models",
        "skip",
        f"--no-inference: {len(target.models)} model(s) not called (each call costs neurons)",
    )


def _unheard(_: Check) -> None:
    """Where verdicts go when nobody streams them."""


async def cancel_all(tasks: Iterable[asyncio.Future[Any]]) -> None:
    """Cancel the tasks and wait until each has ended, whatever it ended with."""
    pending = list(tasks)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


async def _token(
    client: CloudflareClient,
    target: Target,
    now: datetime,
    gate: asyncio.Semaphore,
    owner_of_key: Owner | None,
) -> Check:
    path = (
        f"{account_path(target.account_id)}/tokens/verify"
        if target.owner == "account"
        else "/user/tokens/verify"
    )
    try:
        async with gate:
            result = await client.get(path)
    except AuthenticationError as exc:
        hint = ""
        if owner_of_key is not None and owner_of_key != target.owner:
            hint = (
                f"; the key is {owner_of_key}-owned but {NAMESPACE}:token.owner is "
                f"'{target.owner}', so it was verified on the wrong path: set it to "
                f"'{owner_of_key}'"
            )
        return Check("token", "fail", f"{exc}{hint}", "key")
    except CloudflareError as exc:
        return _failed("token", exc)
    return judge_token(result, target, now)


async def _route(client: CloudflareClient, target: Target, gate: asyncio.Semaphore) -> Check:
    path = f"{account_path(target.account_id)}/ai/models/search"
    try:
        async with gate:
            await client.get(
                path, params={"page": 1, "per_page": 1}, permission_hint=CATALOG_PERMISSION
            )
    except CloudflareError as exc:
        return _failed("route", exc)
    return Check(
        "route",
        "ok",
        f"account {target.account_id} answers; base URL {inference_base_url(target.account_id)}",
    )


async def _model(
    client: CloudflareClient, target: Target, model: str, gate: asyncio.Semaphore
) -> Check:
    name = f"model {model}"
    try:
        async with gate:
            started = time.monotonic()
            if target.gateway is None:
                await client.post_inference(target.account_id, model, PROMPT, max_tokens=1)
            else:
                body = {"model": model, "messages": list(PROMPT), "max_tokens": 1}
                await gateway_inference(client, target.gateway, body)
            elapsed = time.monotonic() - started
    except ApiError as exc:
        return Check(
            name,
            "fail",
            f"{exc}; `breeze-infra validate --online --stack {target.stack}` names its task",
        )
    except CloudflareError as exc:
        return _failed(name, exc)
    return Check(name, "ok", f"answered a 1-token chat completion in {elapsed:.2f} s")


async def _gated(gate: asyncio.Semaphore, work: Awaitable[Check]) -> Check:
    async with gate:
        return await work


def _failed(name: str, error: CloudflareError) -> Check:
    cause: Literal["key", "route", ""] = ""
    if isinstance(error, AuthenticationError):
        cause = "key"
    elif isinstance(error, AccountNotFoundError):
        cause = "route"
    return Check(name, "fail", str(error), cause)


def _collapse(check: Check, earlier: Sequence[Check]) -> Check:
    """A rejected key or an unroutable account fails every call: explain it once, then refer."""
    if check.status != "fail" or not check.cause:
        return check
    first = next((c for c in earlier if c.status == "fail" and c.cause == check.cause), None)
    if first is None:
        return check
    what = "key rejected" if check.cause == "key" else "account does not route"
    return replace(check, detail=f"{what} (see the {first.name} check)")
