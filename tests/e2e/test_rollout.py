"""A team's rotation under the real engine: two people, a new window, one switches, one is reminded.

Alice and Bob paste their keys by hand (7-day windows of their own). Both call Workers AI; the
clock moves into the next window and ``pulumi up`` replaces one slot each; Alice pastes her new
key, Bob keeps the old one. ``rotation`` then says Alice switched and Bob must switch by the old
key's expiry, and ``remind`` posts exactly one personal message (Bob's) and the summary to a local
webhook. No key appears in any message, card, output or log.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import httpx

from breeze_infra.rotation import parse_time, plan_rotation, timestamp
from tests.e2e.conftest import ACCOUNT_ID, NOW, NOW_MOMENT, Sandbox
from tests.reminders.conftest import Webhook

STACK = "rollout"
PLAN = plan_rotation(parse_time(NOW), 7)
NEXT = PLAN.current.starts_on + timedelta(days=7, hours=1)
"""An hour into the next 7-day window."""
OLD_EXPIRY = timestamp(PLAN.current.expires_on)
CONFIG = {
    "accountId": ACCOUNT_ID,
    "models[0].id": "@cf/meta/llama-3.1-8b-instruct",
    "consumers[0].name": "alice",
    "consumers[0].contact.slack": "U0ALICE0001",
    "consumers[0].rotationDays": "7",
    "consumers[1].name": "bob",
    "consumers[1].contact.github": "bob-example",
    "consumers[1].rotationDays": "7",
}


def _call(sandbox: Sandbox, key: str) -> None:
    url = f"{sandbox.emulator.base_url}/accounts/{ACCOUNT_ID}/ai/v1/chat/completions"
    body = {
        "model": "@cf/meta/llama-3.1-8b-instruct",
        "messages": [{"role": "user", "content": "hi"}],
    }
    answer = httpx.post(url, json=body, headers={"Authorization": f"Bearer {key}"}, timeout=30)
    assert answer.status_code == 200


def _keys(sandbox: Sandbox) -> dict[str, str]:
    return dict(json.loads(sandbox.outputs_json(STACK))["apiKeys"])


def _at(moment: datetime) -> dict[str, str]:
    return {"BREEZE_NOW": timestamp(moment)}


def test_one_person_switches_and_the_other_is_reminded(installed: Sandbox) -> None:
    emulator = installed.emulator
    start = parse_time(NOW)
    emulator.set_clock(lambda: start)
    hook = Webhook()
    try:
        installed.pulumi_cmd("stack", "init", STACK)
        for key, value in CONFIG.items():
            installed.pulumi_cmd(
                "config", "set", "--stack", STACK, "--path", f"breeze-infra:{key}", value
            )
        installed.pulumi_cmd("up", "--yes", "--stack", STACK)
        old = _keys(installed)
        emulator.set_clock(lambda: start + timedelta(hours=1))
        _call(installed, old["alice"])
        _call(installed, old["bob"])

        emulator.set_clock(lambda: NEXT)
        before = len(emulator.token_events)
        installed.pulumi_cmd("up", "--yes", "--stack", STACK, env=_at(NEXT))
        changed = sorted((e.action, e.name.split(" ")[1]) for e in emulator.token_events[before:])
        assert changed == [
            ("create", f"{STACK}/alice"),
            ("create", f"{STACK}/bob"),
            ("delete", f"{STACK}/alice"),
            ("delete", f"{STACK}/bob"),
        ], "each person's older slot is replaced, and only that one"
        new = _keys(installed)
        assert new["alice"] != old["alice"]

        later = NEXT + timedelta(hours=2)
        emulator.set_clock(lambda: later)
        _call(installed, new["alice"])
        _call(installed, old["bob"])

        done = installed.cli("rotation", "--stack", STACK, "--json", env=_at(later), check=False)
        assert done.returncode == 1, done.stderr
        verdicts = {c["consumer"]: c for c in json.loads(done.stdout)["consumers"]}
        assert verdicts["alice"]["verdict"] == "switched"
        assert verdicts["bob"]["verdict"] == "must switch"
        assert verdicts["bob"]["switch_by"] == OLD_EXPIRY

        reminded = installed.cli(
            "remind",
            "--stack",
            STACK,
            "--webhook-env",
            "TEAM_HOOK",
            env={**_at(later), "TEAM_HOOK": hook.url},
        )
        personal, summary = (str(body["text"]) for body in hook.bodies)
        assert personal.startswith("@bob-example: your GPT Breeze key for Cloudflare Workers AI")
        assert f"by {OLD_EXPIRY[:10]} {OLD_EXPIRY[11:16]} UTC" in personal
        assert (
            "pulumi stack output apiKeys --stack rollout --show-secrets --json, key bob" in personal
        )
        assert summary.startswith(f"breeze-infra rotation of {STACK}: reminded 1: bob")

        cards = installed.cli("card", "--stack", STACK, "--consumer", "bob", env=_at(later))
        assert "Settings → Credentials → Add → Custom (OpenAI-compatible)" in cards.stdout
        plain_outputs = installed.pulumi_cmd("stack", "output", "--json", "--stack", STACK)
        seen = "\n".join(installed.transcript) + json.dumps(hook.bodies) + reminded.stdout
        seen += cards.stdout + plain_outputs.stdout
        for key in (*old.values(), *new.values()):
            assert key not in seen
    finally:
        hook.close()
        emulator.set_clock(lambda: NOW_MOMENT)
        installed.pulumi_cmd("destroy", "--yes", "--stack", STACK, env=_at(NEXT), check=False)
