"""The gateway in the program, under the mocks: what ``pulumi up`` registers and publishes."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pulumi
import pytest

from breeze_infra.gateway import AI_GATEWAY_TYPE as AI_GATEWAY
from breeze_infra.resources.gateway import TYPE_GATEWAY
from breeze_infra.resources.token import TYPE_TOKEN
from breeze_infra.sandbox.mocks import (
    FakeCloudflare,
    SynthResult,
    redact,
    synthesize,
    unwrap_secrets,
)
from tests.conftest import ACCOUNT_ID, NOW, minimal_values

Synth = Callable[..., SynthResult]
GATEWAY_URL = f"https://gateway.ai.cloudflare.com/v1/{ACCOUNT_ID}/breeze-infra-dev/workers-ai/v1"
VAULT = {"backend": "vault", "mount": "secret", "path": "breeze/{consumer}"}


def token_registrations(result: SynthResult) -> list[tuple[str, str, dict[str, Any], Any]]:
    return sorted(
        (r.type, r.name, r.inputs, (r.replace_on_changes, r.ignore_changes))
        for r in result.registrations
        if r.type.startswith("cloudflare:index/") and r.type != AI_GATEWAY
    )


def test_an_empty_gateway_key_registers_one_gateway_with_a_rate_limit_and_no_authentication(
    synth: Synth,
) -> None:
    result = synth(minimal_values(gateway={}))
    (gateway,) = result.gateways
    (component,) = result.of_type(TYPE_GATEWAY)
    assert gateway.parent == component.urn
    assert gateway.inputs["aiGatewayId"] == "breeze-infra-dev"
    assert gateway.inputs["accountId"] == ACCOUNT_ID
    assert gateway.inputs["authentication"] is False
    assert (gateway.inputs["rateLimitingLimit"], gateway.inputs["rateLimitingInterval"]) == (
        240,
        60,
    )
    assert gateway.inputs["rateLimitingTechnique"] == "sliding"
    assert gateway.inputs["cacheTtl"] == 0


def test_without_the_key_no_gateway_is_registered(synth: Synth) -> None:
    result = synth(minimal_values())
    assert result.gateways == []
    assert result.outputs["baseUrl"].startswith("https://api.cloudflare.com/")


def test_settings_reach_the_gateway(synth: Synth) -> None:
    gateway = {
        "rateLimit": {"requests": 10, "perSeconds": 1, "technique": "fixed"},
        "spendLimit": {"dollars": 50, "days": 7},
        "logs": "off",
        "dlpProfiles": ["0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"],
    }
    (registered,) = synth(minimal_values(gateway=gateway)).gateways
    inputs = registered.inputs
    assert inputs["collectLogs"] is False
    assert "logManagement" not in inputs
    assert inputs["spendLimits"]["rules"] == [
        {"limit": 50, "limitType": "cost", "window": 7 * 86_400, "technique": "fixed"}
    ]
    assert inputs["dlp"] == {
        "enabled": True,
        "action": "BLOCK",
        "profiles": ["0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"],
    }


def test_the_manifest_outputs_and_every_backend_get_the_gateway_url(synth: Synth) -> None:
    result = synth(minimal_values(gateway={}, secrets=[{"backend": "pulumi-stack"}, VAULT]))
    assert result.outputs["baseUrl"] == GATEWAY_URL
    assert result.outputs["manifest"]["credentials"][0]["baseUrl"] == GATEWAY_URL
    (vault,) = result.of_type("vault:kv/secretV2:SecretV2")
    document, secret = unwrap_secrets(vault.inputs["dataJson"])
    assert secret
    assert json.loads(document)["baseUrl"] == GATEWAY_URL


def test_turning_the_gateway_on_or_off_replaces_no_token(synth: Synth) -> None:
    off = synth(minimal_values(consumers=[{"name": "alice"}, {"name": "bob"}]))
    on = synth(minimal_values(consumers=[{"name": "alice"}, {"name": "bob"}], gateway={}))
    own = synth(
        minimal_values(
            consumers=[{"name": "alice"}, {"name": "bob"}], gateway={"perConsumer": True}
        )
    )
    assert token_registrations(off) == token_registrations(on) == token_registrations(own)
    assert off.issued == on.issued
    assert sorted(r.urn for r in on.of_type(TYPE_TOKEN)) == sorted(
        r.urn for r in off.of_type(TYPE_TOKEN)
    )


def test_the_same_config_and_clock_give_the_same_gateway_inputs(synth: Synth) -> None:
    values = minimal_values(gateway={"spendLimit": {"dollars": 5}})
    assert synth(values).gateways[0].inputs == synth(values).gateways[0].inputs


def test_consumers_share_one_gateway_unless_each_gets_its_own(synth: Synth) -> None:
    listed = [{"name": "alice"}, {"name": "bob"}, {"name": "gone", "revoked": True}]
    shared = synth(minimal_values(consumers=listed, gateway={}))
    assert [g.inputs["aiGatewayId"] for g in shared.gateways] == ["breeze-infra-dev"]
    assert shared.outputs["baseUrl"] == GATEWAY_URL
    own = synth(minimal_values(consumers=listed, gateway={"perConsumer": True}))
    ids = sorted(g.inputs["aiGatewayId"] for g in own.gateways)
    assert ids == ["breeze-infra-dev-alice", "breeze-infra-dev-bob"]
    for name in ("alice", "bob"):
        url = GATEWAY_URL.replace("breeze-infra-dev", f"breeze-infra-dev-{name}")
        outputs = own.outputs["consumers"][name]
        assert outputs["baseUrl"] == url
        assert outputs["manifest"]["credentials"][0]["baseUrl"] == url


def test_one_gateway_too_many_stops_the_program_before_any_resource() -> None:
    fake = FakeCloudflare()
    values = minimal_values(
        consumers=[{"name": f"c{i}"} for i in range(11)],
        gateway={"perConsumer": True, "plan": "free"},
    )
    with pytest.raises(pulumi.RunError, match=r"breeze-infra:gateway.perConsumer: 11 active "):
        synthesize("dev", values, NOW, fake)
    assert fake.created == []


def test_the_key_stays_secret_with_the_gateway_on(synth: Synth) -> None:
    result = synth(minimal_values(gateway={}, secrets=[{"backend": "pulumi-stack"}, VAULT]))
    assert result.secret_outputs == {"apiKey"}
    visible = json.dumps(
        {
            "inputs": [redact(r.inputs) for r in result.registrations],
            "outputs": result.redacted_outputs(),
        }
    )
    assert result.issued
    assert not any(value in visible for value in result.issued.values())


def test_logs_kept_below_the_providers_range_stop_the_program_in_one_line() -> None:
    fake = FakeCloudflare()
    with pytest.raises(pulumi.RunError) as caught:
        synthesize("dev", minimal_values(gateway={"logs": {"retain": 5000}}), NOW, fake)
    assert str(caught.value).splitlines() == [
        "stacks/Pulumi.dev.yaml: breeze-infra:gateway.logs.retain: must be from 10,000 to "
        "10,000,000, the range the Cloudflare provider accepts (got 5000)"
    ]
    assert fake.created == [] and fake.lookups == []
