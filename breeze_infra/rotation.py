"""Two-slot rotation: which token each slot holds at a given moment, and until when.

Time is cut into windows of ``rotation_days`` counted from the Unix epoch. Slot ``a`` holds the
token of even windows, slot ``b`` that of odd ones, so at any moment one slot holds the current
window's token and the other the previous window's. Each token lives two windows: a consumer that
cached the previous key keeps working for one more window. Which token each slot should hold
depends only on the clock, never on when ``pulumi up`` last ran; ``pulumi up`` must still run once
a window to mint it. Everything here is a pure function of (clock, config).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from breeze_infra.endpoints import NOW_ENV
from breeze_infra.permissions import LEGACY_TOKEN, PREFIXED_TOKEN

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

SlotName = Literal["a", "b"]


class ClockError(ValueError):
    """A time rotation windows cannot be cut from: BREEZE_NOW that is not an RFC 3339 time, a
    time without a zone, or one outside ``YEARS``."""


@dataclass(frozen=True)
class Slot:
    name: SlotName
    window: int
    starts_on: datetime
    expires_on: datetime
    current: bool


@dataclass(frozen=True)
class RotationPlan:
    rotation_days: int
    window: int
    a: Slot
    b: Slot

    @property
    def current(self) -> Slot:
        return self.a if self.a.current else self.b

    @property
    def previous(self) -> Slot:
        return self.b if self.a.current else self.a


def plan_rotation(now: datetime, rotation_days: int) -> RotationPlan:
    if rotation_days < 1:
        raise ValueError("rotation_days must be at least 1")
    try:
        plannable(now)
    except ClockError as exc:
        raise ClockError(f"now ({now.isoformat()}) {exc}") from None
    length = timedelta(days=rotation_days)
    window = (now - EPOCH) // length

    def slot(name: SlotName, parity: int) -> Slot:
        held = window if window % 2 == parity else window - 1
        starts_on = EPOCH + held * length
        return Slot(name, held, starts_on, starts_on + 2 * length, held == window)

    return RotationPlan(rotation_days, window, slot("a", 0), slot("b", 1))


def timestamp(moment: datetime) -> str:
    """Cloudflare's token time format: ``YYYY-MM-DDTHH:MM:SSZ``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
"""RFC 3339 as Go's time package reads it: ``T``, ``t`` or a space between date and time."""
YEARS = (1970, 9000)
"""Times outside these years are refused: a rotation window near year 9999 cannot be computed."""


def plannable(now: datetime) -> datetime:
    """``now`` when rotation windows can be cut from it; ClockError saying why not otherwise.

    Outside ``YEARS`` the arithmetic of ``plan_rotation`` (a window's start, its expiry two
    windows on, of up to 365 days each) leaves the range of ``datetime`` (years 1 to 9999):
    ``OverflowError`` near either end.
    """
    if now.utcoffset() is None:
        raise ClockError("must carry a time zone")
    if not YEARS[0] <= now.year <= YEARS[1]:
        raise ClockError(
            f"is outside the years {YEARS[0]} to {YEARS[1]}, which rotation windows can be "
            "computed for"
        )
    return now


def parse_time(text: str) -> datetime:
    """An RFC 3339 time with its offset (``Z`` or ``+hh:mm``), as UTC; ClockError otherwise."""
    stripped = text.strip()
    moment = None
    if _RFC3339.fullmatch(stripped):
        iso = f"{stripped[:10]}T{stripped[11:].upper().replace('Z', '+00:00')}"
        try:
            moment = datetime.fromisoformat(iso)
        except ValueError:
            moment = None
    if moment is None:
        raise ClockError(
            f"{NOW_ENV}{_quoted(text)} is not an RFC 3339 time such as 2026-11-25T09:00:00Z"
        )
    try:
        return plannable(moment).astimezone(UTC)
    except ClockError as exc:
        raise ClockError(f"{NOW_ENV}{_quoted(text)} {exc}") from None


def _quoted(text: str) -> str:
    """The value, unless it is long, holds control characters or looks like a token."""
    if (
        len(text) > 40
        or not text.isprintable()
        or PREFIXED_TOKEN.search(text)
        or LEGACY_TOKEN.search(text)
    ):
        return " (value not shown)"
    return f"={text!r}"


def current_time() -> datetime:
    """The clock every run uses: BREEZE_NOW when set (tests, replays, CI dry runs), else the system."""
    text = os.environ.get(NOW_ENV)
    return parse_time(text) if text else datetime.now(UTC)


def token_name(
    stack: str,
    slot: Slot,
    generation: int,
    consumer: str | None = None,
    project: str = "breeze-infra",
) -> str:
    """The name Cloudflare shows for a slot's token: which project, whose it is, which window,
    which generation. The project's name keeps two projects' ``dev`` tokens apart; a project
    named ``breeze-infra`` gets the names it always had, so no deployed token is replaced."""
    owner = f"{stack}/{consumer}" if consumer else stack
    return f"{project} {owner} slot-{slot.name} w{slot.window} g{generation}"
