"""Who still uses which key: each consumer's two slots, as the token listing shows them, judged.

A verdict per consumer, from the listing alone (one paged read for the whole stack):

- *switched*: the current window's key has been used since it was created;
- *must switch*: only the previous key is in use; it stops at its expiry (``switch_by``);
- *idle*: neither key has been used for ``stale_days``;
- *not deployed*: no token holds the current window (``pulumi up`` has not run in it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from breeze_infra.cloudflare import CloudflareClient
from breeze_infra.config import StackConfig
from breeze_infra.consumers import Audience, audiences
from breeze_infra.rotation import Slot, parse_time, plan_rotation, timestamp
from breeze_infra.token_listing import SlotToken, list_slot_tokens, owner_of

Verdict = Literal["switched", "must switch", "idle", "not deployed"]


@dataclass(frozen=True)
class SlotState:
    """One slot's token as the listing shows it."""

    slot: str
    window: int
    token_id: str
    created_on: str | None
    expires_on: str | None
    last_used_on: str | None


@dataclass(frozen=True)
class ConsumerRotation:
    consumer: str | None
    mention: str | None
    """How a chat message names the person (the contact's mention), when the stack file says."""
    verdict: Verdict
    current: SlotState | None
    previous: SlotState | None
    switch_by: str | None = None
    """Must switch: when the previous key stops working."""
    days_left: int | None = None
    """Must switch: whole days until ``switch_by``, rounded up (1 on the last day)."""

    def at_risk(self, warn_days: int) -> bool:
        return self.verdict == "must switch" and (self.days_left or 0) <= warn_days


@dataclass
class RotationReport:
    stack: str
    now: str
    stale_days: int
    consumers: list[ConsumerRotation] = field(default_factory=list)
    api_requests: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def judge(
    audience: Audience,
    stack: str,
    tokens: Sequence[SlotToken],
    now: datetime,
    stale_days: int,
) -> ConsumerRotation:
    """One consumer's verdict from the listing's tokens (any stack's: they are filtered here)."""
    plan = plan_rotation(now, audience.token.rotation_days)
    owner = owner_of(stack, audience.name)
    own = [t for t in tokens if t.owner == owner]
    current = _holding(own, plan.current)
    previous = _holding(own, plan.previous)
    mention = audience.contact.mention if audience.contact else None
    if current is None:
        return ConsumerRotation(audience.name, mention, "not deployed", current, previous)
    if current.last_used_on and current.last_used_on >= (current.created_on or ""):
        return ConsumerRotation(audience.name, mention, "switched", current, previous)
    cutoff = timestamp(now - timedelta(days=stale_days))
    if previous is not None and previous.last_used_on and previous.last_used_on >= cutoff:
        switch_by = previous.expires_on or timestamp(plan.previous.expires_on)
        left = (parse_time(switch_by) - now) / timedelta(days=1)
        return ConsumerRotation(
            audience.name,
            mention,
            "must switch",
            current,
            previous,
            switch_by=switch_by,
            days_left=max(0, math.ceil(left)),
        )
    return ConsumerRotation(audience.name, mention, "idle", current, previous)


def _holding(tokens: Sequence[SlotToken], slot: Slot) -> SlotState | None:
    """The token of ``slot``'s window (the newest generation, after a bump)."""
    held = [t for t in tokens if t.slot == slot.name and t.window == slot.window]
    if not held:
        return None
    token = max(held, key=lambda t: t.generation)
    return SlotState(
        token.slot,
        token.window,
        token.token_id,
        token.issued_on,
        token.expires_on,
        token.last_used_on,
    )


async def collect_rotation(
    client: CloudflareClient,
    config: StackConfig,
    stack: str,
    now: datetime,
    *,
    consumers: Sequence[str] | None = None,
    stale_days: int = 30,
) -> RotationReport:
    """Every chosen consumer's verdict, from one paged token listing."""
    tokens = await list_slot_tokens(client, config)
    report = RotationReport(stack, timestamp(now), stale_days)
    report.consumers = [
        judge(audience, stack, tokens, now, stale_days)
        for audience in audiences(config)
        if consumers is None or audience.name in consumers
    ]
    report.api_requests = client.request_count
    return report
