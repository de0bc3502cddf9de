"""``breeze-infra doctor``: can GPT Breeze use this environment's deployed key right now?

It checks what a user would otherwise find out the hard way, one line each: the key is an active
token and when it stops working, the account routes, and each model answers a one-token chat
completion. Checks run concurrently (at most ``MAX_CONCURRENT`` requests in flight) and the whole
command ends within its budget, so a stalled model is reported, not waited on. The key is only
ever handed to the client, which keeps it out of every message and log record.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import IO, Final, Literal

from breeze_infra.catalog import CATALOG_PERMISSION
from breeze_infra.cloudflare import CloudflareClient, inference_base_url
from breeze_infra.config import NAMESPACE, StackConfig
from breeze_infra.endpoints import account_path, workers_ai_base_url
from breeze_infra.errors import (
    AccountNotFoundError,
    ApiError,
    AuthenticationError,
    CloudflareError,
)
from breeze_infra.exits import CommandError, ExitCode
from breeze_infra.gateway import stack_base_url
from breeze_infra.gateway_check import (
    GatewayTarget,
    check_gateway,
    gateway_inference,
    gateway_target,
)
from breeze_infra.limiter import DOCTOR_LIMITS, Limits, RequestLimiter
from breeze_infra.messages import safe_line, short
from breeze_infra.online import open_client, run_bounded
from breeze_infra.rotation import ClockError, parse_time, plan_rotation, timestamp
from breeze_infra.stack_outputs import EXPORT_HINT, is_key, manifest_at, outputs_object

__all__ = [
    "CONSUMERS_AT_ONCE",
    "KEY_ENV",
    "MAX_CONCURRENT",
    "Check",
    "Consumer",
    "Target",
    "api_key",
    "format_check",
    "judge_token",
    "key_owner",
    "run_checks",
    "run_doctor",
    "run_fleet",
    "target_from",
]

KEY_ENV: Final = "BREEZE_API_KEY"
MAX_CONCURRENT: Final = 8
"""Requests in flight at once: a 10-model stack finishes in two round trips, far below Workers
AI's 300 text-generation requests per minute."""
CONSUMERS_AT_ONCE: Final = 32
"""Consumers checked at once by ``--all-consumers``: enough that the shared limiter (32 requests in
flight, 75 per second), not this cap, sets the pace at 200 ms per answer."""
SOON: Final = timedelta(days=7)
PROMPT: Final = ({"role": "user", "content": "Reply with one word."},)

_REPORT_GRACE: Final = 0.2
"""Each call stops at its own deadline (the budget); this lets its precise error arrive first."""

Status = Literal["ok", "warn", "fail", "skip"]
Owner = Literal["account", "user"]

_log = logging.getLogger("breeze_infra.doctor")


@dataclass(frozen=True)
class Check:
    """One printed line: what was checked, how it went, and what to do about it.

    ``cause`` groups failures with one root ("key" rejected, account does not "route") so that
    it is explained once, on the first line it shows up in, and referred to after that.
    """

    name: str
    status: Status
    detail: str
    cause: Literal["key", "route", ""] = ""
    seconds: float | None = field(default=None, compare=False)
    """How long the check took, from the start of the run (for ``doctor --json``)."""


@dataclass(frozen=True)
class Target:
    """What doctor checks, gathered from the stack file and, when given, the stack's outputs."""

    stack: str
    source: str
    account_id: str
    owner: Owner
    rotation_days: int
    models: tuple[str, ...]
    token_id: str | None = None
    gateway: GatewayTarget | None = None


def target_from(
    config: StackConfig,
    stack: str,
    source: str,
    outputs: object | None = None,
    label: str = "outputs",
    consumer: str | None = None,
) -> Target:
    """The stack file says where and what; outputs add the deployed models and token id.

    Outputs of another stack (another account's base URL) are refused rather than half-used.
    """
    models = [m.id for m in config.models]
    token_id: str | None = None
    if outputs is not None:
        outputs = outputs_object(outputs, label)
        expected = workers_ai_base_url(config.account_id)
        through = stack_base_url(config, stack, consumer)
        urls: list[tuple[str, object]] = [("baseUrl", outputs.get("baseUrl"))]
        if outputs.get("manifest") is not None:
            manifest = manifest_at(outputs, label, ("manifest",))
            urls += [
                (f"manifest.credentials[{i}].baseUrl", c.base_url)
                for i, c in enumerate(manifest.credentials)
            ]
            models += [m.model_id for m in manifest.models if m.model_id not in models]
        for key, url in urls:
            if url is not None and url not in (expected, through):
                raise CommandError(
                    f"{label}: {key}: {short(str(url), 200)} is not the Workers AI URL of account "
                    f"{config.account_id}, which {source} names; are these another stack's "
                    "outputs?",
                    ExitCode.BAD_INPUT,
                )
        found_id = outputs.get("tokenId")
        token_id = found_id if isinstance(found_id, str) and found_id else None
    return Target(
        stack=stack,
        source=source,
        account_id=config.account_id,
        owner=config.token.owner,
        rotation_days=config.token.rotation_days,
        models=tuple(models),
        token_id=token_id,
        gateway=gateway_target(config, stack, consumer),
    )


def api_key(outputs: object | None, label: str, environ: Mapping[str, str]) -> str:
    """The deployed key: the outputs' ``apiKey`` when they carry it, else BREEZE_API_KEY."""
    if isinstance(outputs, dict):
        value = outputs.get("apiKey")
        if isinstance(value, str) and is_key(value):
            return value.strip()
    from_env = environ.get(KEY_ENV, "").strip()
    if from_env:
        return from_env
    if outputs is not None:
        raise CommandError(
            f"{label}: apiKey: missing or redacted; export the outputs with "
            f"{EXPORT_HINT}, or set {KEY_ENV}",
            ExitCode.BAD_INPUT,
        )
    raise CommandError(
        "breeze-infra doctor: no key to check; pass --from-outputs FILE (the JSON of "
        f"{EXPORT_HINT}) or set {KEY_ENV}",
        ExitCode.BAD_INPUT,
    )


def key_owner(key: str) -> Owner | None:
    """Who owns a key, when its published prefix tells (``cfat_`` account, ``cfut_`` user)."""
    if key.startswith("cfat_"):
        return "account"
    if key.startswith("cfut_"):
        return "user"
    return None


def judge_token(result: object, target: Target, now: datetime) -> Check:
    """The token check's verdict on a verify answer ``{id, status, expires_on, not_before}``.

    A key that expires when the next rotation window starts is the previous window's: it still
    works, but not for long, so it warns rather than fails.
    """
    if not isinstance(result, dict):
        return Check("token", "fail", "verify answered without token details")
    status = result.get("status")
    expires = _moment(result.get("expires_on"))
    not_before = _moment(result.get("not_before"))
    if status == "expired" or (status == "active" and expires is not None and expires <= now):
        when = f" on {timestamp(expires)}" if expires is not None else ""
        return Check(
            "token",
            "fail",
            f"expired{when}: run `pulumi up` to mint this window's token, then import the new "
            "key into GPT Breeze",
            "key",
        )
    if status == "disabled":
        return Check(
            "token",
            "fail",
            f"disabled in Cloudflare: re-enable it, or bump {NAMESPACE}:token.generation and run "
            "`pulumi up` to replace it",
            "key",
        )
    if status != "active":
        return Check("token", "fail", f"status is {status!r}, not active", "key")
    if not_before is not None and not_before > now:
        return Check(
            "token",
            "fail",
            f"not valid before {timestamp(not_before)}; check the machine's clock",
            "key",
        )
    if expires is None:
        return Check("token", "ok", "active, no expiry set")
    detail = f"active, expires {timestamp(expires)} ({_until(expires - now)})"
    plan = plan_rotation(now, target.rotation_days)
    window = timedelta(days=target.rotation_days)
    next_window = plan.current.starts_on + window
    notes: list[str] = []
    if expires <= next_window:
        notes.append(
            "that is when the next rotation window starts, so this is the previous window's key: "
            "run `pulumi up` if the stack has not rotated yet, then import the current key"
        )
    elif expires - now < min(SOON, window):
        notes.append("run `pulumi up` and import the new key before then")
    token_id = result.get("id")
    if target.token_id and isinstance(token_id, str) and token_id != target.token_id:
        notes.append(
            f"this key is token {token_id}, not the stack's current token {target.token_id}; "
            "GPT Breeze may hold a superseded key"
        )
    if notes:
        return Check("token", "warn", f"{detail}; {'; '.join(notes)}")
    return Check("token", "ok", detail)


def check_names(target: Target, inference: bool) -> list[str]:
    models = [f"model {m}" for m in target.models] if inference else ["models"]
    return ["token", "route", *(["gateway"] if target.gateway else []), *models]


def format_check(check: Check, width: int) -> str:
    """One report line; the detail may quote Cloudflare, so it is kept to one safe line."""
    return f"{check.status:<4}  {check.name:<{width}}  {safe_line(check.detail)}"


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
    checks: list[tuple[str, Awaitable[Check]]] = [
        ("token", _token(client, target, now, gate, owner_of_key)),
        ("route", _route(client, target, gate)),
    ]
    if target.gateway is not None:
        checks.append(("gateway", _gated(gate, check_gateway(client, target.gateway))))
    if inference:
        checks += [(f"model {m}", _model(client, target, m, gate)) for m in target.models]
    tasks = [(name, asyncio.ensure_future(work)) for name, work in checks]
    started_at = loop.time()
    finished: dict[str, float] = {}

    def finish(name: str) -> Callable[[object], None]:
        return lambda _: finished.__setitem__(name, loop.time())

    for name, task in tasks:
        task.add_done_callback(finish(name))
    results: list[Check] = []
    try:
        for name, task in tasks:
            remaining = deadline_at - loop.time()
            if not task.done() and remaining > 0:
                await asyncio.wait({task}, timeout=remaining)
            if task.done():
                check = task.result()
            else:
                check = Check(name, "fail", f"no answer within the {budget:g} s budget (--timeout)")
            took = finished.get(name, loop.time()) - started_at
            check = replace(_collapse(check, results), seconds=round(took, 3))
            _log.debug("%s: %s", check.name, check.status)
            results.append(check)
            if emit is not None:
                emit(check)
    finally:
        for _, task in tasks:
            task.cancel()
        await asyncio.gather(*(task for _, task in tasks), return_exceptions=True)
    if not inference:
        skipped = Check(
            "models",
            "skip",
            f"--no-inference: {len(target.models)} model(s) not called (each call costs neurons)",
        )
        results.append(skipped)
        if emit is not None:
            emit(skipped)
    return results


@dataclass(frozen=True)
class Consumer:
    """One block of the report: a consumer to check with its key, or a ready line saying why not.

    ``header`` (``consumer NAME:``) opens the block when the run covers several consumers.
    """

    header: str | None
    target: Target | None = None
    key: str | None = None
    skipped: str | None = None


def run_doctor(
    target: Target,
    key: str,
    *,
    now: datetime,
    timeout: float,
    inference: bool,
    out: IO[str],
) -> int:
    """Print one line per check; 0 when none failed (warnings pass), 1 when any did."""
    return run_fleet(
        [Consumer(None, target, key)], now=now, timeout=timeout, inference=inference, out=out
    )


def run_fleet(
    consumers: Sequence[Consumer],
    *,
    now: datetime,
    timeout: float,
    inference: bool,
    out: IO[str],
    limits: Limits = DOCTOR_LIMITS,
    at_once: int = CONSUMERS_AT_ONCE,
    limiter: RequestLimiter | None = None,
    on_check: Callable[[Consumer, Check], None] | None = None,
) -> int:
    """Check consumers concurrently under one request budget and one deadline; report in order.

    At most ``at_once`` consumers are checked at a time, and every request of the run passes
    through one limiter (``limits``). Each consumer's block is printed whole, in the given order,
    as soon as it and every block before it are known: the block being waited on streams, later
    ones are buffered. A consumer not started when ``timeout`` runs out is reported as not checked
    and fails the run. ``on_check`` sees each check as it is printed (``doctor --json``).
    Returns the worst exit code of all blocks.
    """

    async def work() -> int:
        shared = limiter if limiter is not None else RequestLimiter(limits)
        return await _fleet(consumers, now, timeout, inference, out, shared, at_once, on_check)

    return run_bounded(work, timeout, "doctor")


async def _fleet(
    consumers: Sequence[Consumer],
    now: datetime,
    timeout: float,
    inference: bool,
    out: IO[str],
    limiter: RequestLimiter,
    at_once: int,
    on_check: Callable[[Consumer, Check], None] | None = None,
) -> int:
    loop = asyncio.get_running_loop()
    deadline_at = loop.time() + timeout + _REPORT_GRACE
    cap = asyncio.Semaphore(at_once)
    count = len(consumers)
    lines: list[asyncio.Queue[Check | None]] = [asyncio.Queue() for _ in range(count)]
    settled = [asyncio.Event() for _ in range(count)]
    started = [False] * count
    given_up = [False] * count
    codes = [ExitCode.OK] * count
    errors: list[CommandError | None] = [None] * count

    async def check(index: int, target: Target, key: str) -> None:
        queue = lines[index]
        async with cap:
            if given_up[index] or loop.time() >= deadline_at:
                given_up[index] = True
                settled[index].set()
                return
            started[index] = True
            settled[index].set()
            try:
                async with open_client(key, timeout, "doctor", limiter) as client:
                    results = await run_checks(
                        client,
                        target,
                        now,
                        inference=inference,
                        budget=timeout,
                        owner_of_key=key_owner(key),
                        emit=queue.put_nowait,
                        deadline_at=deadline_at,
                    )
                codes[index] = (
                    ExitCode.FAILED if any(c.status == "fail" for c in results) else ExitCode.OK
                )
            except CommandError as exc:
                errors[index] = exc
            finally:
                queue.put_nowait(None)

    tasks = [
        asyncio.ensure_future(check(i, c.target, c.key))
        for i, c in enumerate(consumers)
        if c.target is not None and c.key is not None
    ]
    worst = ExitCode.OK

    def show(consumer: Consumer, check: Check, width: int) -> None:
        print(format_check(check, width), file=out, flush=True)
        if on_check is not None:
            on_check(consumer, check)

    try:
        for index, consumer in enumerate(consumers):
            if consumer.header is not None:
                print(consumer.header, file=out, flush=True)
            if consumer.target is None:
                if consumer.skipped is not None:
                    print(consumer.skipped, file=out, flush=True)
                continue
            remaining = deadline_at - loop.time()
            if not settled[index].is_set() and remaining > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(settled[index].wait(), remaining)
            if not started[index]:
                given_up[index] = True
                width = max(len(n) for n in check_names(consumer.target, inference))
                unchecked = Check(
                    "doctor",
                    "fail",
                    f"not checked: the {timeout:g} s budget (--timeout) ran out before this "
                    "consumer's turn; allow more with --timeout, or check it with --consumer NAME",
                )
                show(consumer, unchecked, max(width, len("doctor")))
                worst = max(worst, ExitCode.FAILED)
                continue
            width = max(len(n) for n in check_names(consumer.target, inference))
            while (line := await lines[index].get()) is not None:
                show(consumer, line, width)
            error = errors[index]
            if error is not None:
                raise error
            worst = max(worst, codes[index])
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    _log.debug("doctor: %d request(s) through the shared limiter", limiter.admitted)
    return worst


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


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return parse_time(value)
    except ClockError:
        return None


def _until(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"in {days} d {hours} h"
    if hours:
        return f"in {hours} h {minutes} min"
    return f"in {minutes} min"
