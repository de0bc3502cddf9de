"""The token as registered: scope, expiry, IP condition, and rotation without downtime."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pulumi
import pytest

from breeze_infra import ArgsError, WorkersAiToken, WorkersAiTokenArgs
from breeze_infra.permissions import ACCOUNT_TOKEN, PERMISSION_GROUP_IDS, USER_TOKEN
from breeze_infra.resources.token import TYPE_TOKEN
from breeze_infra.rotation import plan_rotation, timestamp
from breeze_infra.sandbox.mocks import (
    ACCOUNT_GROUPS,
    USER_GROUPS,
    FakeCloudflare,
    Registration,
    SynthResult,
    unwrap_secrets,
)
from breeze_infra.sandbox.refusals import CloudflareRejected, check_token_inputs
from tests.conftest import ACCOUNT_ID, NOW, example_values, minimal_values
from tests.test_examples import run_under_mocks

READ_ID = PERMISSION_GROUP_IDS["read"]
WRITE_ID = PERMISSION_GROUP_IDS["write"]
Synth = Callable[..., SynthResult]


def slots(result: SynthResult, type_: str = ACCOUNT_TOKEN) -> dict[str, Registration]:
    return {r.name.rsplit("-", 1)[-1]: r for r in result.of_type(type_)}


def current_and_previous(
    result: SynthResult, rotation_days: int
) -> tuple[Registration, Registration]:
    plan = plan_rotation(result.now, rotation_days)
    by_slot = slots(result)
    return by_slot[plan.current.name], by_slot[plan.previous.name]


def test_two_slot_tokens_are_children_of_one_component(synth: Synth) -> None:
    result = synth(minimal_values())
    (component,) = result.of_type(TYPE_TOKEN)
    tokens = result.tokens
    assert sorted(t.name for t in tokens) == ["workers-ai-slot-a", "workers-ai-slot-b"]
    assert all(t.parent == component.urn for t in tokens)


def test_the_token_grants_workers_ai_read_on_one_account_and_nothing_else(synth: Synth) -> None:
    for token in synth(minimal_values()).tokens:
        assert token.inputs["accountId"] == ACCOUNT_ID
        (policy,) = token.inputs["policies"]
        assert policy["effect"] == "allow"
        assert policy["permissionGroups"] == [{"id": READ_ID}]
        assert isinstance(policy["resources"], str)
        assert json.loads(policy["resources"]) == {f"com.cloudflare.api.account.{ACCOUNT_ID}": "*"}


def test_write_adds_its_group_and_ids_are_sent_sorted(synth: Synth) -> None:
    result = synth(minimal_values(token={"permissions": ["write", "read"]}))
    for token in result.tokens:
        (policy,) = token.inputs["policies"]
        assert policy["permissionGroups"] == [{"id": READ_ID}, {"id": WRITE_ID}]


def test_expiry_is_always_set_and_not_before_never(synth: Synth) -> None:
    result = synth(minimal_values(token={"rotationDays": 7}))
    plan = plan_rotation(NOW, 7)
    by_slot = slots(result)
    for slot in (plan.a, plan.b):
        inputs = by_slot[slot.name].inputs
        assert inputs["expiresOn"] == timestamp(slot.expires_on)
        assert "notBefore" not in inputs


def test_ip_lists_become_the_request_ip_condition(synth: Synth) -> None:
    result = synth(example_values("prod"), stack="prod")
    for token in result.tokens:
        assert token.inputs["condition"] == {
            "requestIp": {
                "ins": ["203.0.113.0/24", "198.51.100.16/28", "2001:db8:4000::/48"],
                "notIns": ["203.0.113.128/25"],
            }
        }


def test_an_unrestricted_token_has_no_condition(synth: Synth) -> None:
    for token in synth(minimal_values()).tokens:
        assert "condition" not in token.inputs


def test_user_owned_tokens_use_the_user_api_and_user_groups(synth: Synth) -> None:
    result = synth(minimal_values(token={"owner": "user"}))
    assert result.of_type(ACCOUNT_TOKEN) == []
    tokens = result.of_type(USER_TOKEN)
    assert len(tokens) == 2
    assert all("accountId" not in t.inputs for t in tokens)
    (policy,) = tokens[0].inputs["policies"]
    assert json.loads(policy["resources"]) == {f"com.cloudflare.api.account.{ACCOUNT_ID}": "*"}
    assert result.issued["workers-ai-slot-a"].startswith("cfut_")


@pytest.mark.parametrize(
    ("models", "permissions", "lookups"),
    [(1, ["read"], 1), (200, ["read"], 1), (200, ["read", "write"], 2)],
)
def test_permission_group_lookups_do_not_grow_with_models(
    synth: Synth, models: int, permissions: list[str], lookups: int
) -> None:
    values = minimal_values(
        models=[{"id": f"@cf/test/model-{i}"} for i in range(models)],
        token={"permissions": permissions},
    )
    result = synth(values)
    assert len(result.lookups) == lookups
    assert {args["name"] for _, args in result.lookups} <= {
        "Workers AI Read",
        "Workers AI Write",
    }
    assert {token for token, _ in result.lookups} == {ACCOUNT_GROUPS}


def test_each_slot_replaces_rather_than_updates_and_only_the_previous_ignores_its_name(
    synth: Synth,
) -> None:
    current, previous = current_and_previous(synth(minimal_values()), 30)
    assert current.replace_on_changes == ("name", "expiresOn")
    assert previous.replace_on_changes == ("name", "expiresOn")
    assert current.ignore_changes == ()
    assert previous.ignore_changes == ("name",)
    assert not current.delete_before_replace
    assert not previous.delete_before_replace


def inputs_without_secrets(registration: Registration) -> dict[str, Any]:
    return unwrap_secrets(registration.inputs)[0]  # type: ignore[no-any-return]


def test_same_config_and_clock_give_identical_inputs(synth: Synth) -> None:
    first = synth(example_values("prod"), stack="prod")
    second = synth(example_values("prod"), stack="prod")
    assert [(r.urn, r.inputs) for r in sorted(first.registrations, key=lambda r: r.urn)] == [
        (r.urn, r.inputs) for r in sorted(second.registrations, key=lambda r: r.urn)
    ]
    assert first.outputs == second.outputs


def test_any_moment_inside_a_window_gives_the_same_inputs(synth: Synth) -> None:
    plan = plan_rotation(NOW, 7)
    early = synth(minimal_values(token={"rotationDays": 7}), now=plan.current.starts_on)
    late = synth(
        minimal_values(token={"rotationDays": 7}),
        now=plan.current.starts_on + timedelta(days=7) - timedelta(seconds=1),
    )
    assert slots(early)["a"].inputs == slots(late)["a"].inputs
    assert slots(early)["b"].inputs == slots(late)["b"].inputs


def test_crossing_a_window_replaces_the_new_windows_slot_and_keeps_the_other(synth: Synth) -> None:
    values = minimal_values(token={"rotationDays": 7})
    plan = plan_rotation(NOW, 7)
    next_window = plan.current.starts_on + timedelta(days=7)
    before = synth(values, now=next_window - timedelta(seconds=1))
    after = synth(values, now=next_window)
    old_current, old_previous = current_and_previous(before, 7)
    new_current, new_previous = current_and_previous(after, 7)
    # The slot that held the previous window now holds the new one: name and expiry change,
    # both in replaceOnChanges, so the engine mints a new secret.
    assert new_current.name == old_previous.name
    assert new_current.inputs["name"] != old_previous.inputs["name"]
    assert new_current.inputs["expiresOn"] != old_previous.inputs["expiresOn"]
    # The token consumers hold stays exactly as it was, now as the previous slot.
    assert new_previous.name == old_current.name
    assert new_previous.inputs == old_current.inputs
    assert after.outputs["apiKey"] != before.outputs["apiKey"]


def test_bumping_generation_replaces_only_the_current_token(synth: Synth) -> None:
    before = synth(minimal_values(token={"generation": 0}))
    after = synth(minimal_values(token={"generation": 1}))
    old_current, old_previous = current_and_previous(before, 30)
    new_current, new_previous = current_and_previous(after, 30)
    assert new_current.inputs["name"] != old_current.inputs["name"]
    assert "name" in new_current.replace_on_changes
    # The previous slot's name changes too, but it ignores name changes: no diff, no replacement.
    assert "name" in new_previous.ignore_changes
    assert {k: v for k, v in new_previous.inputs.items() if k != "name"} == {
        k: v for k, v in old_previous.inputs.items() if k != "name"
    }


def test_the_bumped_token_is_kept_when_it_becomes_the_previous_slot(synth: Synth) -> None:
    values = minimal_values(token={"rotationDays": 7, "generation": 4})
    plan = plan_rotation(NOW, 7)
    now_current, _ = current_and_previous(synth(values), 7)
    later = synth(values, now=plan.current.starts_on + timedelta(days=7))
    _, later_previous = current_and_previous(later, 7)
    assert later_previous.inputs == now_current.inputs


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": "x" * 121}, "token name must be 1-120 characters"),
        ({"expiresOn": "2027-01-01"}, "expiresOn must look like"),
        ({"policies": []}, "at least one policy"),
        (
            {
                "policies": [
                    {
                        "effect": "allow",
                        "permissionGroups": [{"id": READ_ID}],
                        "resources": {"a": "*"},
                    }
                ]
            },
            "JSON string",
        ),
        (
            {
                "policies": [
                    {"effect": "allow", "permissionGroups": [{"id": "nope"}], "resources": "{}"}
                ]
            },
            "unknown or missing permission groups",
        ),
        (
            {
                "policies": [
                    {
                        "effect": "allow",
                        "permissionGroups": [{"id": READ_ID}],
                        "resources": '{"com.cloudflare.api.account.XYZ": "*"}',
                    }
                ]
            },
            "name no valid account",
        ),
        ({"condition": {"requestIp": {"ins": ["not-a-cidr"]}}}, "invalid CIDR"),
    ],
)
def test_the_fake_cloudflare_rejects_what_the_api_rejects(
    change: dict[str, Any], message: str
) -> None:
    good = {
        "accountId": ACCOUNT_ID,
        "name": "breeze-infra dev slot-a w1 g0",
        "expiresOn": "2027-01-01T00:00:00Z",
        "policies": [
            {
                "effect": "allow",
                "permissionGroups": [{"id": READ_ID}],
                "resources": json.dumps({f"com.cloudflare.api.account.{ACCOUNT_ID}": "*"}),
            }
        ],
    }
    check_token_inputs(good)
    with pytest.raises(CloudflareRejected, match=message):
        check_token_inputs({**good, **change})


def test_user_lookups_use_the_user_data_source(synth: Synth) -> None:
    result = synth(minimal_values(token={"owner": "user"}))
    ((token, args),) = result.lookups
    assert token == USER_GROUPS
    assert "accountId" not in args


# The component as another team's program uses it: plain args, the stack file's rules.


def token_program(**overrides: Any) -> Callable[[], None]:
    def program() -> None:
        args = {"account_id": ACCOUNT_ID, "now": NOW, **overrides}
        token = WorkersAiToken("ai", WorkersAiTokenArgs(**args))
        pulumi.export("apiKey", token.value)
        pulumi.export("baseUrl", token.base_url)
        pulumi.export("tokenName", token.token_name)
        pulumi.export("expiresOn", token.expires_on)
        pulumi.export("tokenId", token.token_id)

    return program


def test_a_team_gets_the_rotating_key_and_its_endpoint_from_plain_args() -> None:
    run = run_under_mocks(token_program(rotation_days=7, consumer="alice"), stack="prod")
    plan = plan_rotation(NOW, 7)
    current = f"ai-slot-{plan.current.name}"
    assert run.outputs == {
        "apiKey": run.issued[current],
        "baseUrl": f"https://api.cloudflare.com/client/v4/accounts/{ACCOUNT_ID}/ai/v1",
        "tokenName": f"breeze-infra prod/alice slot-{plan.current.name} w{plan.window} g0",
        "expiresOn": timestamp(plan.current.expires_on),
        "tokenId": run.outputs["tokenId"],
    }
    assert run.secret_outputs == {"apiKey"}
    (component,) = [r for r in run.registrations if r.type == TYPE_TOKEN]
    assert {r.name for r in run.registrations if r.parent == component.urn} == {
        "ai-slot-a",
        "ai-slot-b",
    }


def test_the_stack_name_defaults_to_the_running_stack() -> None:
    run = run_under_mocks(token_program(), stack="qa")
    assert run.outputs["tokenName"].startswith("breeze-infra qa slot-")


def test_without_now_the_clock_is_breeze_now(monkeypatch: pytest.MonkeyPatch) -> None:
    later = NOW + timedelta(days=31)
    monkeypatch.setenv("BREEZE_NOW", timestamp(later))
    run = run_under_mocks(token_program(now=None))
    assert run.outputs["expiresOn"] == timestamp(plan_rotation(later, 30).current.expires_on)


def test_tokens_of_one_deployment_share_one_permission_group_look_up() -> None:
    def program() -> None:
        for name in ("alice", "bob", "carol"):
            WorkersAiToken(name, WorkersAiTokenArgs(ACCOUNT_ID, consumer=name, now=NOW))

    fake = FakeCloudflare()
    run_under_mocks(program, fake=fake)
    assert len(fake.lookups) == 1
    again = FakeCloudflare()
    run_under_mocks(program, fake=again)
    assert len(again.lookups) == 1


@pytest.mark.parametrize(
    ("overrides", "line"),
    [
        (
            {"rotation_days": 0},
            "rotation_days: Input should be greater than or equal to 1 (got 0)",
        ),
        ({"owner": "team"}, "owner: Input should be 'account' or 'user' (got \"team\")"),
        ({"permissions": ["read", "read"]}, "permissions: each permission may be listed once"),
        (
            {"allowed_cidrs": ["10.0.0.0/8"], "denied_cidrs": ["10.1.0.0/16", "10.0.0.0/8"]},
            "10.0.0.0/8 is both allowed and denied",
        ),
        ({"allowed_cidrs": ["10.0.0.1/8"]}, "allowed_cidrs: '10.0.0.1/8' is not an IPv4 or IPv6"),
        ({"account_id": "x"}, "account_id: 'x' is not a Cloudflare account id"),
        ({"consumer": "Alice"}, "consumer: 'Alice' is not a consumer name"),
        (
            {"stack": "s" * 94},
            "stack: token names would reach 126 characters; Cloudflare allows 120",
        ),
        ({"now": datetime(2026, 1, 1)}, "now: 2026-01-01T00:00:00 must carry a time zone"),
    ],
)
def test_a_bad_arg_is_one_line_naming_the_component_and_the_arg_before_any_resource(
    overrides: dict[str, Any], line: str
) -> None:
    fake = FakeCloudflare()
    with pytest.raises(ArgsError) as caught:
        run_under_mocks(token_program(**overrides), fake=fake)
    (message,) = str(caught.value).splitlines()
    assert message.startswith(f"WorkersAiToken 'ai': {line}")
    assert fake.created == []
    assert fake.lookups == []


def test_a_token_pasted_into_an_arg_is_refused_without_being_quoted() -> None:
    pasted = "cfat_" + "Q" * 40
    with pytest.raises(ArgsError) as caught:
        run_under_mocks(token_program(account_id=pasted))
    assert pasted not in str(caught.value)
    assert str(caught.value).startswith("WorkersAiToken 'ai': account_id: ")


def test_a_missing_permission_group_stops_the_program_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("breeze_infra.sandbox.mocks.PERMISSION_GROUPS", ())
    fake = FakeCloudflare()
    with pytest.raises(pulumi.RunError, match=r"^Cloudflare lists no account-scoped permission"):
        run_under_mocks(token_program(), fake=fake)
    assert fake.created == []
