"""The one reader of ``pulumi stack output --json``: what counts as a key, a consumer, a stack."""

from __future__ import annotations

import pytest

from breeze_infra import stack_outputs as so
from breeze_infra.config import parse_config
from breeze_infra.exits import CommandError, ExitCode
from breeze_infra.manifest import build_manifest
from tests.conftest import ACCOUNT_ID

KEY = "cfat_" + "Q" * 40


def test_a_redacted_key_is_no_key() -> None:
    assert so.SECRET_MARKER == "[secret]"
    assert so.api_key({"apiKey": f" {KEY} "}) == KEY
    for absent in ({"apiKey": "[secret]"}, {"apiKey": ""}, {"apiKey": 7}, {}, [KEY]):
        assert so.api_key(absent) is None
    assert so.redacted_key({"apiKey": "[secret]"}) == "apiKey"
    assert so.redacted_key({"apiKeys": {"a": KEY, "b": "[secret]"}}) == "apiKeys"
    assert so.redacted_key({"apiKeys": {"a": KEY}}) is None


def test_a_consumers_outputs_look_like_a_stack_without_consumers() -> None:
    outputs = {
        "baseUrl": "https://example",
        "consumers": {"alice": {"tokenId": "t1"}, "bob": {"tokenId": "t2"}},
        "apiKeys": {"alice": KEY},
    }
    assert so.consumer_outputs(outputs, "alice") == {
        "baseUrl": "https://example",
        "tokenId": "t1",
        "apiKey": KEY,
    }
    assert so.consumer_outputs(outputs, "bob") == {"baseUrl": "https://example", "tokenId": "t2"}
    assert so.consumer_outputs(outputs, "carol") is None
    assert so.consumer_outputs({"apiKey": KEY}, "alice") is None


def test_outputs_name_their_stack_in_the_manifest() -> None:
    config = parse_config({"accountId": ACCOUNT_ID, "models": [{"id": "@cf/a/b"}]}, "t")
    manifest = build_manifest(config, "prod", api_key_ref="ref", expires_on="2026-12-24T00:00:00Z")
    so.check_stack([("manifest", manifest)], "prod", "stdin")
    with pytest.raises(CommandError) as raised:
        so.check_stack([("manifest", manifest)], "dev", "stdin")
    assert raised.value.exit_code is ExitCode.BAD_INPUT
    assert str(raised.value).startswith(
        "stdin: manifest.environment: these are the outputs of stack 'prod', not of stack 'dev'"
    )


def test_a_deployed_manifest_is_read_without_its_key() -> None:
    config = parse_config({"accountId": ACCOUNT_ID, "models": [{"id": "@cf/a/b"}]}, "t")
    manifest = build_manifest(config, "dev", api_key_ref="ref", expires_on="2026-12-24T00:00:00Z")
    document = manifest.with_api_key(KEY).model_dump(mode="json", by_alias=True)
    read = so.manifest_at({"manifest": document}, "outputs.json", ("manifest",))
    assert read == manifest
    with pytest.raises(CommandError, match=r"^outputs.json: manifest: missing"):
        so.manifest_at({"manifest": "dev"}, "outputs.json", ("manifest",))


def test_a_manifest_is_read_by_the_reader_of_its_format() -> None:
    config = parse_config({"accountId": ACCOUNT_ID, "models": [{"id": "@cf/a/b"}]}, "t")
    manifest = build_manifest(config, "dev", api_key_ref="ref", expires_on="2026-12-24T00:00:00Z")
    document = manifest.model_dump(mode="json", by_alias=True)
    unlabelled = {key: value for key, value in document.items() if key != "schema"}
    assert so.manifest_at({"manifest": unlabelled}, "o.json", ("manifest",)) == manifest


@pytest.mark.parametrize("schema", ["gpt-breeze-manifest/v2", 2, "v1\n::error::forged"])
def test_a_manifest_of_an_unknown_format_asks_for_a_newer_breeze_infra(schema: object) -> None:
    config = parse_config({"accountId": ACCOUNT_ID, "models": [{"id": "@cf/a/b"}]}, "t")
    manifest = build_manifest(config, "dev", api_key_ref="ref", expires_on="2026-12-24T00:00:00Z")
    document = {**manifest.model_dump(mode="json", by_alias=True), "schema": schema}
    with pytest.raises(CommandError) as raised:
        so.manifest_at({"manifest": document}, "o.json", ("consumers", "a", "manifest"))
    message = str(raised.value)
    assert raised.value.exit_code is ExitCode.BAD_INPUT
    assert message.startswith("o.json: consumers.a.manifest.schema: '")
    assert "(gpt-breeze-manifest/v1); a newer breeze-infra wrote it, so upgrade" in message
    assert "\n" not in message
