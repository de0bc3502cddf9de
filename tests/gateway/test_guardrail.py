"""The guard-rail ``prod-traffic-through-gateway``: production keys are used through a gateway
with a rate limit; advisory unless the pack config makes it mandatory."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.runtime import proto

from breeze_guardrails.facts import ACCOUNT_TOKEN, AI_GATEWAY
from breeze_guardrails.rules import PROD_GATEWAY, prod_gateway
from breeze_infra.sandbox.mocks import synthesize
from tests.conftest import NOW, example_values
from tests.policy.test_rules import Engine

GATEWAY = {"aiGatewayId": "breeze-infra-prod", "rateLimitingLimit": 240, "rateLimitingInterval": 60}
TOKEN: dict[str, Any] = {"name": "breeze-infra prod slot-a w1 g0"}


def registered(stack: str, values: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    result = synthesize(stack, values, NOW)
    return [(r.type, r.inputs) for r in result.registrations]


@pytest.mark.parametrize("stack", ["prod", "prod-eu", "production"])
def test_production_tokens_without_a_gateway_are_reported(stack: str) -> None:
    assert prod_gateway(stack, [(ACCOUNT_TOKEN, TOKEN)]) == [
        f"stack '{stack}' is production but its tokens' traffic goes through no AI Gateway; "
        "set breeze-infra:gateway: {}"
    ]


def test_a_gateway_with_a_rate_limit_passes_and_other_stacks_are_not_judged() -> None:
    assert prod_gateway("prod", [(ACCOUNT_TOKEN, TOKEN), (AI_GATEWAY, GATEWAY)]) == []
    assert prod_gateway("staging", [(ACCOUNT_TOKEN, TOKEN)]) == []
    assert prod_gateway("prod", []) == []


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"rateLimitingLimit": 0}, "production traffic needs a rate limit"),
        ({"rateLimitingInterval": None}, "production traffic needs a rate limit"),
        ({"authentication": True}, "authentication is on, which GPT Breeze cannot pass"),
    ],
)
def test_a_gateway_without_a_usable_rate_limit_is_reported(
    change: dict[str, Any], complaint: str
) -> None:
    (problem,) = prod_gateway("prod", [(ACCOUNT_TOKEN, TOKEN), (AI_GATEWAY, {**GATEWAY, **change})])
    assert problem.startswith("gateway 'breeze-infra-prod': ")
    assert complaint in problem


def test_the_real_program_passes_once_prod_turns_the_gateway_on() -> None:
    values = example_values("prod")
    assert prod_gateway("prod", registered("prod", values)) != []
    assert prod_gateway("prod", registered("prod", {**values, "gateway": {}})) == []


def test_advisory_by_default_and_mandatory_through_pack_config() -> None:
    resources = {ACCOUNT_TOKEN: TOKEN}
    (advisory,) = Engine().analyze_stack("prod", resources)
    assert (advisory.policyName, advisory.enforcementLevel) == (PROD_GATEWAY, proto.ADVISORY)
    (mandatory,) = Engine({PROD_GATEWAY: "mandatory"}).analyze_stack("prod", resources)
    assert mandatory.enforcementLevel == proto.MANDATORY
    assert Engine().analyze_stack("prod", {**resources, AI_GATEWAY: GATEWAY}) == []
