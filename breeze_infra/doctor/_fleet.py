"""Many consumers checked at once under one request limiter and one deadline, reported in order.

Each consumer has a slot: the lines its checks emit, and whether it started in time. The
reporter walks the slots in order, streaming the one it waits on while later ones buffer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Final

from breeze_infra.cloudflare import open_client, run_bounded
from breeze_infra.doctor._checks import _REPORT_GRACE, cancel_all, run_checks
from breeze_infra.doctor._report import Check, check_names, could_not_run, format_check
from breeze_infra.doctor._targets import Target, key_owner
from breeze_infra.exits import CommandError, ExitCode
from breeze_infra.limiter import DOCTOR_LIMITS, Limits, RequestLimiter

CONSUMERS_AT_ONCE: Final = 32
"""Consumers checked at once by ``--all-consumers``: enough that the shared limiter (32 requests in
flight, 75 per second), not this cap, sets the pace at 200 ms per answer."""

_log = logging.getLogger("breeze_infra.doctor")


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
    run = _Run(
        now=now,
        timeout=timeout,
        inference=inference,
        out=out,
        limiter=limiter,
        on_check=on_check,
        deadline_at=loop.time() + timeout + _REPORT_GRACE,
        cap=asyncio.Semaphore(at_once),
    )
    slots = [_Slot() for _ in consumers]
    tasks = [
        asyncio.ensure_future(run.check(slot, c.target, c.key))
        for slot, c in zip(slots, consumers, strict=True)
        if c.target is not None and c.key is not None
    ]
    worst = ExitCode.OK
    try:
        for slot, consumer in zip(slots, consumers, strict=True):
            worst = max(worst, await run.report(consumer, slot))
    finally:
        await cancel_all(tasks)
    _log.debug("doctor: %d request(s) through the shared limiter", limiter.admitted)
    return worst


@dataclass
class _Slot:
    """One consumer's place in the run: the lines its checks emit, and how its turn went."""

    lines: asyncio.Queue[Check | None] = field(default_factory=asyncio.Queue)
    settled: asyncio.Event = field(default_factory=asyncio.Event)
    """Set once the consumer has started, or been given up on."""
    started: bool = False
    given_up: bool = False
    code: ExitCode = ExitCode.OK
    error: CommandError | None = None


@dataclass(frozen=True)
class _Run:
    """What every consumer of one run shares: the clock, the deadline, the limiter, the output."""

    now: datetime
    timeout: float
    inference: bool
    out: IO[str]
    limiter: RequestLimiter
    on_check: Callable[[Consumer, Check], None] | None
    deadline_at: float
    cap: asyncio.Semaphore
    """At most this many consumers checked at a time."""

    async def check(self, slot: _Slot, target: Target, key: str) -> None:
        """Check one consumer when its turn comes, unless the deadline has passed by then."""
        async with self.cap:
            if slot.given_up or asyncio.get_running_loop().time() >= self.deadline_at:
                slot.given_up = True
                slot.settled.set()
                return
            slot.started = True
            slot.settled.set()
            try:
                slot.code = await self._checked(slot, target, key)
            except CommandError as exc:
                slot.error = exc
            except Exception as exc:
                _log.debug("consumer check raised", exc_info=exc)
                slot.lines.put_nowait(could_not_run("doctor", exc))
                slot.code = ExitCode.FAILED
            finally:
                slot.lines.put_nowait(None)

    async def _checked(self, slot: _Slot, target: Target, key: str) -> ExitCode:
        async with open_client(key, self.timeout, "doctor", self.limiter) as client:
            results = await run_checks(
                client,
                target,
                self.now,
                inference=self.inference,
                budget=self.timeout,
                owner_of_key=key_owner(key),
                emit=slot.lines.put_nowait,
                deadline_at=self.deadline_at,
            )
        return ExitCode.FAILED if any(c.status == "fail" for c in results) else ExitCode.OK

    async def report(self, consumer: Consumer, slot: _Slot) -> ExitCode:
        """Print one consumer's block once it is known; its exit code."""
        self._print(consumer.header)
        if consumer.target is None:
            self._print(consumer.skipped)
            return ExitCode.OK
        await self._turn(slot)
        width = max(len(n) for n in check_names(consumer.target, self.inference))
        if not slot.started:
            slot.given_up = True
            self._show(consumer, self._unchecked(), max(width, len("doctor")))
            return ExitCode.FAILED
        while (line := await slot.lines.get()) is not None:
            self._show(consumer, line, width)
        if slot.error is not None:
            raise slot.error
        return slot.code

    async def _turn(self, slot: _Slot) -> None:
        """Wait, until the deadline at most, for the consumer to start or be given up on."""
        remaining = self.deadline_at - asyncio.get_running_loop().time()
        if not slot.settled.is_set() and remaining > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(slot.settled.wait(), remaining)

    def _unchecked(self) -> Check:
        return Check(
            "doctor",
            "fail",
            f"not checked: the {self.timeout:g} s budget (--timeout) ran out before this "
            "consumer's turn; allow more with --timeout, or check it with --consumer NAME",
        )

    def _show(self, consumer: Consumer, check: Check, width: int) -> None:
        print(format_check(check, width), file=self.out, flush=True)
        if self.on_check is not None:
            self.on_check(consumer, check)

    def _print(self, line: str | None) -> None:
        if line is not None:
            print(line, file=self.out, flush=True)
