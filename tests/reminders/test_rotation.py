"""``breeze-infra rotation``: each consumer's verdict from one token listing, and the exit code."""

from __future__ import annotations

import json

from breeze_infra.rotation import timestamp
from tests.online_cli import OnlineCli
from tests.reminders.conftest import ALICE_KEY, NOW, SWITCH_BY


def test_each_consumer_gets_its_verdict(team: OnlineCli) -> None:
    done = team("rotation", "--stack", "dev", "--json", BREEZE_NOW=timestamp(NOW))
    report = json.loads(done.stdout)
    verdicts = {c["consumer"]: c["verdict"] for c in report["consumers"]}
    assert verdicts == {
        "alice": "must switch",
        "bob": "switched",
        "carol": "idle",
        "dave": "not deployed",
    }
    (alice,) = [c for c in report["consumers"] if c["consumer"] == "alice"]
    assert (alice["switch_by"], alice["days_left"], alice["mention"]) == (
        SWITCH_BY,
        3,
        "<@U012AB3CDE>",
    )
    assert alice["current"]["last_used_on"] is None
    assert report["at_risk"] == ["alice"]
    assert done.returncode == 1
    assert report["api_requests"] == 1


def test_the_text_says_by_when_and_never_a_key(team: OnlineCli) -> None:
    done = team("rotation", "--stack", "dev", BREEZE_NOW=timestamp(NOW))
    assert (
        f"alice: must switch by {SWITCH_BY[:10]} {SWITCH_BY[11:16]} UTC (3 days left)"
        in done.stdout
    )
    assert "1 must switch within 7 days: alice" in done.stdout
    assert ALICE_KEY not in done.stdout + done.stderr


def test_nobody_at_risk_within_the_warning_exits_0(team: OnlineCli) -> None:
    done = team("rotation", "--stack", "dev", "--warn-days", "2", BREEZE_NOW=timestamp(NOW))
    assert done.returncode == 0
    assert "nobody must switch within 2 days" in done.stdout


def test_one_consumer_and_an_unknown_one(team: OnlineCli) -> None:
    one = team(
        "rotation", "--stack", "dev", "--consumer", "bob", "--json", BREEZE_NOW=timestamp(NOW)
    )
    assert [c["consumer"] for c in json.loads(one.stdout)["consumers"]] == ["bob"]
    assert one.returncode == 0
    unknown = team("rotation", "--stack", "dev", "--consumer", "zed", BREEZE_NOW=timestamp(NOW))
    assert unknown.returncode == 2
    assert "no active consumer 'zed'" in unknown.stderr
    assert "Traceback" not in unknown.stderr
