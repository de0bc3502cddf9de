"""Two-slot rotation: which window each slot holds, and when each token expires."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from breeze_infra.rotation import (
    EPOCH,
    ClockError,
    current_time,
    parse_time,
    plan_rotation,
    timestamp,
    token_name,
)

DAY = timedelta(days=1)


def at(text: str) -> datetime:
    return parse_time(text)


def test_windows_are_counted_from_the_epoch() -> None:
    plan = plan_rotation(at("1970-01-31T00:00:00Z"), 30)
    assert plan.window == 1
    assert plan.current.starts_on == EPOCH + 30 * DAY


@pytest.mark.parametrize("rotation_days", [1, 7, 30, 365])
def test_current_slot_holds_this_window_and_the_other_the_previous(rotation_days: int) -> None:
    plan = plan_rotation(at("2026-11-25T09:30:00Z"), rotation_days)
    assert plan.current.window == plan.window
    assert plan.previous.window == plan.window - 1
    assert plan.current.name == ("a" if plan.window % 2 == 0 else "b")
    assert {plan.a.window % 2, plan.b.window % 2} == {0, 1}
    assert plan.a.window % 2 == 0


@pytest.mark.parametrize("rotation_days", [1, 7, 30])
def test_each_token_expires_two_windows_after_its_window_starts(rotation_days: int) -> None:
    plan = plan_rotation(at("2026-11-25T09:30:00Z"), rotation_days)
    for slot in (plan.a, plan.b):
        assert slot.starts_on == EPOCH + slot.window * rotation_days * DAY
        assert slot.expires_on == slot.starts_on + 2 * rotation_days * DAY
    assert plan.previous.expires_on == plan.current.starts_on + rotation_days * DAY


def test_a_cached_previous_key_works_until_the_end_of_the_current_window() -> None:
    now = at("2026-11-25T09:30:00Z")
    plan = plan_rotation(now, 7)
    window_end = plan.current.starts_on + 7 * DAY
    assert plan.previous.expires_on == window_end > now


def test_crossing_a_window_boundary_moves_only_the_slot_of_the_new_window() -> None:
    plan = plan_rotation(at("2026-11-25T09:30:00Z"), 7)
    boundary = plan.current.starts_on + 7 * DAY
    before = plan_rotation(boundary - timedelta(seconds=1), 7)
    after = plan_rotation(boundary, 7)
    assert before == plan
    assert after.window == before.window + 1
    assert after.current.name != before.current.name
    assert after.previous == replace(before.current, current=False)
    assert after.current.name == before.previous.name
    assert after.current.window == before.previous.window + 2


def test_same_clock_same_plan() -> None:
    now = at("2026-11-25T09:30:00Z")
    assert plan_rotation(now, 30) == plan_rotation(now, 30)


def test_timestamps_are_cloudflare_format_in_utc() -> None:
    moment = datetime(2027, 1, 24, 1, 2, 3, tzinfo=timezone(timedelta(hours=2)))
    assert timestamp(moment) == "2027-01-23T23:02:03Z"


@pytest.mark.parametrize(
    "text", ["2026-11-25T09:30:00Z", "2026-11-25T10:30:00+01:00", "2026-11-25t09:30:00z"]
)
def test_breeze_now_accepts_rfc3339(text: str) -> None:
    assert parse_time(text) == datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize("text", ["2026-11-25", "2026-11-25T09:30:00", "yesterday", ""])
def test_breeze_now_rejects_anything_else_with_the_variable_named(text: str) -> None:
    with pytest.raises(ClockError, match="BREEZE_NOW="):
        parse_time(text)


def test_clock_comes_from_breeze_now_when_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BREEZE_NOW", "2030-01-01T00:00:00Z")
    assert current_time() == datetime(2030, 1, 1, tzinfo=UTC)
    monkeypatch.delenv("BREEZE_NOW")
    assert abs(current_time() - datetime.now(UTC)) < timedelta(minutes=1)


def test_token_names_say_whose_which_window_and_generation() -> None:
    plan = plan_rotation(at("2026-11-25T09:30:00Z"), 30)
    assert token_name("prod", plan.current, 3) == f"breeze-infra prod slot-a w{plan.window} g3"
    assert token_name("prod", plan.current, 0, "alice").startswith("breeze-infra prod/alice ")
