"""``breeze-infra remind``: one message per person due, one summary, never a secret; a failing
webhook is one line and exit 1 for remind alone."""

from __future__ import annotations

import json
import random
import socket
from collections.abc import Callable

import httpx

from breeze_infra.reminders import Delivery, deliver
from breeze_infra.rotation import timestamp
from tests.online_cli import BOOTSTRAP, OnlineCli
from tests.reminders.conftest import ALICE_KEY, NOW, SWITCH_BY, Webhook

WHEN = timestamp(NOW)


def test_one_message_for_the_person_due_and_one_summary(team: OnlineCli, webhook: Webhook) -> None:
    done = team(
        "remind",
        "--stack",
        "dev",
        "--webhook-env",
        "TEAM_HOOK",
        BREEZE_NOW=WHEN,
        TEAM_HOOK=webhook.url,
    )
    assert done.returncode == 0, done.stderr
    personal, summary = (str(b["text"]) for b in webhook.bodies)
    assert personal.startswith("<@U012AB3CDE>: your GPT Breeze key for Cloudflare Workers AI (dev)")
    assert f"by {SWITCH_BY[:10]} {SWITCH_BY[11:16]} UTC (3 days left)" in personal
    assert "• Vault: mount secret, path breeze/dev/alice, key apiKey" in personal
    assert "Settings → Credentials → Cloudflare Workers AI (dev) → API key" in personal
    assert summary.startswith("breeze-infra rotation of dev: reminded 1: alice")
    assert "Switched 1, must switch 1, idle 1, not deployed 1." in summary
    everything = json.dumps(webhook.bodies) + done.stdout + done.stderr
    assert ALICE_KEY not in everything
    assert BOOTSTRAP not in everything
    assert "secretpart" not in done.stdout + done.stderr


def test_nothing_is_sent_when_nobody_is_due_today(team: OnlineCli, webhook: Webhook) -> None:
    done = team(
        "remind",
        "--stack",
        "dev",
        "--webhook-env",
        "TEAM_HOOK",
        "--warn-days",
        "7,1",
        BREEZE_NOW=WHEN,
        TEAM_HOOK=webhook.url,
    )
    assert done.returncode == 0
    assert webhook.bodies == []
    assert "nothing sent" in done.stderr


def test_a_dry_run_prints_the_messages_and_needs_no_webhook(team: OnlineCli) -> None:
    done = team(
        "remind", "--stack", "dev", "--webhook-env", "TEAM_HOOK", "--dry-run", BREEZE_NOW=WHEN
    )
    assert done.returncode == 0
    texts = [json.loads(line)["text"] for line in done.stdout.splitlines()]
    assert len(texts) == 2
    assert texts[0].startswith("<@U012AB3CDE>")


def test_a_webhook_answering_500_is_one_line_and_exit_1(team: OnlineCli) -> None:
    failing = Webhook(status=500)
    try:
        done = team(
            "remind",
            "--stack",
            "dev",
            "--webhook-env",
            "TEAM_HOOK",
            BREEZE_NOW=WHEN,
            TEAM_HOOK=failing.url,
        )
    finally:
        failing.close()
    assert done.returncode == 1
    (line,) = done.stderr.splitlines()
    assert line == (
        "breeze-infra remind: message 1 of 2: the webhook did not take it (HTTP 500, 3 attempts); "
        "check the URL in $TEAM_HOOK and the chat service (0 sent)"
    )
    assert len(failing.bodies) == 3


def test_a_refused_connection_is_one_line_and_exit_1(team: OnlineCli) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = team(
        "remind",
        "--stack",
        "dev",
        "--webhook-env",
        "TEAM_HOOK",
        BREEZE_NOW=WHEN,
        TEAM_HOOK=f"http://127.0.0.1:{port}/hook",
    )
    assert done.returncode == 1
    (line,) = done.stderr.splitlines()
    assert "the connection failed" in line
    assert str(port) not in line


def test_the_url_only_comes_from_the_environment(team: OnlineCli) -> None:
    unset = team("remind", "--stack", "dev", "--webhook-env", "TEAM_HOOK", BREEZE_NOW=WHEN)
    assert unset.returncode == 2
    assert unset.stderr.strip() == (
        "breeze-infra remind: $TEAM_HOOK is not set; export the incoming webhook's URL in it"
    )
    plain = team(
        "remind",
        "--stack",
        "dev",
        "--webhook-env",
        "TEAM_HOOK",
        BREEZE_NOW=WHEN,
        TEAM_HOOK="http://chat.example.com/hook",
    )
    assert plain.returncode == 2
    assert "is not an https:// webhook URL" in plain.stderr
    assert "chat.example.com" not in plain.stderr
    url = team("remind", "--stack", "dev", "--webhook-env", "https://hooks.example/x")
    assert url.returncode == 2
    assert "is not an environment variable name" in url.stderr


def run_delivery(
    handler: Callable[[httpx.Request], httpx.Response],
) -> tuple[Delivery, list[float]]:
    waits: list[float] = []
    done = deliver(
        "https://hooks.example/services/secret",
        "HOOK",
        [{"text": "a"}, {"text": "b"}],
        transport=httpx.MockTransport(handler),
        sleep=waits.append,
        rng=random.Random(7),
    )
    return done, waits


def test_a_stalled_webhook_is_retried_a_bounded_number_of_times_then_reported() -> None:
    calls: list[int] = []

    def stall(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        raise httpx.ReadTimeout("stalled", request=request)

    done, waits = run_delivery(stall)
    assert done.sent == 0
    assert done.failed == (
        "message 1 of 2: the webhook did not take it (no answer in time, 3 attempts); check the "
        "URL in $HOOK and the chat service"
    )
    assert len(calls) == 3
    assert len(waits) == 2
    assert waits[0] < waits[1] <= 8.0


def test_rate_limits_are_waited_out_as_the_webhook_asks() -> None:
    answers = iter([httpx.Response(429, headers={"retry-after": "4"}), httpx.Response(200)])

    def limited(request: httpx.Request) -> httpx.Response:
        return next(answers, httpx.Response(200))

    done, waits = run_delivery(limited)
    assert done.sent == 2
    assert waits == [4.0, 1.0]


def test_a_refusal_is_not_retried() -> None:
    calls: list[int] = []

    def gone(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(404)

    done, _ = run_delivery(gone)
    assert calls == [1]
    assert done.failed is not None
    assert "the webhook refused it (HTTP 404)" in done.failed


def test_markup_from_the_stack_file_cannot_notify_a_channel() -> None:
    from breeze_infra.config import parse_config
    from breeze_infra.consumers import audiences
    from breeze_infra.reminders import ConsumerRotation, personal
    from tests.conftest import minimal_values

    config = parse_config(
        minimal_values(credentialName="AI <!channel> & co", consumers=[{"name": "a"}]), "x", "dev"
    )
    (audience,) = audiences(config)
    entry = ConsumerRotation("a", None, "must switch", None, None, SWITCH_BY, 3)
    text = str(personal(config, "dev", entry, audience)["text"])
    assert "<!channel>" not in text
    assert "AI &lt;!channel&gt; &amp; co" in text
