"""The strict fake provider under the real engine: state as the Terraform provider keeps it.

``up`` then ``preview --expect-no-changes`` holds only if the program writes what the provider
stores (the API's raw ``resources`` text); a token found expired or deleted by hand is dropped from
state by a refresh (terraform-provider-cloudflare v5.19.1+ ``account_token/resource.go``) and the
next ``up`` mints it again. Its own stack, so the dev stack's sequence is untouched.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from breeze_infra.sandbox.emulator import DEFAULT_TOKEN, TokenEvent
from tests.e2e.conftest import ACCOUNT_ID, NOW, NOW_MOMENT, Sandbox

STACK = "refresh"
MISSED = "2027-01-24T09:00:00Z"
"""Window 694: window 693 was never deployed, and both tokens of the first ``up`` have expired."""


def _events(sandbox: Sandbox) -> list[TokenEvent]:
    prefix = f"breeze-infra {STACK} "
    return [e for e in sandbox.emulator.token_events if e.name.startswith(prefix)]


def _state_tokens(sandbox: Sandbox) -> list[dict[str, object]]:
    state = json.loads(sandbox.pulumi_cmd("stack", "export", "--stack", STACK).stdout)
    return [
        dict(r)
        for r in state["deployment"]["resources"]
        if r["type"] == "cloudflare:index/accountToken:AccountToken"
    ]


def _status(sandbox: Sandbox, token_id: object) -> str | None:
    """The status Cloudflare's API (the emulator) reports for a token id; None when it is gone."""
    answer = httpx.get(
        f"{sandbox.emulator.base_url}/accounts/{ACCOUNT_ID}/tokens/{token_id}",
        headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"},
        timeout=30,
    )
    if answer.status_code == 404:
        return None
    return str(answer.json()["result"]["status"])


def _resources(token: dict[str, object]) -> list[object]:
    outputs = token["outputs"]
    assert isinstance(outputs, dict)
    return [json.loads(policy["resources"]) for policy in outputs["policies"]]


@pytest.fixture(scope="module")
def stack(installed: Sandbox) -> Iterator[Sandbox]:
    installed.pulumi_cmd("stack", "init", STACK)
    installed.pulumi_cmd("config", "set", "--stack", STACK, "breeze-infra:accountId", ACCOUNT_ID)
    installed.pulumi_cmd(
        "config",
        "set",
        "--stack",
        STACK,
        "--path",
        "breeze-infra:models[0].id",
        "@cf/meta/llama-3.1-8b-instruct",
    )
    installed.pulumi_cmd(
        "config", "set", "--stack", STACK, "--path", "breeze-infra:token.rotationDays", "30"
    )
    yield installed
    installed.emulator.set_clock(lambda: NOW_MOMENT)
    installed.pulumi_cmd("destroy", "--yes", "--stack", STACK, env={"BREEZE_NOW": MISSED})


def _at(sandbox: Sandbox, moment: str) -> None:
    when = datetime.strptime(moment, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    sandbox.emulator.set_clock(lambda: when)


def test_up_then_preview_expects_no_changes_under_the_strict_fake(stack: Sandbox) -> None:
    _at(stack, NOW)
    stack.pulumi_cmd("up", "--yes", "--stack", STACK)
    stack.pulumi_cmd("preview", "--expect-no-changes", "--stack", STACK)
    resources = [r for token in _state_tokens(stack) for r in _resources(token)]
    assert resources == [{f"com.cloudflare.api.account.{ACCOUNT_ID}": "*"}] * 2


def test_a_token_deleted_by_hand_is_dropped_by_refresh_and_minted_again(stack: Sandbox) -> None:
    _at(stack, NOW)
    [outputs] = [json.loads(stack.outputs_json(STACK))]
    current = next(t for t in stack.emulator.minted_tokens() if t.id == outputs["tokenId"])
    stack.emulator.remove_token(current.value)
    stack.pulumi_cmd("refresh", "--yes", "--stack", STACK)
    assert outputs["tokenId"] not in [t["id"] for t in _state_tokens(stack)]
    start = len(_events(stack))
    stack.pulumi_cmd("up", "--yes", "--stack", STACK)
    assert [(e.action, e.name) for e in _events(stack)[start:]] == [
        ("create", str(current.record["name"]) if current.record else "")
    ]
    after = json.loads(stack.outputs_json(STACK))
    assert _status(stack, after["tokenId"]) == "active"
    stack.pulumi_cmd("preview", "--expect-no-changes", "--stack", STACK)


def test_a_missed_window_recovers_in_one_up_with_refresh(stack: Sandbox) -> None:
    before = [t["id"] for t in _state_tokens(stack)]
    _at(stack, MISSED)
    assert {_status(stack, token_id) for token_id in before} == {"expired"}
    stack.pulumi_cmd("up", "--yes", "--refresh", "--stack", STACK, env={"BREEZE_NOW": MISSED})
    tokens = _state_tokens(stack)
    assert len(tokens) == 2
    assert {_status(stack, t["id"]) for t in tokens} == {"active"}, "an expired token in state"
    outputs = json.loads(stack.outputs_json(STACK))
    key = outputs["apiKey"]
    holder = next(t for t in stack.emulator.minted_tokens() if t.value == key)
    assert _status(stack, holder.id) == "active"
    assert outputs["tokenName"] == "breeze-infra refresh slot-a w694 g0"
    stack.pulumi_cmd("preview", "--expect-no-changes", "--stack", STACK, env={"BREEZE_NOW": MISSED})
