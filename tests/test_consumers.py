"""A token per consumer: resolution, revocation, quotas, and names that never move."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from breeze_infra.config import ConfigError, config_warnings, parse_config
from breeze_infra.consumers import audiences, find
from breeze_infra.sandbox.mocks import SynthResult, redact
from tests.conftest import minimal_values

Synth = Callable[..., SynthResult]
MODELS = [{"id": "@cf/meta/llama-3.1-8b-instruct"}, {"id": "@cf/openai/gpt-oss-20b"}]
VAULT = {"backend": "vault", "mount": "kv", "path": "breeze/{stack}/{consumer}"}


def team(*consumers: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    return minimal_values(models=MODELS, consumers=list(consumers), **overrides)


def problems(values: dict[str, Any], stack: str = "dev") -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(values, "Pulumi.dev.yaml", stack)
    return caught.value.lines()


def test_without_consumers_the_resources_keep_their_single_token_urns(synth: Synth) -> None:
    result = synth(minimal_values())
    assert sorted(r.urn for r in result.registrations) == [
        "urn:pulumi:dev::breeze-infra::breeze:index:WorkersAiToken$cloudflare:index/accountToken:AccountToken::workers-ai-slot-a",
        "urn:pulumi:dev::breeze-infra::breeze:index:WorkersAiToken$cloudflare:index/accountToken:AccountToken::workers-ai-slot-b",
        "urn:pulumi:dev::breeze-infra::pulumi:pulumi:Stack$breeze:index:WorkersAiToken::workers-ai",
    ]
    assert set(result.outputs) == {
        "baseUrl",
        "apiKey",
        "apiKeyRef",
        "tokenId",
        "tokenName",
        "expiresOn",
        "manifest",
    }


def test_each_consumer_gets_its_own_two_slot_token_and_manifest(synth: Synth) -> None:
    result = synth(team({"name": "alice"}, {"name": "bob", "models": ["@cf/openai/gpt-oss-20b"]}))
    names = sorted(r.name for r in result.tokens)
    assert names == [
        "workers-ai-alice-slot-a",
        "workers-ai-alice-slot-b",
        "workers-ai-bob-slot-a",
        "workers-ai-bob-slot-b",
    ]
    consumers = result.outputs["consumers"]
    assert set(consumers) == {"alice", "bob"}
    assert consumers["alice"]["tokenName"].startswith("breeze-infra dev/alice slot-")
    assert [m["modelId"] for m in consumers["bob"]["manifest"]["models"]] == [
        "@cf/openai/gpt-oss-20b"
    ]
    assert consumers["bob"]["manifest"]["consumer"] == "bob"
    assert consumers["bob"]["apiKeyRef"] == "pulumi-stack://breeze-infra/dev/outputs/apiKeys/bob"


def test_consumer_keys_are_one_secret_output_keyed_by_consumer(synth: Synth) -> None:
    result = synth(team({"name": "alice"}, {"name": "bob"}))
    assert result.secret_outputs == {"apiKeys"}
    assert set(result.outputs["apiKeys"]) == {"alice", "bob"}
    assert result.outputs["apiKeys"]["alice"] != result.outputs["apiKeys"]["bob"]
    visible = str([redact(r.inputs) for r in result.registrations]) + str(result.redacted_outputs())
    assert not any(value in visible for value in result.issued.values())


def test_revoked_and_removed_consumers_get_no_resources(synth: Synth) -> None:
    result = synth(team({"name": "alice"}, {"name": "bob", "revoked": True}))
    assert all("bob" not in r.name for r in result.registrations)
    assert set(result.outputs["consumers"]) == {"alice"}


def test_consumer_ip_lists_replace_the_stacks(synth: Synth) -> None:
    values = team(
        {"name": "office", "allowedCidrs": ["192.0.2.0/24"]},
        {"name": "anywhere", "allowedCidrs": []},
        token={"allowedCidrs": ["198.51.100.0/24"]},
    )
    tokens = {r.name: r.inputs for r in synth(values).tokens}
    assert tokens["workers-ai-office-slot-a"]["condition"] == {
        "requestIp": {"ins": ["192.0.2.0/24"]}
    }
    assert "condition" not in tokens["workers-ai-anywhere-slot-a"]


def test_placeholders_give_each_consumer_its_own_secret_path(synth: Synth) -> None:
    result = synth(team({"name": "alice"}, {"name": "bob"}, secrets=[VAULT]))
    paths = sorted(r.inputs["name"] for r in result.secret_writes)
    assert paths == ["breeze/dev/alice", "breeze/dev/bob"]
    assert result.outputs["consumers"]["alice"]["apiKeyRef"].startswith("vault:kv/breeze/dev/alice")


def test_permission_group_lookups_stay_constant_with_consumers(synth: Synth) -> None:
    result = synth(team(*({"name": f"c{i}"} for i in range(30))))
    assert len(result.lookups) == 1


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            team({"name": "Alice"}),
            "Pulumi.dev.yaml: breeze-infra:consumers[0].name: 'Alice' is not a consumer name",
        ),
        (
            team({"name": "a"}, {"name": "a"}),
            "Pulumi.dev.yaml: breeze-infra:consumers[1].name: 'a' is listed twice",
        ),
        (
            team({"name": "a", "models": ["@cf/x/y"]}),
            "Pulumi.dev.yaml: breeze-infra:consumers[0].models[0]: '@cf/x/y' is not one of this stack's models",
        ),
        (
            team(
                {"name": "a"},
                {"name": "b"},
                secrets=[{"backend": "vault", "mount": "kv", "path": "shared"}],
            ),
            # the consumers copy the stack's entry: the problem is named at the entry written
            "Pulumi.dev.yaml: breeze-infra:secrets[0]: writes to the same vault target",
        ),
        (
            team({"name": "a", "colour": "red"}),
            "Pulumi.dev.yaml: breeze-infra:consumers[0].colour: unknown key",
        ),
        (
            team({"name": "a", "secrets": [{"backend": "vault", "mount": "kv"}]}),
            "Pulumi.dev.yaml: breeze-infra:consumers[0].secrets[0].path: required key is missing",
        ),
        (
            team({"name": "a", "contact": {}}),
            "Pulumi.dev.yaml: breeze-infra:consumers[0].contact: give at least one of email, "
            "github, slack",
        ),
        (
            team({"name": "a", "contact": {"email": "alice at example"}}),
            "Pulumi.dev.yaml: breeze-infra:consumers[0].contact.email: 'alice at example' is not "
            "an e-mail address",
        ),
        (
            team({"name": "a", "contact": {"github": "@alice"}}),
            "Pulumi.dev.yaml: breeze-infra:consumers[0].contact.github: '@alice' is not a GitHub "
            "login without '@'",
        ),
        (
            team({"name": "a", "contact": {"slack": "alice"}}),
            "Pulumi.dev.yaml: breeze-infra:consumers[0].contact.slack: 'alice' is not a Slack "
            "member id",
        ),
        (
            team({"name": "a", "contact": {"phone": "123"}}),
            "Pulumi.dev.yaml: breeze-infra:consumers[0].contact.phone: unknown key",
        ),
        (
            team({"name": "a", "rotationDays": 0}),
            "Pulumi.dev.yaml: breeze-infra:consumers[0].rotationDays:",
        ),
        (
            team({"name": "a", "rotationDays": 366}),
            "Pulumi.dev.yaml: breeze-infra:consumers[0].rotationDays:",
        ),
    ],
)
def test_consumer_mistakes_name_the_key(values: dict[str, Any], expected: str) -> None:
    (line,) = problems(values)
    assert line.startswith(expected)


def test_token_names_must_fit_cloudflares_limit() -> None:
    (line,) = problems(team({"name": "c" * 40}), stack="s" * 70)
    assert "token names for" in line and "Cloudflare allows 120" in line


def test_account_token_quota_is_an_error_above_and_a_warning_near_it() -> None:
    over = team(*({"name": f"c{i}"} for i in range(251)))
    (line,) = problems(over)
    assert line == (
        "Pulumi.dev.yaml: breeze-infra:consumers: 251 active consumers need 502 tokens "
        "(two slots each); Cloudflare allows 500 account tokens"
    )
    near = parse_config(team(*({"name": f"c{i}"} for i in range(201))), "x", "dev")
    assert config_warnings(near) == [
        (
            "breeze-infra:consumers",
            "402 tokens use 80% of Cloudflare's quota of 500 account tokens (other tokens count too)",
        )
    ]
    revoked = team(*({"name": f"c{i}", "revoked": i >= 10} for i in range(300)))
    assert config_warnings(parse_config(revoked, "x", "dev")) == []


def test_user_tokens_count_against_the_per_user_quota() -> None:
    (line,) = problems(team(*({"name": f"c{i}"} for i in range(26)), token={"owner": "user"}))
    assert line.endswith("Cloudflare allows 50 user tokens")


def test_find_names_the_consumer_or_says_which_exist() -> None:
    config = parse_config(team({"name": "alice"}, {"name": "bob", "revoked": True}), "x", "dev")
    assert find(config, "alice").name == "alice"
    with pytest.raises(LookupError, match=r"no active consumer 'bob' \(active: alice\)"):
        find(config, "bob")
    with pytest.raises(LookupError, match="--consumer"):
        find(config, None)
    assert [a.name for a in audiences(config)] == ["alice"]


def test_a_consumers_ip_lists_must_not_overlap_the_stacks() -> None:
    values = team(
        {"name": "office", "allowedCidrs": ["192.0.2.0/24"]},
        token={"deniedCidrs": ["192.0.2.0/24"]},
    )
    assert problems(values) == [
        "Pulumi.dev.yaml: breeze-infra:consumers[0]: 192.0.2.0/24 is both allowed and denied for "
        "its token"
    ]


def test_long_stack_names_are_refused_before_cloudflare_would() -> None:
    (line,) = problems(minimal_values(), stack="p" * 110)
    assert line.startswith("Pulumi.dev.yaml: breeze-infra:token: token names for stack 'ppp")
    assert line.endswith("Cloudflare allows 120: use a shorter stack name")


def test_a_contact_that_holds_a_token_is_refused_without_echoing_it() -> None:
    pasted = "cfat_" + "k" * 40
    (line,) = problems(team({"name": "a", "contact": {"email": pasted}}))
    assert line.startswith("Pulumi.dev.yaml: breeze-infra:consumers[0].contact.email:")
    assert pasted not in line


def test_a_contact_is_mentioned_the_way_its_chat_notifies() -> None:
    config = parse_config(
        team(
            {"name": "a", "contact": {"email": "a@example.com", "slack": "U012AB3CDE"}},
            {"name": "b", "contact": {"email": "b@example.com", "github": "bee"}},
            {"name": "c", "contact": {"email": "c@example.com"}},
        ),
        "x",
        "dev",
    )
    assert [a.contact.mention for a in audiences(config) if a.contact] == [
        "<@U012AB3CDE>",
        "@bee",
        "c@example.com",
    ]


def test_a_consumers_rotation_days_replace_the_stacks_for_its_token_only(synth: Synth) -> None:
    values = team(
        {"name": "person", "rotationDays": 90}, {"name": "app"}, token={"rotationDays": 7}
    )
    config = parse_config(values, "x", "dev")
    assert {a.name: a.token.rotation_days for a in audiences(config)} == {"person": 90, "app": 7}
    result = synth(values)
    expiries = {
        name: out["manifest"]["credentials"][0]["expiresOn"]
        for name, out in result.outputs["consumers"].items()
    }
    by_token = {r.name: r.inputs["name"] for r in result.tokens}
    assert expiries["person"] != expiries["app"]
    assert {n: out["expiresOn"] for n, out in result.outputs["consumers"].items()} == expiries
    person_windows = {n for k, n in by_token.items() if "person" in k}
    app_windows = {n for k, n in by_token.items() if "-app-" in k}
    assert person_windows.isdisjoint(app_windows)
    assert config.rotation_days_of("person") == 90
    assert config.rotation_days_of("app") == 7
