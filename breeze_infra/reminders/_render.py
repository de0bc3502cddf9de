"""The rotation report as text for a person and as JSON for CI."""

from __future__ import annotations

import json
from typing import IO

from breeze_infra.reminders._verdicts import ConsumerRotation, RotationReport, SlotState


def when(moment: str | None) -> str:
    """``2027-01-08T00:00:00Z`` as a person reads it."""
    return "never" if not moment else f"{moment[:10]} {moment[11:16]} UTC"


def verdict_text(entry: ConsumerRotation) -> str:
    if entry.verdict == "must switch":
        days = entry.days_left
        return f"must switch by {when(entry.switch_by)} ({days} day{'s' * (days != 1)} left)"
    return entry.verdict


def _slot_line(label: str, state: SlotState | None) -> str:
    if state is None:
        return f"    {label}: no token"
    return (
        f"    {label}: slot-{state.slot} w{state.window}, created {when(state.created_on)}, "
        f"expires {when(state.expires_on)}, last used {when(state.last_used_on)}"
    )


def render_text(report: RotationReport, warn_days: int, out: IO[str]) -> None:
    print(f"rotation of {report.stack} at {when(report.now)}", file=out)
    for entry in report.consumers:
        name = entry.consumer or report.stack
        contact = f"  ({entry.mention})" if entry.mention else ""
        print(f"{name}: {verdict_text(entry)}{contact}", file=out)
        print(_slot_line("current ", entry.current), file=out)
        print(_slot_line("previous", entry.previous), file=out)
    at_risk = [e.consumer or report.stack for e in report.consumers if e.at_risk(warn_days)]
    if at_risk:
        print(f"{len(at_risk)} must switch within {warn_days} days: {', '.join(at_risk)}", file=out)
    else:
        print(f"nobody must switch within {warn_days} days", file=out)


def render_json(report: RotationReport, warn_days: int, out: IO[str]) -> None:
    document = report.to_json()
    document["warn_days"] = warn_days
    document["at_risk"] = [e.consumer for e in report.consumers if e.at_risk(warn_days)]
    print(json.dumps(document, indent=2), file=out)
