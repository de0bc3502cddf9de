"""The life of the dev stack under the real engine, in order: each test builds on the last.

Config is set only with ``pulumi config set`` / ``--path``, as the README tells users; the
emulator is the one truth about which tokens are live.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from breeze_infra.sandbox.emulator import TokenEvent
from tests.e2e.conftest import ACCOUNT_ID, Sandbox

STACK = "dev"
NEXT_WINDOW = "2026-12-25T09:00:00Z"
"""30 days after NOW: window 693, held by slot b."""
THIRD_WINDOW = "2027-01-24T09:00:00Z"
"""Window 694, slot a again."""
MODELS = ["@cf/meta/llama-3.1-8b-instruct", "@cf/openai/gpt-oss-20b"]


def _live(sandbox: Sandbox) -> dict[str, str]:
    """This stack's live tokens minted through the API: id -> name."""
    named = {t.id: str((t.record or {})["name"]) for t in sandbox.emulator.minted_tokens()}
    return {key: name for key, name in named.items() if name.startswith(f"breeze-infra {STACK} ")}


def _events(sandbox: Sandbox) -> list[TokenEvent]:
    """This stack's token writes (other tests' stacks share the emulator)."""
    prefix = f"breeze-infra {STACK} "
    return [e for e in sandbox.emulator.token_events if e.name.startswith(prefix)]


def _outputs(sandbox: Sandbox) -> dict[str, object]:
    return dict(json.loads(sandbox.outputs_json(STACK)))


def _writes(events: list[TokenEvent]) -> list[tuple[str, str]]:
    return [(e.action, e.name) for e in events]


@pytest.fixture(scope="module")
def dev(installed: Sandbox) -> Sandbox:
    """The stack created from nothing: the committed stack file is removed first."""
    (installed.project / "stacks" / f"Pulumi.{STACK}.yaml").unlink()
    installed.pulumi_cmd("stack", "init", STACK)
    installed.pulumi_cmd("config", "set", "--stack", STACK, "breeze-infra:accountId", ACCOUNT_ID)
    for index, model in enumerate(MODELS):
        installed.pulumi_cmd(
            "config", "set", "--stack", STACK, "--path", f"breeze-infra:models[{index}].id", model
        )
    installed.pulumi_cmd(
        "config", "set", "--stack", STACK, "--path", "breeze-infra:token.rotationDays", "30"
    )
    return installed


def test_preview_then_up_creates_two_slots_in_the_emulator(dev: Sandbox) -> None:
    preview = dev.pulumi_cmd("preview", "--stack", STACK)
    assert "+ 4 to create" in preview.stdout
    assert _events(dev) == [], "a preview minted a token"

    dev.pulumi_cmd("up", "--yes", "--stack", STACK)
    live = _live(dev)
    assert sorted(live.values()) == [
        "breeze-infra dev slot-a w692 g0",
        "breeze-infra dev slot-b w691 g0",
    ]
    outputs = _outputs(dev)
    assert outputs["tokenName"] == "breeze-infra dev slot-a w692 g0"
    assert outputs["tokenId"] in live
    key = outputs["apiKey"]
    assert isinstance(key, str) and key in dev.emulator.minted_values()
    minted = next(t for t in dev.emulator.minted_tokens() if t.id == outputs["tokenId"])
    assert minted.record is not None
    assert minted.record["expires_on"] == outputs["expiresOn"] == "2027-01-02T00:00:00Z"
    assert minted.permissions == frozenset({"Workers AI Read"})
    assert minted.record["policies"][0]["resources"] == {
        f"com.cloudflare.api.account.{ACCOUNT_ID}": "*"
    }


def test_second_up_in_the_same_window_changes_nothing(dev: Sandbox) -> None:
    before = _events(dev)
    dev.pulumi_cmd("up", "--yes", "--expect-no-changes", "--stack", STACK)
    assert _events(dev) == before


def test_next_window_replaces_one_slot_creating_before_deleting(dev: Sandbox) -> None:
    old = _outputs(dev)
    start = len(_events(dev))
    preview = dev.pulumi_cmd("preview", "--stack", STACK, env={"BREEZE_NOW": NEXT_WINDOW})
    assert "1 to replace" in preview.stdout
    dev.pulumi_cmd("up", "--yes", "--stack", STACK, env={"BREEZE_NOW": NEXT_WINDOW})
    writes = _writes(_events(dev)[start:])
    assert writes == [
        ("create", "breeze-infra dev slot-b w693 g0"),
        ("delete", "breeze-infra dev slot-b w691 g0"),
    ], "exactly one slot replaced, the new token created before the old one is deleted"
    new = _outputs(dev)
    assert new["tokenName"] == "breeze-infra dev slot-b w693 g0"
    assert new["apiKey"] != old["apiKey"]
    assert new["tokenId"] in _live(dev) and old["tokenId"] in _live(dev)
    dev.pulumi_cmd(
        "up", "--yes", "--expect-no-changes", "--stack", STACK, env={"BREEZE_NOW": NEXT_WINDOW}
    )


def test_generation_bump_replaces_only_the_current_token(dev: Sandbox) -> None:
    start = len(_events(dev))
    dev.pulumi_cmd(
        "config", "set", "--stack", STACK, "--path", "breeze-infra:token.generation", "1"
    )
    dev.pulumi_cmd("up", "--yes", "--stack", STACK, env={"BREEZE_NOW": NEXT_WINDOW})
    assert _writes(_events(dev)[start:]) == [
        ("create", "breeze-infra dev slot-b w693 g1"),
        ("delete", "breeze-infra dev slot-b w693 g0"),
    ]
    assert sorted(_live(dev).values()) == [
        "breeze-infra dev slot-a w692 g0",
        "breeze-infra dev slot-b w693 g1",
    ]


def test_vault_entry_added_writes_the_key_as_a_secret_and_leaves_tokens(dev: Sandbox) -> None:
    start = len(_events(dev))
    for key, value in (
        ("secrets[0].backend", "pulumi-stack"),
        ("secrets[1].backend", "vault"),
        ("secrets[1].mount", "secret"),
        ("secrets[1].path", "breeze/dev"),
    ):
        # The CLI takes any key named like 'secrets' for a secret and refuses it without
        # --plaintext; the program refuses secure values in its namespace.
        dev.pulumi_cmd(
            "config", "set", "--plaintext", "--stack", STACK, "--path", f"breeze-infra:{key}", value
        )
    dev.pulumi_cmd("up", "--yes", "--stack", STACK, env={"BREEZE_NOW": NEXT_WINDOW})
    assert _events(dev)[start:] == []
    state = json.loads(dev.pulumi_cmd("stack", "export", "--stack", STACK).stdout)
    secrets = [
        r for r in state["deployment"]["resources"] if r["type"] == "vault:kv/secretV2:SecretV2"
    ]
    assert len(secrets) == 1
    data = secrets[0]["outputs"]["dataJson"]
    assert isinstance(data, dict) and "ciphertext" in data, "the key went to state unencrypted"
    assert secrets[0]["outputs"]["mount"] == "secret"
    assert secrets[0]["outputs"]["name"] == "breeze/dev"


def _vault_secret(dev: Sandbox) -> dict[str, object]:
    state = json.loads(dev.pulumi_cmd("stack", "export", "--stack", STACK).stdout)
    [found] = [
        r for r in state["deployment"]["resources"] if r["type"] == "vault:kv/secretV2:SecretV2"
    ]
    return dict(found)


def test_next_window_updates_the_vault_secret_in_place(dev: Sandbox) -> None:
    before = _vault_secret(dev)
    start = len(_events(dev))
    up = dev.pulumi_cmd("up", "--yes", "--stack", STACK, env={"BREEZE_NOW": THIRD_WINDOW})
    assert _writes(_events(dev)[start:]) == [
        ("create", "breeze-infra dev slot-a w694 g1"),
        ("delete", "breeze-infra dev slot-a w692 g0"),
    ]
    after = _vault_secret(dev)
    assert after["id"] == before["id"], "the vault secret was replaced, not updated"
    assert after["outputs"]["dataJson"] != before["outputs"]["dataJson"]  # type: ignore[index]
    assert re.search(r"~ +vault:kv(/secretV2)?:SecretV2 +\S+ +updated", up.stdout), up.stdout


def test_no_plaintext_key_in_state_or_anything_pulumi_printed(dev: Sandbox) -> None:
    minted = dev.emulator.minted_values()
    assert len(minted) >= 4
    export = dev.pulumi_cmd("stack", "export", "--stack", STACK).stdout
    state_files = [
        p.read_text(errors="replace")
        for p in Path(dev.env["PULUMI_BACKEND_URL"][7:]).rglob("*")
        if p.is_file()
    ]
    for key in minted:
        assert key not in export
        assert not any(key in text for text in state_files), "a key is in the backend's files"
        assert not any(key in text for text in dev.transcript), "a command printed a key"


def test_manifest_and_doctor_from_the_stack_outputs(dev: Sandbox) -> None:
    outputs = dev.outputs_json(STACK)
    manifest = dev.cli("manifest", "--from-outputs", "-", input=outputs)
    document = json.loads(manifest.stdout)
    assert [m["modelId"] for m in document["models"]] == MODELS
    assert document["credentials"][0]["apiKeyRef"] == (
        "pulumi-stack://breeze-infra/dev/outputs/apiKey"
    )
    doctor = dev.cli(
        "doctor",
        "--from-outputs",
        "-",
        "--stack",
        STACK,
        input=outputs,
        env={"BREEZE_NOW": THIRD_WINDOW},
    )
    verdicts = [line.split()[:3] for line in doctor.stdout.splitlines()]
    assert verdicts == [
        ["ok", "token", "active,"],
        ["ok", "route", "account"],
        *(["ok", "model", model] for model in MODELS),
    ], doctor.stdout
    key = json.loads(outputs)["apiKey"]
    assert dev.emulator.bearer_tokens().count(key) >= 1 + len(MODELS), "doctor did not use the key"


def test_destroy_leaves_no_live_token(dev: Sandbox) -> None:
    dev.pulumi_cmd("destroy", "--yes", "--stack", STACK, env={"BREEZE_NOW": THIRD_WINDOW})
    assert _live(dev) == {}
    deleted = [e for e in _events(dev) if e.action == "delete"]
    created = [e for e in _events(dev) if e.action == "create"]
    assert {e.token_id for e in deleted} == {e.token_id for e in created}
