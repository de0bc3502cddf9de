"""The GPT Breeze manifest: its fields mirror GPT Breeze's UI, and it never carries the key unasked."""

from __future__ import annotations

import json

import jsonschema
import pytest
from pydantic import ValidationError

from breeze_infra.config import parse_config
from breeze_infra.manifest import FORMAT, Manifest, build_manifest, workers_ai_base_url
from breeze_infra.schemas import committed_path, generate, schema_text
from tests.conftest import ACCOUNT_ID, example_values, minimal_values


def prod_manifest() -> Manifest:
    config = parse_config(example_values("prod"), "prod")
    return build_manifest(
        config,
        "prod",
        api_key_ref="pulumi-stack://breeze-infra/prod/outputs/apiKey",
        expires_on="2027-01-24T00:00:00Z",
    )


def test_manifest_mirrors_gpt_breezes_credential_and_model_fields() -> None:
    document = json.loads(prod_manifest().to_json())
    assert document["schema"] == FORMAT == "gpt-breeze-manifest/v1"
    assert document["environment"] == "prod"
    (credential,) = document["credentials"]
    assert credential == {
        "name": "Cloudflare Workers AI (prod)",
        "providerType": "custom-openai-compatible",
        "baseUrl": "https://api.cloudflare.com/client/v4/accounts/fedcba9876543210fedcba9876543210/ai/v1",
        "apiKeyRef": "pulumi-stack://breeze-infra/prod/outputs/apiKey",
        "expiresOn": "2027-01-24T00:00:00Z",
    }
    assert document["models"][0] == {
        "modelId": "@cf/meta/llama-3.3-70b-instruct-fp8-fast",
        "displayName": "Llama 3.3 70B (fast)",
        "credential": "Cloudflare Workers AI (prod)",
        "contextLength": 24000,
    }


def test_models_keep_config_order_and_every_model_uses_the_credential() -> None:
    document = json.loads(prod_manifest().to_json())
    assert [m["modelId"] for m in document["models"]] == [
        m["id"] for m in example_values("prod")["models"]
    ]
    assert {m["credential"] for m in document["models"]} == {document["credentials"][0]["name"]}


def test_output_is_byte_for_byte_stable_with_fixed_key_order() -> None:
    text = prod_manifest().to_json()
    assert text == prod_manifest().to_json()
    assert list(json.loads(text)) == ["schema", "environment", "credentials", "models"]
    assert text.endswith("}\n")


def test_models_without_context_length_leave_the_field_out() -> None:
    config = parse_config(minimal_values(), "x")
    document = json.loads(build_manifest(config, "dev", api_key_ref="r", expires_on="e").to_json())
    assert "contextLength" not in document["models"][0]
    assert document["models"][0]["displayName"] == "Llama 3.1 8B Instruct"


def test_the_key_appears_only_when_explicitly_added() -> None:
    manifest = prod_manifest()
    assert "apiKey" not in json.loads(manifest.to_json())["credentials"][0]
    with_key = json.loads(manifest.with_api_key("cfat_known").to_json())
    assert with_key["credentials"][0]["apiKey"] == "cfat_known"


def test_the_base_url_carries_the_real_account_id() -> None:
    assert workers_ai_base_url(ACCOUNT_ID) == (
        f"https://api.cloudflare.com/client/v4/accounts/{ACCOUNT_ID}/ai/v1"
    )


@pytest.mark.parametrize("which", ["manifest", "config"])
def test_committed_schemas_match_the_models(which: str) -> None:
    assert committed_path(which).read_text(encoding="utf-8") == schema_text(which)  # type: ignore[arg-type]


def test_manifests_validate_against_the_published_schema() -> None:
    schema = json.loads(committed_path("manifest").read_text(encoding="utf-8"))
    jsonschema.validate(json.loads(prod_manifest().to_json()), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"schema": "gpt-breeze-manifest/v2"}, schema)


def test_unknown_manifest_fields_are_rejected() -> None:
    document = json.loads(prod_manifest().to_json())
    document["credentials"][0]["apikey"] = "oops"
    with pytest.raises(ValidationError):
        Manifest.model_validate(document)
    assert generate("manifest")["additionalProperties"] is False
