"""The token check's verdict on Cloudflare's verify answer, and how its times are told."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from breeze_infra.config import NAMESPACE
from breeze_infra.doctor._report import Check
from breeze_infra.doctor._targets import Target
from breeze_infra.rotation import ClockError, parse_time, plan_rotation, timestamp

SOON: Final = timedelta(days=7)


def judge_token(result: object, target: Target, now: datetime) -> Check:
    """The token check's verdict on a verify answer ``{id, status, expires_on, not_before}``.

    A key that expires when the next rotation window starts is the previous window's: it still
    works, but not for long, so it warns rather than fails.
    """
    if not isinstance(result, dict):
        return Check("token", "fail", "verify answered without token details")
    expires = _moment(result.get("expires_on"))
    not_before = _moment(result.get("not_before"))
    refused = _refusal(result.get("status"), expires, not_before, now)
    if refused is not None:
        return refused
    if expires is None:
        return Check("token", "ok", "active, no expiry set")
    detail = f"active, expires {timestamp(expires)} ({_until(expires - now)})"
    notes = [*_expiry_notes(expires, target, now), *_superseded_notes(result.get("id"), target)]
    if notes:
        return Check("token", "warn", f"{detail}; {'; '.join(notes)}")
    return Check("token", "ok", detail)


def _refusal(
    status: object, expires: datetime | None, not_before: datetime | None, now: datetime
) -> Check | None:
    """The failing verdict of a key that does not work now, or None when it is active."""
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
    return None


def _expiry_notes(expires: datetime, target: Target, now: datetime) -> list[str]:
    """What to do about an active key's expiry: the previous window's key, or one ending soon."""
    plan = plan_rotation(now, target.rotation_days)
    window = timedelta(days=target.rotation_days)
    next_window = plan.current.starts_on + window
    if expires <= next_window:
        return [
            "that is when the next rotation window starts, so this is the previous window's key: "
            "run `pulumi up` if the stack has not rotated yet, then import the current key"
        ]
    if expires - now < min(SOON, window):
        return ["run `pulumi up` and import the new key before then"]
    return []


def _superseded_notes(token_id: object, target: Target) -> list[str]:
    """A key of another token than the stack's current one: GPT Breeze may hold an old key."""
    if target.token_id and isinstance(token_id, str) and token_id != target.token_id:
        return [
            f"this key is token {token_id}, not the stack's current token {target.token_id}; "
            "GPT Breeze may hold a superseded key"
        ]
    return []


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
