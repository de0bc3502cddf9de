"""Delivery to an incoming webhook: timeouts, bounded retries with backoff, one-line errors.

The URL is a secret (whoever holds a Slack webhook URL can post to the channel): it is read from
the environment by the command and never printed; errors name the variable instead. Sleeps are
injected, so tests never wait on the wall clock.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

import httpx

ATTEMPTS: Final = 3
BASE_DELAY: Final = 1.0
MAX_DELAY: Final = 8.0
SPACING: Final = 1.0
"""Seconds between two messages: Slack takes about one message a second per webhook."""
TIMEOUT: Final = httpx.Timeout(10.0, connect=5.0)
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


class DeliveryError(Exception):
    """A message the webhook did not take, after every attempt; the text is one line."""


@dataclass(frozen=True)
class Delivery:
    sent: int
    failed: str | None = None


def webhook_problem(url: str, variable: str) -> str | None:
    """Why ``url`` cannot be a webhook (https, or http on this machine for tests); None if fine."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
    except ValueError:
        return f"${variable} is not a URL"
    if parts.scheme == "https" and host:
        return None
    if parts.scheme == "http" and host in _LOOPBACK:
        return None
    return f"${variable} is not an https:// webhook URL"


def deliver(
    url: str,
    variable: str,
    messages: Sequence[dict[str, Any]],
    *,
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> Delivery:
    """Post each message in order; stop at the first one the webhook will not take."""
    chance = rng or random.Random()  # noqa: S311 (jitter, not a secret)
    with httpx.Client(timeout=TIMEOUT, transport=transport, follow_redirects=False) as client:
        for index, message in enumerate(messages):
            if index:
                sleep(SPACING)
            try:
                _post(client, url, variable, message, sleep, chance)
            except DeliveryError as exc:
                return Delivery(index, f"message {index + 1} of {len(messages)}: {exc}")
    return Delivery(len(messages))


def _post(
    client: httpx.Client,
    url: str,
    variable: str,
    message: dict[str, Any],
    sleep: Callable[[float], None],
    chance: random.Random,
) -> None:
    body = json.dumps(message).encode()
    problem = ""
    for attempt in range(1, ATTEMPTS + 1):
        wait = min(MAX_DELAY, BASE_DELAY * 2 ** (attempt - 1)) * (0.5 + chance.random() / 2)
        try:
            answer = client.post(url, content=body, headers={"content-type": "application/json"})
        except httpx.TimeoutException:
            problem = "no answer in time"
        except httpx.TransportError:
            problem = "the connection failed"
        else:
            if answer.is_success:
                return
            problem = f"HTTP {answer.status_code}"
            if answer.status_code == 429:
                wait = min(MAX_DELAY, _retry_after(answer) or wait)
            elif answer.status_code < 500:
                raise DeliveryError(
                    f"the webhook refused it ({problem}); check the URL in ${variable}"
                )
        if attempt < ATTEMPTS:
            sleep(wait)
    raise DeliveryError(
        f"the webhook did not take it ({problem}, {ATTEMPTS} attempts); check the URL in "
        f"${variable} and the chat service"
    )


def _retry_after(answer: httpx.Response) -> float | None:
    try:
        return max(0.0, float(answer.headers.get("retry-after", "")))
    except ValueError:
        return None
