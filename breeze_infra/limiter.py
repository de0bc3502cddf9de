"""One request budget shared by every Cloudflare call of a run (``doctor --all-consumers``).

Cloudflare allows 1,200 API requests per 5 minutes per user, counted across the dashboard, API
keys and tokens alike. A run that checks hundreds of consumers concurrently must stay well inside
that, whatever its concurrency, so every attempt (retries included) passes through one limiter:

* at most ``in_flight`` requests are on the wire at once (a concurrency cap);
* a token bucket of ``rate`` requests per second with a burst of ``burst`` smooths the start;
* a sliding window allows at most ``window_requests`` in any ``window_seconds``: the figure that
  Cloudflare counts, so the guarantee holds however long the run lasts.

The limiter only knows this process's requests; other tools using the same user share Cloudflare's
allowance, which is why the window budget is half of it.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Final

__all__ = [
    "CLOUDFLARE_WINDOW",
    "CLOUDFLARE_WINDOW_REQUESTS",
    "DOCTOR_LIMITS",
    "Limits",
    "RequestLimiter",
]

CLOUDFLARE_WINDOW_REQUESTS: Final = 1200
CLOUDFLARE_WINDOW: Final = 300.0
"""Cloudflare's global API rate limit: 1,200 requests per 5 minutes per user."""
_MARGIN: Final = 1e-6


@dataclass(frozen=True)
class Limits:
    """The budget: requests in flight, per second (with a burst), and per window."""

    in_flight: int
    rate: float
    burst: int
    window_requests: int
    window_seconds: float = CLOUDFLARE_WINDOW

    def __post_init__(self) -> None:
        if self.in_flight < 1 or self.burst < 1 or self.window_requests < 1:
            raise ValueError("limits must allow at least one request")
        if not (self.rate > 0 and self.window_seconds > 0):
            raise ValueError("rate and window must be > 0")


DOCTOR_LIMITS: Final = Limits(in_flight=32, rate=75.0, burst=15, window_requests=600)
"""Half of Cloudflare's 1,200 per 5 minutes for one run, leaving the rest to ``pulumi up``, the
dashboard and a second run in the same window. 75 requests/s (burst 15) lets 249 consumers'
token and route checks (498 requests) finish in about 7 s; a run needing more than 600 requests
(inference on a large fleet) waits for the window and stops at ``--timeout``, reporting the
consumers it did not reach."""


class RequestLimiter:
    """Admits each request under ``limits``; share one instance between all clients of a run.

    ``clock`` and ``sleep`` are injectable so that tests can run it on a fake clock. Waiters are
    admitted in arrival order. ``sent`` holds the admission time of every request in the current
    window, and ``admitted`` counts all of them.
    """

    def __init__(
        self,
        limits: Limits,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limits = limits
        self._clock = clock
        self._sleep = sleep
        self._gate = asyncio.Semaphore(limits.in_flight)
        self._lock = asyncio.Lock()
        self._tokens = float(limits.burst)
        self._refilled_at = clock()
        self.sent: deque[float] = deque()
        self.admitted = 0

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the in-flight places, admitted by the rate and the window, for one request."""
        async with self._gate:
            await self._admit()
            yield

    async def _admit(self) -> None:
        limits = self.limits
        async with self._lock:
            while True:
                now = self._clock()
                elapsed = max(0.0, now - self._refilled_at)
                self._tokens = min(float(limits.burst), self._tokens + elapsed * limits.rate)
                self._refilled_at = now
                while self.sent and self.sent[0] <= now - limits.window_seconds:
                    self.sent.popleft()
                wait = 0.0
                if self._tokens < 1:
                    wait = (1 - self._tokens) / limits.rate
                if len(self.sent) >= limits.window_requests:
                    wait = max(wait, self.sent[0] + limits.window_seconds - now)
                if wait <= 0:
                    break
                # A little longer than needed: a float sum landing a hair short would loop.
                await self._sleep(wait + _MARGIN)
            self._tokens -= 1
            self.sent.append(now)
            self.admitted += 1
