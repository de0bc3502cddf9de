"""Consumers under the real engine: one added gets its own two tokens, one revoked loses them."""

from __future__ import annotations

import json

from tests.e2e.conftest import ACCOUNT_ID, Sandbox

STACK = "team"


def _live_names(sandbox: Sandbox) -> list[str]:
    return sorted(str((t.record or {})["name"]) for t in sandbox.emulator.minted_tokens())


def _set(sandbox: Sandbox, key: str, value: str) -> None:
    sandbox.pulumi_cmd("config", "set", "--stack", STACK, "--path", f"breeze-infra:{key}", value)


def test_consumer_added_then_revoked(installed: Sandbox) -> None:
    installed.pulumi_cmd("stack", "init", STACK)
    _set(installed, "accountId", ACCOUNT_ID)
    _set(installed, "models[0].id", "@cf/meta/llama-3.1-8b-instruct")
    _set(installed, "consumers[0].name", "alice")
    installed.pulumi_cmd("up", "--yes", "--stack", STACK)
    before = [n for n in _live_names(installed) if n.startswith(f"breeze-infra {STACK}/")]
    assert before == [
        "breeze-infra team/alice slot-a w692 g0",
        "breeze-infra team/alice slot-b w691 g0",
    ]

    start = len(installed.emulator.token_events)
    _set(installed, "consumers[1].name", "bob")
    installed.pulumi_cmd("up", "--yes", "--stack", STACK)
    added = installed.emulator.token_events[start:]
    assert sorted((e.action, e.name) for e in added) == [
        ("create", "breeze-infra team/bob slot-a w692 g0"),
        ("create", "breeze-infra team/bob slot-b w691 g0"),
    ], "adding bob touched alice's tokens"
    outputs = json.loads(
        installed.pulumi_cmd(
            "stack", "output", "--json", "--show-secrets", "--stack", STACK, record=False
        ).stdout
    )
    assert sorted(outputs["apiKeys"]) == ["alice", "bob"]
    assert outputs["apiKeys"]["alice"] != outputs["apiKeys"]["bob"]

    start = len(installed.emulator.token_events)
    _set(installed, "consumers[1].revoked", "true")
    installed.pulumi_cmd("up", "--yes", "--stack", STACK)
    revoked = installed.emulator.token_events[start:]
    assert sorted((e.action, e.name) for e in revoked) == [
        ("delete", "breeze-infra team/bob slot-a w692 g0"),
        ("delete", "breeze-infra team/bob slot-b w691 g0"),
    ]
    outputs = json.loads(
        installed.pulumi_cmd(
            "stack", "output", "--json", "--show-secrets", "--stack", STACK, record=False
        ).stdout
    )
    assert sorted(outputs["apiKeys"]) == ["alice"]
    installed.pulumi_cmd("destroy", "--yes", "--stack", STACK)
    assert not [n for n in _live_names(installed) if n.startswith(f"breeze-infra {STACK}/")]
