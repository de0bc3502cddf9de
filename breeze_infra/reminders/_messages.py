"""What a reminder says: one message per person who must paste a new key, one summary.

Built only from the stack file and the verdicts: names, contacts, places and dates. A message
never holds a key, because nothing it is built from does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from breeze_infra.config import StackConfig
from breeze_infra.consumers import Audience
from breeze_infra.handover import key_places
from breeze_infra.reminders._render import when
from breeze_infra.reminders._verdicts import ConsumerRotation, RotationReport


def due(report: RotationReport, warn_days: Sequence[int]) -> list[ConsumerRotation]:
    """Who is reminded today: must switch, with whole days left among ``warn_days`` (a daily run
    with ``7,3,1`` reminds a person a week, three days and one day before)."""
    days = set(warn_days)
    return [e for e in report.consumers if e.verdict == "must switch" and e.days_left in days]


def plain(text: str) -> str:
    """Text from the stack file as Slack shows it, never as markup: a credential named
    ``<!channel>`` must not notify a channel (Slack escapes exactly these three characters)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def personal(
    config: StackConfig, stack: str, entry: ConsumerRotation, audience: Audience
) -> dict[str, Any]:
    """Slack-compatible ``{"text": ...}`` for one person (Mattermost, Google Chat and Teams
    workflows take the same)."""
    credential = plain(config.credential_label(stack))
    who = entry.mention or entry.consumer or stack
    places = "\n".join(
        f"• {plain(place)}" for place in key_places(audience.secrets, stack, entry.consumer)
    )
    days = entry.days_left or 0
    text = (
        f"{who}: your GPT Breeze key for {credential} has been rotated. Paste the new key by "
        f"{when(entry.switch_by)} ({days} day{'s' * (days != 1)} left); the old one stops then.\n"
        f"The new key is in:\n{places}\n"
        f"In GPT Breeze: Settings → Credentials → {credential} → API key. Only the key changes; "
        "your models stay."
    )
    return {"text": text}


def summary(
    stack: str, report: RotationReport, reminded: Sequence[ConsumerRotation]
) -> dict[str, Any]:
    """One message for the platform team: who was reminded, and the rest by verdict."""
    counts = {v: 0 for v in ("switched", "must switch", "idle", "not deployed")}
    for entry in report.consumers:
        counts[entry.verdict] += 1
    names = ", ".join(f"{e.consumer or stack} (by {when(e.switch_by)})" for e in reminded)
    text = (
        f"breeze-infra rotation of {stack}: reminded {len(reminded)}: {names}. "
        f"Switched {counts['switched']}, must switch {counts['must switch']}, "
        f"idle {counts['idle']}, not deployed {counts['not deployed']}."
    )
    return {"text": text}
