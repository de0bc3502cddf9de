"""The policy pack's guard-rails: what each rule lets through and what it stops.

Rules are fed hand-made resources, the resources the real program registers for each example stack
(through the simulated Cloudflare), and the same resources sent through pulumi-policy's own analyzer
service the way the engine sends them, secrets marked and pack config applied.
"""

from __future__ import annotations

import copy
import json
import runpy
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from datetime import timedelta
from typing import Any, cast

import pytest
from google.protobuf import struct_pb2
from pulumi.runtime import proto
from pulumi_policy import EnforcementLevel, PolicyResourceOptions, Secret
from pulumi_policy import PolicyCustomTimeouts as Timeouts
from pulumi_policy import policy as policy_runtime
from pulumi_policy.policy import (
    ResourceValidationArgs,
    ResourceValidationPolicy,
    _PolicyAnalyzerServicer,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from breeze_guardrails import markers, rules
from breeze_guardrails.facts import ACCOUNT_TOKEN, USER_TOKEN, WORKERS_AI_READ, WORKERS_AI_WRITE
from breeze_guardrails.pack import build_policies
from breeze_guardrails.rules import (
    EXPIRY,
    LEAST_PRIVILEGE,
    NO_PLAINTEXT_KEY,
    NO_PLAINTEXT_KEY_IN_STACK,
    PROD_IP_ALLOW_LIST,
    SECRET_SIG,
    SIG_KEY,
    least_privilege,
    plaintext_keys,
    prod_ip_allow_list,
    token_expiry,
)
from breeze_infra.sandbox.mocks import SynthResult, synthesize
from tests.conftest import ACCOUNT_ID, EXAMPLE_STACKS, NOW, POLICY, example_values

WORKERS_SCRIPTS_WRITE = "e086da7e2179491d91ee5f35b3ca210a"
OTHER_ACCOUNT = "fedcba9876543210fedcba9876543210"
CFAT = "cfat_" + "Q7w" * 14
LEGACY = "aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dF3hJ5kL7n"


def secret(value: Any) -> dict[str, Any]:
    return {SIG_KEY: SECRET_SIG, "value": value}


def token(**overrides: Any) -> dict[str, Any]:
    props: dict[str, Any] = {
        "accountId": ACCOUNT_ID,
        "name": "breeze-infra dev slot-a w0 g0",
        "expiresOn": "2026-12-20T00:00:00Z",
        "policies": [
            {
                "effect": "allow",
                "permissionGroups": [{"id": WORKERS_AI_READ}],
                "resources": json.dumps({f"com.cloudflare.api.account.{ACCOUNT_ID}": "*"}),
            }
        ],
    }
    props.update(overrides)
    return props


def with_policy(**changes: Any) -> dict[str, Any]:
    props = token()
    props["policies"][0].update(changes)
    return props


# --- least privilege ---------------------------------------------------------------------------


@pytest.mark.parametrize("type_", [ACCOUNT_TOKEN, USER_TOKEN])
@pytest.mark.parametrize("groups", [[WORKERS_AI_READ], [WORKERS_AI_READ, WORKERS_AI_WRITE]])
def test_workers_ai_groups_on_one_account_pass(type_: str, groups: list[str]) -> None:
    props = with_policy(permissionGroups=[{"id": g} for g in groups])
    assert least_privilege(type_, props) == []


@pytest.mark.parametrize(
    ("props", "complaint"),
    [
        (
            with_policy(
                permissionGroups=[{"id": WORKERS_AI_READ}, {"id": WORKERS_AI_READ[:-1] + "0"}]
            ),
            "permissionGroups[1].id",
        ),
        (with_policy(permissionGroups=[]), "grants no permission group"),
        (with_policy(effect="deny"), "must be 'allow'"),
        (token(policies=[]), "exactly one policy, found 0"),
        (token(policies=token()["policies"] * 2), "exactly one policy, found 2"),
        (
            with_policy(
                resources=json.dumps(
                    {
                        f"com.cloudflare.api.account.{ACCOUNT_ID}": "*",
                        f"com.cloudflare.api.account.{OTHER_ACCOUNT}": "*",
                    }
                )
            ),
            "exactly one account, found 2",
        ),
        (
            with_policy(resources=json.dumps({"com.cloudflare.api.account.zone.abc": "*"})),
            "is not one account",
        ),
        (
            with_policy(
                resources=json.dumps({f"com.cloudflare.api.account.{ACCOUNT_ID}": {"x": "*"}})
            ),
            "must map to '*'",
        ),
        (
            with_policy(resources=json.dumps({f"com.cloudflare.api.account.{OTHER_ACCOUNT}": "*"})),
            "not the token's own account",
        ),
        (with_policy(resources="{not json"), "not JSON"),
    ],
)
def test_over_scoped_tokens_are_stopped(props: dict[str, Any], complaint: str) -> None:
    problems = least_privilege(ACCOUNT_TOKEN, props)
    assert any(complaint in p for p in problems), problems


def test_a_group_outside_workers_ai_is_named_in_the_violation() -> None:
    props = with_policy(permissionGroups=[{"id": WORKERS_AI_READ}, {"id": WORKERS_SCRIPTS_WRITE}])
    [problem] = least_privilege(ACCOUNT_TOKEN, props)
    assert problem.startswith("policies[0].permissionGroups[1].id:")
    assert WORKERS_SCRIPTS_WRITE in problem


def test_allowed_groups_can_be_narrowed_to_read_only() -> None:
    props = with_policy(permissionGroups=[{"id": WORKERS_AI_READ}, {"id": WORKERS_AI_WRITE}])
    assert least_privilege(ACCOUNT_TOKEN, props, frozenset({WORKERS_AI_READ})) != []


def test_other_resource_types_are_not_judged_as_tokens() -> None:
    assert least_privilege("aws:iam/policy:Policy", {"policies": []}) == []


# --- expiry ------------------------------------------------------------------------------------


def test_expiry_within_the_limit_passes_and_the_limit_itself_is_allowed() -> None:
    limit = (NOW + timedelta(days=180)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert token_expiry(ACCOUNT_TOKEN, token(expiresOn=limit), NOW) == []


@pytest.mark.parametrize(
    ("props", "complaint"),
    [
        ({k: v for k, v in token().items() if k != "expiresOn"}, "must expire"),
        (token(expiresOn=None), "must expire"),
        (token(expiresOn="2026-12-20"), "is not a time"),
        (token(expiresOn="2027-05-24T09:31:00Z"), "more than the 180 days"),
    ],
)
def test_tokens_that_never_or_too_late_expire_are_stopped(
    props: dict[str, Any], complaint: str
) -> None:
    [problem] = token_expiry(USER_TOKEN, props, NOW)
    assert complaint in problem


def test_the_maximum_lifetime_is_configurable() -> None:
    props = token(expiresOn="2027-01-30T00:00:00Z")
    assert token_expiry(ACCOUNT_TOKEN, props, NOW, max_lifetime_days=60) != []
    assert token_expiry(ACCOUNT_TOKEN, props, NOW, max_lifetime_days=90) == []


# --- production IP allow-list ------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["prod", "prod-eu", "production"])
@pytest.mark.parametrize(
    "condition", [None, {}, {"requestIp": {"notIns": ["10.0.0.0/8"]}}, {"requestIp": {"ins": []}}]
)
def test_production_tokens_without_an_allow_list_are_reported(
    stack: str, condition: dict[str, Any] | None
) -> None:
    [problem] = prod_ip_allow_list(ACCOUNT_TOKEN, token(condition=condition), stack)
    assert f"'{stack}'" in problem
    assert "allowedCidrs" in problem


def test_production_tokens_with_an_allow_list_and_other_stacks_pass() -> None:
    restricted = token(condition={"requestIp": {"ins": ["203.0.113.0/24"]}})
    assert prod_ip_allow_list(ACCOUNT_TOKEN, restricted, "prod") == []
    assert prod_ip_allow_list(ACCOUNT_TOKEN, token(), "staging") == []
    assert prod_ip_allow_list(ACCOUNT_TOKEN, token(), "dev") == []


# --- no plaintext key --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("props", "path"),
    [
        ({"plaintextValue": CFAT}, "plaintextValue"),
        (
            {"stringData": {"WORKERS_AI_API_KEY": "cfut_" + "x" * 40}},
            "stringData.WORKERS_AI_API_KEY",
        ),
        ({"yaml": f"values:\n  apiKey: {CFAT}\n"}, "yaml"),
        ({"dataJson": json.dumps({"apiKey": LEGACY})}, "dataJson.apiKey"),
        ({"properties": {"value": LEGACY}}, "properties.value"),
        ({"secrets": [{"token": LEGACY}]}, "secrets[0].token"),
    ],
)
def test_a_key_in_plain_text_is_found_and_the_message_hides_it(
    props: dict[str, Any], path: str
) -> None:
    [problem] = plaintext_keys("any:index:Resource", props)
    assert problem.startswith(f"{path}:")
    assert CFAT not in problem
    assert LEGACY not in problem
    assert "cfut_" not in problem


@pytest.mark.parametrize(
    "props",
    [
        {"plaintextValue": secret(CFAT)},
        {"plaintextValue": Secret(CFAT)},
        {"stringData": secret({"WORKERS_AI_API_KEY": CFAT})},
        {"dataJson": secret(json.dumps({"apiKey": LEGACY}))},
        {"description": LEGACY},
        {"tokenId": "0123456789abcdef0123456789abcdef"},
        {"apiKeyRef": "vault:kv/breeze/prod#apiKey", "note": "keys start with cfat_"},
    ],
)
def test_secrets_and_ordinary_values_pass(props: dict[str, Any]) -> None:
    assert plaintext_keys("any:index:Resource", props) == []


def test_outputs_the_resource_or_its_schema_mark_secret_are_skipped() -> None:
    assert plaintext_keys("any:index:Resource", {"password": CFAT}, ["password"]) == []
    assert plaintext_keys(ACCOUNT_TOKEN, {"value": CFAT}) == []
    assert plaintext_keys(ACCOUNT_TOKEN, {"name": CFAT}) != []


# --- the real program, each example stack ------------------------------------------------------


@pytest.fixture(scope="module")
def runs() -> dict[str, SynthResult]:
    return {stack: synthesize(stack, example_values(stack), NOW) for stack in EXAMPLE_STACKS}


def violations(
    result: SynthResult,
    *,
    inputs: Mapping[str, Mapping[str, Any]] | None = None,
    stack_outputs: Mapping[str, Any] | None = None,
) -> list[str]:
    """Every rule over every registered resource, and the plaintext rule over the stack outputs."""
    found: list[str] = []
    for registration in result.registrations:
        props = (inputs or {}).get(registration.urn, registration.inputs)
        kind = registration.type
        found += least_privilege(kind, props)
        found += token_expiry(kind, props, result.now)
        found += prod_ip_allow_list(kind, props, result.stack)
        found += plaintext_keys(kind, props)
    outputs = stack_outputs if stack_outputs is not None else engine_outputs(result)
    found += plaintext_keys("pulumi:pulumi:Stack", outputs)
    return found


def engine_outputs(result: SynthResult) -> dict[str, Any]:
    """Stack outputs as the engine hands them to a stack policy: secret ones wrapped."""
    return {
        key: secret(value) if key in result.secret_outputs else value
        for key, value in result.outputs.items()
    }


def tokens(result: SynthResult) -> list[Any]:
    return [r for r in result.registrations if r.type == ACCOUNT_TOKEN]


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_every_example_stack_passes_every_rule(runs: dict[str, SynthResult], stack: str) -> None:
    assert len(tokens(runs[stack])) == 2
    assert violations(runs[stack]) == []


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_an_extra_permission_group_on_a_real_token_is_stopped(
    runs: dict[str, SynthResult], stack: str
) -> None:
    target = tokens(runs[stack])[0]
    props = copy.deepcopy(target.inputs)
    props["policies"][0]["permissionGroups"].append({"id": WORKERS_SCRIPTS_WRITE})
    [problem] = violations(runs[stack], inputs={target.urn: props})
    assert WORKERS_SCRIPTS_WRITE in problem


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_a_real_token_without_expiry_is_stopped(runs: dict[str, SynthResult], stack: str) -> None:
    target = tokens(runs[stack])[1]
    props = {k: v for k, v in target.inputs.items() if k != "expiresOn"}
    assert violations(runs[stack], inputs={target.urn: props}) == [
        "expiresOn: a token must expire; set expiresOn"
    ]


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_the_real_key_as_a_plain_stack_output_is_stopped(
    runs: dict[str, SynthResult], stack: str
) -> None:
    result = runs[stack]
    assert result.outputs["apiKey"].startswith("cfat_")
    outputs = {**engine_outputs(result), "apiKey": result.outputs["apiKey"]}
    [problem] = violations(result, stack_outputs=outputs)
    assert problem.startswith("apiKey:")


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_the_real_key_copied_into_an_input_is_stopped(
    runs: dict[str, SynthResult], stack: str
) -> None:
    result = runs[stack]
    target = tokens(result)[0]
    leaked = {**target.inputs, "name": next(iter(result.issued.values()))}
    assert [p.split(":")[0] for p in violations(result, inputs={target.urn: leaked})] == ["name"]


def test_prod_without_allowed_cidrs_is_reported_for_both_slots() -> None:
    values = example_values("prod")
    values["token"] = {k: v for k, v in values["token"].items() if k != "allowedCidrs"}
    problems = violations(synthesize("prod", values, NOW))
    assert len(problems) == 2
    assert all(p.startswith("condition.requestIp.ins:") for p in problems)


def test_a_team_stack_passes_and_a_consumer_without_an_allow_list_in_prod_is_reported() -> None:
    values = {
        **example_values("prod"),
        "consumers": [{"name": "alice"}, {"name": "kiosk", "allowedCidrs": []}],
    }
    result = synthesize("prod", values, NOW)
    assert len(tokens(result)) == 4
    assert result.secret_outputs == {"apiKeys"}
    problems = violations(result)
    assert len(problems) == 2
    assert all(p.startswith("condition.requestIp.ins:") for p in problems)


def test_a_rotation_window_too_long_for_the_maximum_lifetime_is_stopped() -> None:
    values = {**example_values("dev"), "token": {"rotationDays": 120}}
    problems = violations(synthesize("dev", values, NOW))
    assert problems and all("maxTokenLifetimeDays" in p for p in problems)


# --- through pulumi-policy's analyzer service, as the engine calls the pack ---------------------


def struct(props: Mapping[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(dict(props))
    return message


def urn(stack: str, type_: str, name: str) -> str:
    return f"urn:pulumi:{stack}::breeze-infra::{type_}::{name}"


class Engine:
    """pulumi-policy's analyzer servicer driven like the engine drives it, minus gRPC."""

    def __init__(self, config: Mapping[str, Any] | None = None, **seams: Any) -> None:
        """``config`` as in a --policy-pack-config file: a level, or properties (level unchanged)."""
        policies = build_policies(**{"clock": lambda: NOW, **seams})
        # The servicer is untyped gRPC glue; these tests drive it as the engine would.
        self.servicer = cast(
            Any,
            _PolicyAnalyzerServicer(
                "breeze-infra-guardrails", "0.0.1", policies, EnforcementLevel.ADVISORY
            ),
        )
        declared = {p.name: p.enforcement_level for p in policies}
        policy_config = {
            name: proto.PolicyConfig(
                enforcementLevel=self.servicer._map_enforcement_level(
                    EnforcementLevel(value) if isinstance(value, str) else declared[name]
                ),
                properties=struct(value if isinstance(value, dict) else {}),
            )
            for name, value in (config or {}).items()
        }
        if policy_config:
            self.servicer.Configure(
                proto.ConfigureAnalyzerRequest(policyConfig=policy_config), None
            )

    def analyze(
        self, stack: str, type_: str, props: Mapping[str, Any], secret_outputs: Sequence[str] = ()
    ) -> list[Any]:
        request = proto.AnalyzeRequest(
            urn=urn(stack, type_, "r"),
            type=type_,
            name="r",
            properties=struct(props),
            options=proto.AnalyzerResourceOptions(additionalSecretOutputs=list(secret_outputs)),
        )
        return list(self.servicer.Analyze(request, None).diagnostics)

    def analyze_stack(self, stack: str, resources: Mapping[str, Mapping[str, Any]]) -> list[Any]:
        request = proto.AnalyzeStackRequest(
            resources=[
                proto.AnalyzerResource(
                    urn=urn(stack, type_, "r"), type=type_, name="r", properties=struct(props)
                )
                for type_, props in resources.items()
            ]
        )
        return list(self.servicer.AnalyzeStack(request, None).diagnostics)


@pytest.fixture
def secret_aware() -> Iterator[None]:
    """The pack's entry file installs this; tests undo it afterwards."""
    original = policy_runtime.deserialize_properties  # type: ignore[attr-defined]
    markers.keep_secret_markers()
    yield
    policy_runtime.deserialize_properties = original  # type: ignore[attr-defined]


def names(diagnostics: Sequence[Any]) -> list[str]:
    return sorted(d.policyName for d in diagnostics)


@pytest.mark.usefixtures("secret_aware")
@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_the_engine_path_passes_the_real_program(runs: dict[str, SynthResult], stack: str) -> None:
    engine = Engine()
    result = runs[stack]
    for registration in result.registrations:
        assert engine.analyze(stack, registration.type, registration.inputs) == []
    token_state = {**tokens(result)[0].inputs, "value": secret(next(iter(result.issued.values())))}
    everything = {ACCOUNT_TOKEN: token_state, "pulumi:pulumi:Stack": engine_outputs(result)}
    # The example prod stack has no gateway: that advisory is specified in tests/gateway/test_guardrail.py.
    diagnostics = engine.analyze_stack(stack, everything)
    assert [d for d in diagnostics if d.policyName != rules.PROD_GATEWAY] == []


@pytest.mark.usefixtures("secret_aware")
def test_the_engine_path_stops_a_plain_key_and_names_the_resource() -> None:
    [diagnostic] = Engine().analyze("dev", "vault:kv/secretV2:SecretV2", {"dataJson": CFAT})
    assert diagnostic.policyName == NO_PLAINTEXT_KEY
    assert diagnostic.enforcementLevel == proto.MANDATORY
    assert CFAT not in diagnostic.message

    outputs = {"apiKey": CFAT, "baseUrl": "https://api.cloudflare.com"}
    [diagnostic] = Engine().analyze_stack("dev", {"pulumi:pulumi:Stack": outputs})
    assert diagnostic.policyName == NO_PLAINTEXT_KEY_IN_STACK
    assert diagnostic.urn == urn("dev", "pulumi:pulumi:Stack", "r")


@pytest.mark.usefixtures("secret_aware")
def test_the_engine_path_skips_secret_inputs_and_additional_secret_outputs() -> None:
    engine = Engine()
    assert (
        engine.analyze(
            "dev", "github:index/actionsSecret:ActionsSecret", {"plaintextValue": secret(CFAT)}
        )
        == []
    )
    assert engine.analyze("dev", "custom:index:Thing", {"password": CFAT}, ["password"]) == []


def test_values_unknown_during_preview_skip_a_rule_rather_than_fail_it() -> None:
    unknown = token(expiresOn=UNKNOWN_STRING_VALUE)
    [diagnostic] = Engine().analyze("dev", ACCOUNT_TOKEN, unknown)
    assert diagnostic.policyName == EXPIRY
    assert diagnostic.enforcementLevel == proto.ADVISORY
    assert "during preview" in diagnostic.message
    store = {"plaintextValue": UNKNOWN_STRING_VALUE, "repository": "acme/app"}
    assert Engine().analyze("dev", "github:index/actionsSecret:ActionsSecret", store) == []


def test_prod_allow_list_is_advisory_unless_pack_config_makes_it_mandatory() -> None:
    bare = token(condition=None)
    [advisory] = Engine().analyze("prod", ACCOUNT_TOKEN, bare)
    assert (advisory.policyName, advisory.enforcementLevel) == (PROD_IP_ALLOW_LIST, proto.ADVISORY)
    [mandatory] = Engine({PROD_IP_ALLOW_LIST: "mandatory"}).analyze("prod", ACCOUNT_TOKEN, bare)
    assert mandatory.enforcementLevel == proto.MANDATORY
    assert Engine().analyze("staging", ACCOUNT_TOKEN, bare) == []


def test_pack_config_sets_the_lifetime_and_the_allowed_groups() -> None:
    far = token(expiresOn="2027-03-01T00:00:00Z")
    assert Engine().analyze("dev", ACCOUNT_TOKEN, far) == []
    assert names(
        Engine({EXPIRY: {"maxTokenLifetimeDays": 30}}).analyze("dev", ACCOUNT_TOKEN, far)
    ) == [EXPIRY]

    write = with_policy(permissionGroups=[{"id": WORKERS_AI_WRITE}])
    read_only = {LEAST_PRIVILEGE: {"allowedPermissionGroupIds": [WORKERS_AI_READ]}}
    assert Engine().analyze("dev", ACCOUNT_TOKEN, write) == []
    assert names(Engine(read_only).analyze("dev", ACCOUNT_TOKEN, write)) == [LEAST_PRIVILEGE]


@pytest.mark.parametrize(
    "config",
    [
        {EXPIRY: {"maxTokenLifetimeDays": 0}},
        {EXPIRY: {"maxTokenLifetimeDays": 7.5}},
        {LEAST_PRIVILEGE: {"allowedPermissionGroupIds": ["Workers AI Read"]}},
    ],
)
def test_bad_pack_config_blocks_rather_than_silently_defaulting(config: dict[str, Any]) -> None:
    [diagnostic] = Engine(config).analyze("dev", ACCOUNT_TOKEN, token())
    assert "pack config" in diagnostic.message
    assert diagnostic.enforcementLevel == proto.MANDATORY


def test_the_default_clock_honours_breeze_now(monkeypatch: pytest.MonkeyPatch) -> None:
    props = token(expiresOn="2026-12-20T00:00:00Z")
    args = ResourceValidationArgs(
        ACCOUNT_TOKEN,
        props,
        urn("dev", ACCOUNT_TOKEN, "r"),
        "r",
        PolicyResourceOptions(False, [], None, [], Timeouts(0, 0, 0), []),
        None,
    )
    [expiry] = [
        p for p in build_policies() if isinstance(p, ResourceValidationPolicy) and p.name == EXPIRY
    ]
    reported: list[str] = []

    def report(message: str, _urn: str | None = None) -> None:
        reported.append(message)

    monkeypatch.setenv("BREEZE_NOW", "2026-01-01T00:00:00Z")
    expiry.validate(args, report)
    assert len(reported) == 1
    reported.clear()
    monkeypatch.setenv("BREEZE_NOW", "2026-12-01T00:00:00Z")
    expiry.validate(args, report)
    assert reported == []


def test_the_stack_name_falls_back_to_the_runtime_when_the_urn_lacks_it() -> None:
    assert rules.stack_of("urn:pulumi:prod-eu::p::t::n", lambda: "dev") == "prod-eu"
    assert rules.stack_of("", lambda: "prod") == "prod"


# --- the pack's entry file ---------------------------------------------------------------------


def test_the_entry_file_builds_the_whole_pack_and_keeps_secret_markers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: dict[str, Any] = {}

    class RecordingPack:
        def __init__(self, name: str, policies: list[Any], **_: Any) -> None:
            built.update(name=name, policies=[p.name for p in policies])

    import pulumi_policy

    monkeypatch.setattr(pulumi_policy, "PolicyPack", RecordingPack)
    monkeypatch.setattr(
        policy_runtime,
        "deserialize_properties",
        policy_runtime.deserialize_properties,  # type: ignore[attr-defined]
    )
    runpy.run_path(str(POLICY / "__main__.py"), run_name="__main__")
    assert built == {
        "name": "breeze-infra-guardrails",
        "policies": [
            LEAST_PRIVILEGE,
            EXPIRY,
            PROD_IP_ALLOW_LIST,
            NO_PLAINTEXT_KEY,
            NO_PLAINTEXT_KEY_IN_STACK,
            rules.PROD_GATEWAY,
        ],
    }
    assert policy_runtime.deserialize_properties is markers.deserialize_keeping_secrets  # type: ignore[attr-defined]


def test_importing_the_rules_returns_rather_than_serving_a_pack() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import breeze_guardrails.pack as p; print(len(p.build_policies()))",
        ],
        cwd=POLICY,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout.strip()) == (0, "6"), done.stderr


def test_long_kebab_case_names_are_not_mistaken_for_legacy_tokens() -> None:
    name = "breeze-prod-workers-ai-support-team-bill"
    assert len(name) == 40
    assert plaintext_keys("gcp:secretmanager/secret:Secret", {"secretId": name}) == []
    legacy = "aB3" + "x" * 37
    assert plaintext_keys("gcp:secretmanager/secret:Secret", {"secretId": legacy}) != []
