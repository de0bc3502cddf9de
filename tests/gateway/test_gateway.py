"""``breeze-infra:gateway``: what the key accepts, the ids and URLs it derives, and its rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from breeze_infra.config import ConfigError, parse_config
from breeze_infra.gateway import (
    GATEWAY_ID,
    gateway_base_url,
    gateway_id,
    gateway_ids,
    gateway_root,
    stack_base_url,
)
from tests.conftest import ACCOUNT_ID, CliRun, minimal_values, write_stack

GATEWAY_URL = f"https://gateway.ai.cloudflare.com/v1/{ACCOUNT_ID}/breeze-infra-dev/workers-ai/v1"


def problems(values: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(values, "stacks/Pulumi.dev.yaml", "dev")
    return caught.value.lines()


def consumers(count: int) -> list[dict[str, str]]:
    return [{"name": f"c{index}"} for index in range(count)]


def test_an_empty_object_turns_the_gateway_on_with_a_rate_limit_and_logs() -> None:
    config = parse_config(minimal_values(gateway={}), "x", "dev")
    assert config.gateway is not None
    limit = config.gateway.rate_limit
    assert (limit.requests, limit.per_seconds, limit.technique) == (240, 60, "sliding")
    assert config.gateway.logs_retained == 10_000
    assert config.gateway.cache is None
    assert config.gateway.spend_limit is None


def test_without_the_key_there_is_no_gateway_and_the_base_url_is_workers_ai() -> None:
    config = parse_config(minimal_values(), "x", "dev")
    assert config.gateway is None
    assert gateway_ids(config, "dev") == {}
    assert stack_base_url(config, "dev") == (
        f"https://api.cloudflare.com/client/v4/accounts/{ACCOUNT_ID}/ai/v1"
    )


def test_with_the_gateway_on_the_base_url_goes_through_it() -> None:
    config = parse_config(minimal_values(gateway={}), "x", "dev")
    assert stack_base_url(config, "dev") == GATEWAY_URL


def test_every_setting_is_read() -> None:
    config = parse_config(
        minimal_values(
            gateway={
                "rateLimit": {"requests": 50, "perSeconds": 10, "technique": "fixed"},
                "spendLimit": {"dollars": 25.5, "days": 7},
                "logs": "off",
                "cache": {"ttlSeconds": 300},
                "dlpProfiles": ["0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"],
                "plan": "free",
            }
        ),
        "x",
        "dev",
    )
    settings = config.gateway
    assert settings is not None
    assert settings.rate_limit.technique == "fixed"
    assert settings.spend_limit is not None and settings.spend_limit.days == 7
    assert settings.logs_retained is None
    assert settings.cache is not None and settings.cache.ttl_seconds == 300


@pytest.mark.parametrize(
    ("gateway", "expected"),
    [
        (
            {"ratelimit": {}},
            "breeze-infra:gateway.ratelimit: unknown key (did you mean `rateLimit`?)",
        ),
        ({"rateLimit": {"requests": 0}}, "breeze-infra:gateway.rateLimit.requests: "),
        ({"rateLimit": {"technique": "leaky"}}, "breeze-infra:gateway.rateLimit.technique: "),
        ({"spendLimit": {"days": 3}}, "breeze-infra:gateway.spendLimit.dollars: required key"),
        ({"logs": "no"}, "breeze-infra:gateway.logs"),
        ({"plan": "enterprise"}, "breeze-infra:gateway.plan: "),
        ({"dlpProfiles": ["pii"]}, "breeze-infra:gateway.dlpProfiles[0]: 'pii' is not a DLP"),
    ],
)
def test_mistakes_name_the_key(gateway: dict[str, Any], expected: str) -> None:
    lines = problems(minimal_values(gateway=gateway))
    assert any(line.startswith(f"stacks/Pulumi.dev.yaml: {expected}") for line in lines), lines


def test_a_cache_on_a_shared_gateway_is_refused_unless_acknowledged() -> None:
    shared = minimal_values(consumers=consumers(2), gateway={"cache": {"ttlSeconds": 60}})
    assert problems(shared) == [
        "stacks/Pulumi.dev.yaml: breeze-infra:gateway.cache: a cache on a gateway shared by 2 "
        "consumers can serve one consumer another's cached answer; set perConsumer: true, remove "
        "the cache, or set sharedCacheAcknowledged: true"
    ]
    acknowledged = {**shared["gateway"], "sharedCacheAcknowledged": True}
    parse_config({**shared, "gateway": acknowledged}, "x", "dev")
    own = {**shared["gateway"], "perConsumer": True}
    parse_config({**shared, "gateway": own}, "x", "dev")


@pytest.mark.parametrize(("plan", "limit"), [("free", 10), ("paid", 20)])
def test_per_consumer_gateways_must_fit_the_plan(plan: str, limit: int) -> None:
    gateway = {"perConsumer": True, "plan": plan}
    parse_config(minimal_values(consumers=consumers(limit), gateway=gateway), "x", "dev")
    (line,) = problems(minimal_values(consumers=consumers(limit + 1), gateway=gateway))
    assert line.startswith(
        f"stacks/Pulumi.dev.yaml: breeze-infra:gateway.perConsumer: {limit + 1} active consumers "
        f"need {limit + 1} gateways; Cloudflare's {plan} plan allows {limit} per account"
    )


def test_revoked_consumers_need_no_gateway() -> None:
    listed = [*consumers(20), {"name": "gone", "revoked": True}]
    config = parse_config(
        minimal_values(consumers=listed, gateway={"perConsumer": True}), "x", "dev"
    )
    ids = gateway_ids(config, "dev")
    assert "gone" not in ids
    assert ids["c0"] == "breeze-infra-dev-c0"
    assert len(set(ids.values())) == 20


def test_a_shared_gateway_serves_every_consumer() -> None:
    config = parse_config(minimal_values(consumers=consumers(3), gateway={}), "x", "dev")
    assert set(gateway_ids(config, "dev").values()) == {"breeze-infra-dev"}
    assert stack_base_url(config, "dev", "c2") == GATEWAY_URL


@pytest.mark.parametrize(
    ("stack", "consumer"),
    [("dev", None), ("Prod_EU.1", None), ("x" * 100, "alice"), ("--", None), ("dev", "a-b")],
)
def test_gateway_ids_follow_the_id_rules_and_are_stable(stack: str, consumer: str | None) -> None:
    first = gateway_id("breeze-infra", stack, consumer)
    assert GATEWAY_ID.fullmatch(first)
    assert 1 <= len(first) <= 64
    assert gateway_id("breeze-infra", stack, consumer) == first


def test_stacks_differing_only_in_case_get_different_gateways() -> None:
    assert gateway_id("breeze-infra", "Prod") != gateway_id("breeze-infra", "prod")


def test_the_gateway_host_is_overridable_for_tests_and_the_sandbox() -> None:
    assert gateway_root({}) == "https://gateway.ai.cloudflare.com/v1"
    root = gateway_root({"CLOUDFLARE_AI_GATEWAY_BASE_URL": "http://127.0.0.1:8790/gw/"})
    assert gateway_base_url(ACCOUNT_ID, "g", root) == (
        f"http://127.0.0.1:8790/gw/{ACCOUNT_ID}/g/workers-ai/v1"
    )


def test_validate_rejects_a_bad_gateway_in_one_line_with_exit_2(
    cli: CliRun, stacks_dir: Path
) -> None:
    write_stack(
        stacks_dir,
        "dev",
        f"config:\n  breeze-infra:accountId: {ACCOUNT_ID}\n"
        "  breeze-infra:models: [{id: '@cf/meta/llama-3.1-8b-instruct'}]\n"
        "  breeze-infra:gateway: {rateLimit: {request: 5}}\n",
    )
    result = cli("--stacks-dir", str(stacks_dir), "validate", "--stack", "dev")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert (
        "breeze-infra:gateway.rateLimit.request: unknown key (did you mean `requests`?)"
        in result.stderr
    )


def test_the_offline_manifest_carries_the_gateway_url(cli: CliRun, stacks_dir: Path) -> None:
    write_stack(
        stacks_dir,
        "dev",
        f"config:\n  breeze-infra:accountId: {ACCOUNT_ID}\n"
        "  breeze-infra:models: [{id: '@cf/meta/llama-3.1-8b-instruct'}]\n"
        "  breeze-infra:gateway: {}\n",
    )
    result = cli("--stacks-dir", str(stacks_dir), "manifest", "--stack", "dev")
    assert result.returncode == 0, result.stderr
    assert f'"baseUrl": "{GATEWAY_URL}"' in result.stdout


@pytest.mark.parametrize("retain", [0, 5000, 9999, 10_000_001])
def test_logs_outside_the_providers_range_are_refused_naming_the_key_and_range(
    retain: int,
) -> None:
    assert problems(minimal_values(gateway={"logs": {"retain": retain}})) == [
        "stacks/Pulumi.dev.yaml: breeze-infra:gateway.logs.retain: must be from 10,000 to "
        f"10,000,000, the range the Cloudflare provider accepts (got {retain})"
    ]


@pytest.mark.parametrize("retain", [10_000, 10_000_000])
def test_logs_at_the_ends_of_the_range_are_kept(retain: int) -> None:
    config = parse_config(minimal_values(gateway={"logs": {"retain": retain}}), "x", "dev")
    assert config.gateway is not None and config.gateway.logs_retained == retain


@pytest.mark.parametrize("logs", ["on", 5, True, None])
def test_a_logs_value_of_neither_shape_gets_one_line_naming_no_class(logs: object) -> None:
    [line] = problems(minimal_values(gateway={"logs": logs}))
    assert line.startswith(
        "stacks/Pulumi.dev.yaml: breeze-infra:gateway.logs: must be {retain: N} or 'off' (got "
    )


def test_validate_refuses_logs_below_the_providers_range_with_exit_2(
    cli: CliRun, stacks_dir: Path
) -> None:
    write_stack(
        stacks_dir,
        "dev",
        f"config:\n  breeze-infra:accountId: {ACCOUNT_ID}\n"
        "  breeze-infra:models: [{id: '@cf/meta/llama-3.1-8b-instruct'}]\n"
        "  breeze-infra:gateway: {logs: {retain: 5000}}\n",
    )
    result = cli("--stacks-dir", str(stacks_dir), "validate", "--stack", "dev")
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.endswith(
        "/Pulumi.dev.yaml: breeze-infra:gateway.logs.retain: must be from 10,000 to 10,000,000, "
        "the range the Cloudflare provider accepts (got 5000)"
    )
