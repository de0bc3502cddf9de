"""The fake provider plugin over real gRPC: what the engine relies on, without the engine."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import grpc
import pytest
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from breeze_infra.sandbox import values
from breeze_infra.sandbox.emulator import DEFAULT_TOKEN, WORKERS_AI_READ_ID, CloudflareEmulator
from breeze_infra.sandbox.provider import build, serve

ACCOUNT = "0123456789abcdef0123456789abcdef"
TOKEN_TYPE = "cloudflare:index/accountToken:AccountToken"
URN = f"urn:pulumi:dev::breeze-infra::breeze:index:WorkersAiToken${TOKEN_TYPE}::workers-ai-slot-a"


def _token_inputs(**changes: Any) -> dict[str, Any]:
    inputs: dict[str, Any] = {
        "accountId": ACCOUNT,
        "name": "breeze-infra dev slot-a w692 g0",
        "expiresOn": "2027-01-02T00:00:00Z",
        "policies": [
            {
                "effect": "allow",
                "permissionGroups": [{"id": WORKERS_AI_READ_ID}],
                "resources": json.dumps({f"com.cloudflare.api.account.{ACCOUNT}": "*"}),
            }
        ],
    }
    return {**inputs, **changes}


def _stub(name: str) -> Iterator[provider_pb2_grpc.ResourceProviderStub]:
    server, port = serve(build(name, "1.0.0"))
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield provider_pb2_grpc.ResourceProviderStub(channel)
    finally:
        channel.close()
        server.stop(0)


@pytest.fixture
def cloudflare() -> Iterator[provider_pb2_grpc.ResourceProviderStub]:
    yield from _stub("cloudflare")


@pytest.fixture
def vault() -> Iterator[provider_pb2_grpc.ResourceProviderStub]:
    yield from _stub("vault")


def _diff(
    stub: provider_pb2_grpc.ResourceProviderStub, old: dict[str, Any], new: dict[str, Any]
) -> Any:
    return stub.Diff(
        provider_pb2.DiffRequest(
            id="x",
            urn=URN,
            type=TOKEN_TYPE,
            olds=values.to_struct(old),
            old_inputs=values.to_struct(old),
            news=values.to_struct(new),
        )
    )


def test_a_name_change_is_an_in_place_update_reported_by_key(
    cloudflare: provider_pb2_grpc.ResourceProviderStub,
) -> None:
    answer = _diff(
        cloudflare, _token_inputs(), _token_inputs(name="breeze-infra dev slot-a w694 g0")
    )
    assert answer.changes == provider_pb2.DiffResponse.DIFF_SOME
    assert list(answer.diffs) == ["name"] and list(answer.replaces) == []
    assert answer.hasDetailedDiff
    assert answer.detailedDiff["name"].kind == provider_pb2.PropertyDiff.UPDATE


def test_a_changed_account_forces_replacement(
    cloudflare: provider_pb2_grpc.ResourceProviderStub,
) -> None:
    answer = _diff(cloudflare, _token_inputs(), _token_inputs(accountId="f" * 32))
    assert list(answer.replaces) == ["accountId"]
    assert answer.detailedDiff["accountId"].kind == provider_pb2.PropertyDiff.UPDATE_REPLACE


def test_the_same_value_made_secret_is_no_change(
    cloudflare: provider_pb2_grpc.ResourceProviderStub,
) -> None:
    old = _token_inputs()
    new = _token_inputs(name=values.secret(old["name"]))
    assert _diff(cloudflare, old, new).changes == provider_pb2.DiffResponse.DIFF_NONE


def test_unmodelled_requests_are_unimplemented_and_named(
    cloudflare: provider_pb2_grpc.ResourceProviderStub,
) -> None:
    zone = "cloudflare:index/zone:Zone"
    with pytest.raises(grpc.RpcError) as create:
        cloudflare.Create(
            provider_pb2.CreateRequest(urn=f"urn:pulumi:dev::p::{zone}::z", type=zone)
        )
    assert create.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert f"Create of {zone}" in (create.value.details() or "")
    with pytest.raises(grpc.RpcError) as invoke:
        cloudflare.Invoke(provider_pb2.InvokeRequest(tok="cloudflare:index/getZone:getZone"))
    assert invoke.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert "Invoke of cloudflare:index/getZone:getZone" in (invoke.value.details() or "")
    with pytest.raises(grpc.RpcError) as construct:
        cloudflare.Construct(provider_pb2.ConstructRequest(type="x:index:Thing"))
    assert construct.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert "Construct" in (construct.value.details() or "")


def test_a_backend_keeps_secret_inputs_secret(
    vault: provider_pb2_grpc.ResourceProviderStub,
) -> None:
    inputs = {"mount": "secret", "name": "breeze/dev", "dataJson": values.secret('{"apiKey":"k"}')}
    answer = vault.Create(
        provider_pb2.CreateRequest(
            urn="urn:pulumi:dev::p::vault:kv/secretV2:SecretV2::s",
            type="vault:kv/secretV2:SecretV2",
            properties=values.to_struct(inputs),
        )
    )
    outputs = values.from_struct(answer.properties)
    assert answer.id and outputs == inputs and values.is_secret(outputs["dataJson"])


def test_create_mints_in_the_emulator_and_returns_the_value_as_a_secret(
    cloudflare: provider_pb2_grpc.ResourceProviderStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    with CloudflareEmulator(account_id=ACCOUNT) as emulator:
        monkeypatch.setenv("CLOUDFLARE_BASE_URL", emulator.base_url)
        monkeypatch.setenv("CLOUDFLARE_API_TOKEN", DEFAULT_TOKEN)
        answer = cloudflare.Create(
            provider_pb2.CreateRequest(
                urn=URN, type=TOKEN_TYPE, properties=values.to_struct(_token_inputs())
            )
        )
        outputs = values.from_struct(answer.properties)
        [minted] = emulator.minted_tokens()
        assert answer.id == minted.id
        assert outputs["value"] == values.secret(minted.value)
        assert minted.record is not None and minted.record["name"] == _token_inputs()["name"]
        cloudflare.Delete(
            provider_pb2.DeleteRequest(
                id=answer.id, urn=URN, type=TOKEN_TYPE, properties=answer.properties
            )
        )
        assert emulator.minted_tokens() == []
        assert [e.action for e in emulator.token_events] == ["create", "delete"]


@pytest.mark.parametrize(
    ("name", "found"), [("Workers AI Read", True), ("Workers%20AI%20Read", False)]
)
def test_the_group_lookup_is_decoded_once_so_only_the_plain_name_finds_the_group(
    cloudflare: provider_pb2_grpc.ResourceProviderStub,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    found: bool,
) -> None:
    with CloudflareEmulator(account_id=ACCOUNT) as emulator:
        monkeypatch.setenv("CLOUDFLARE_BASE_URL", emulator.base_url)
        monkeypatch.setenv("CLOUDFLARE_API_TOKEN", DEFAULT_TOKEN)
        answer = cloudflare.Invoke(
            provider_pb2.InvokeRequest(
                tok="cloudflare:index/getAccountApiTokenPermissionGroupsList:"
                "getAccountApiTokenPermissionGroupsList",
                args=values.to_struct({"accountId": ACCOUNT, "name": name}),
            )
        )
        result = values.from_struct(getattr(answer, "return"))
        ids = [group["id"] for group in result["results"]]
        assert (WORKERS_AI_READ_ID in ids) is found and (ids != []) is found
        [request] = [r for r in emulator.requests if r.path.endswith("/permission_groups")]
        assert request.query == {"name": [name]}


GATEWAY_TYPE = "cloudflare:index/aiGateway:AiGateway"
GATEWAY_URN = f"urn:pulumi:dev::breeze-infra::{GATEWAY_TYPE}::gw"


def _gateway_inputs() -> dict[str, Any]:
    from breeze_infra.config import parse_config
    from breeze_infra.gateway import camel, gateway_inputs

    config = parse_config(
        {
            "accountId": ACCOUNT,
            "models": [{"id": "@cf/meta/llama-3.1-8b-instruct"}],
            "gateway": {
                "spendLimit": {"dollars": 25, "days": 7},
                "dlpProfiles": ["0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"],
            },
        },
        "t",
        "dev",
    )
    assert config.gateway is not None
    snake = gateway_inputs(ACCOUNT, "breeze-infra-dev", config.gateway)

    def wire(value: Any) -> Any:
        if isinstance(value, dict):
            return {camel(k): wire(v) for k, v in value.items()}
        return [wire(v) for v in value] if isinstance(value, list) else value

    return {camel(k): wire(v) for k, v in snake.items() if v is not None}


def test_every_gateway_setting_reaches_the_emulator_and_computed_fields_get_defaults(
    cloudflare: provider_pb2_grpc.ResourceProviderStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    with CloudflareEmulator(account_id=ACCOUNT) as emulator:
        monkeypatch.setenv("CLOUDFLARE_BASE_URL", emulator.base_url)
        monkeypatch.setenv("CLOUDFLARE_API_TOKEN", DEFAULT_TOKEN)
        answer = cloudflare.Create(
            provider_pb2.CreateRequest(
                urn=GATEWAY_URN, type=GATEWAY_TYPE, properties=values.to_struct(_gateway_inputs())
            )
        )
        stored = emulator.gateways.gateway("breeze-infra-dev")
        assert stored is not None
        assert stored["spend_limits"]["rules"][0]["limit_type"] == "cost"
        assert stored["dlp"] == {
            "enabled": True,
            "action": "BLOCK",
            "profiles": ["0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"],
        }
        assert stored["log_management_strategy"] == "DELETE_OLDEST"
        outputs = values.from_struct(answer.properties)
        assert outputs["workersAiBillingMode"] == "postpaid"
        assert outputs["spendLimits"]["rules"][0]["id"] == "6fb25042"

        emulator.gateways.edit_gateway("breeze-infra-dev", rate_limiting_limit=5)
        read = cloudflare.Read(
            provider_pb2.ReadRequest(
                id=answer.id, urn=GATEWAY_URN, type=GATEWAY_TYPE, properties=answer.properties
            )
        )
        assert values.from_struct(read.properties)["rateLimitingLimit"] == 5


def test_a_gateway_outside_the_providers_ranges_fails_check(
    cloudflare: provider_pb2_grpc.ResourceProviderStub,
) -> None:
    inputs = {**_gateway_inputs(), "logManagement": 5000, "rateLimitingTechnique": "burst"}
    answer = cloudflare.Check(
        provider_pb2.CheckRequest(urn=GATEWAY_URN, type=GATEWAY_TYPE, news=values.to_struct(inputs))
    )
    assert sorted(f.property for f in answer.failures) == [
        "logManagement",
        "rateLimitingTechnique",
    ]


def _created(cloudflare: provider_pb2_grpc.ResourceProviderStub, inputs: dict[str, Any]) -> Any:
    return cloudflare.Create(
        provider_pb2.CreateRequest(urn=URN, type=TOKEN_TYPE, properties=values.to_struct(inputs))
    )


def _read(
    cloudflare: provider_pb2_grpc.ResourceProviderStub, answer: Any, properties: Any = None
) -> Any:
    return cloudflare.Read(
        provider_pb2.ReadRequest(
            id=answer.id,
            urn=URN,
            type=TOKEN_TYPE,
            properties=answer.properties if properties is None else properties,
        )
    )


@pytest.fixture
def emulated(monkeypatch: pytest.MonkeyPatch) -> Iterator[CloudflareEmulator]:
    with CloudflareEmulator(account_id=ACCOUNT) as emulator:
        monkeypatch.setenv("CLOUDFLARE_BASE_URL", emulator.base_url)
        monkeypatch.setenv("CLOUDFLARE_API_TOKEN", DEFAULT_TOKEN)
        yield emulator


def test_state_holds_the_apis_raw_resources_text_so_spaced_text_is_a_change(
    cloudflare: provider_pb2_grpc.ResourceProviderStub, emulated: CloudflareEmulator
) -> None:
    spaced = _token_inputs()  # json.dumps with its default separators, as the program once did
    answer = _created(cloudflare, spaced)
    state = values.from_struct(answer.properties)
    assert state["policies"][0]["resources"] == (f'{{"com.cloudflare.api.account.{ACCOUNT}":"*"}}')
    diff = cloudflare.Diff(
        provider_pb2.DiffRequest(
            id=answer.id,
            urn=URN,
            type=TOKEN_TYPE,
            olds=answer.properties,
            old_inputs=values.to_struct(spaced),
            news=values.to_struct(spaced),
        )
    )
    assert list(diff.diffs) == ["policies"] and list(diff.replaces) == []
    compact = _token_inputs(policies=state["policies"])
    same = cloudflare.Diff(
        provider_pb2.DiffRequest(
            id=answer.id,
            urn=URN,
            type=TOKEN_TYPE,
            olds=answer.properties,
            old_inputs=values.to_struct(compact),
            news=values.to_struct(compact),
        )
    )
    assert same.changes == provider_pb2.DiffResponse.DIFF_NONE


def test_read_keeps_the_value_and_an_import_has_none(
    cloudflare: provider_pb2_grpc.ResourceProviderStub, emulated: CloudflareEmulator
) -> None:
    answer = _created(cloudflare, _token_inputs())
    kept = values.from_struct(_read(cloudflare, answer).properties)
    assert kept["value"] == values.from_struct(answer.properties)["value"]
    imported = values.from_struct(
        _read(cloudflare, answer, values.to_struct({"accountId": ACCOUNT})).properties
    )
    assert "value" not in imported and imported["status"] == "active"
    assert imported["policies"] == values.from_struct(answer.properties)["policies"]


@pytest.mark.parametrize("how", ["deleted", "expired"])
def test_a_read_that_finds_the_token_gone_or_expired_drops_it(
    cloudflare: provider_pb2_grpc.ResourceProviderStub, emulated: CloudflareEmulator, how: str
) -> None:
    answer = _created(cloudflare, _token_inputs())
    [minted] = emulated.minted_tokens()
    if how == "deleted":
        emulated.remove_token(minted.value)
    else:
        emulated.set_clock(lambda: datetime(2027, 1, 2, tzinfo=UTC))
    assert _read(cloudflare, answer).id == ""
