"""The ``breeze-infra:`` keys: what a stack may say, and how each mistake is reported."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from breeze_infra.config import (
    ConfigError,
    StackConfig,
    decode_pulumi_values,
    display_name_from_id,
    load_settings,
    parse_config,
)
from breeze_infra.stacks import display_path, load_stack, read_namespace
from tests.conftest import ACCOUNT_ID, EXAMPLE_STACKS, STACKS, minimal_values, write_stack


def problems(values: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(values, "stacks/Pulumi.test.yaml")
    return caught.value.lines()


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_example_stacks_are_valid(stack: str) -> None:
    config = load_stack(STACKS / f"Pulumi.{stack}.yaml")
    assert 2 <= len(config.models) <= 4


def test_prod_example_has_an_ip_allow_list_and_a_shorter_rotation() -> None:
    prod = load_stack(STACKS / "Pulumi.prod.yaml")
    dev = load_stack(STACKS / "Pulumi.dev.yaml")
    assert prod.token.allowed_cidrs
    assert prod.token.rotation_days < dev.token.rotation_days


def test_defaults_are_a_read_only_account_token_rotated_monthly() -> None:
    config = parse_config(minimal_values(), "x")
    assert config.token.owner == "account"
    assert config.token.permissions == ("read",)
    assert config.token.rotation_days == 30
    assert config.token.generation == 0
    assert config.credential_label("staging") == "Cloudflare Workers AI (staging)"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            {"models": [{"id": "@cf/a/b"}]},
            "stacks/Pulumi.test.yaml: breeze-infra:accountId: required key is missing",
        ),
        (
            minimal_values(accountId="0123456789ABCDEF0123456789ABCDEF"),
            "stacks/Pulumi.test.yaml: breeze-infra:accountId: '0123456789ABCDEF0123456789ABCDEF' "
            "is not a Cloudflare account id (32 lowercase hex characters, as in the dashboard URL)",
        ),
        (
            minimal_values(accountid=ACCOUNT_ID),
            "stacks/Pulumi.test.yaml: breeze-infra:accountid: unknown key (did you mean `accountId`?)",
        ),
        (
            minimal_values(models=[]),
            "stacks/Pulumi.test.yaml: breeze-infra:models: must list at least 1 item(s)",
        ),
        (
            minimal_values(models=[{"id": "@cf/a/b"}, {"id": "@cf/a/c"}, {"id": "llama-3"}]),
            "stacks/Pulumi.test.yaml: breeze-infra:models[2].id: 'llama-3' is not a Workers AI "
            "model id; expected @cf/<author>/<model> or @hf/<author>/<model>",
        ),
        (
            minimal_values(models=[{"id": "@cf/a/b", "displayname": "B"}]),
            "stacks/Pulumi.test.yaml: breeze-infra:models[0].displayname: unknown key (did you mean `displayName`?)",
        ),
        (
            minimal_values(models=[{"id": "@cf/a/b"}, {"id": "@cf/a/b"}]),
            "stacks/Pulumi.test.yaml: breeze-infra:models[1].id: '@cf/a/b' is listed twice",
        ),
        (
            minimal_values(
                models=[
                    {"id": "@cf/a/b", "displayName": "Same"},
                    {"id": "@cf/a/c", "displayName": "Same"},
                ]
            ),
            "stacks/Pulumi.test.yaml: breeze-infra:models[1].displayName: display name 'Same' is "
            "already used by another model",
        ),
        (
            minimal_values(token={"rotationDays": 0}),
            "stacks/Pulumi.test.yaml: breeze-infra:token.rotationDays: Input should be greater "
            "than or equal to 1 (got 0)",
        ),
        (
            minimal_values(token={"permissions": ["read", "admin"]}),
            "stacks/Pulumi.test.yaml: breeze-infra:token.permissions[1]: Input should be 'read' or "
            "'write' (got \"admin\")",
        ),
        (
            minimal_values(token={"owner": "team"}),
            "stacks/Pulumi.test.yaml: breeze-infra:token.owner: Input should be 'account' or "
            "'user' (got \"team\")",
        ),
        (
            minimal_values(token={"allowedCidrs": ["10.0.0.1/8"]}),
            "stacks/Pulumi.test.yaml: breeze-infra:token.allowedCidrs: '10.0.0.1/8' is not an "
            "IPv4 or IPv6 CIDR (10.0.0.1/8 has host bits set)",
        ),
        (
            minimal_values(token={"allowedCidrs": ["10.0.0.0/8"], "deniedCidrs": ["10.0.0.0/8"]}),
            "stacks/Pulumi.test.yaml: breeze-infra:token: 10.0.0.0/8 is both allowed and denied",
        ),
        (
            minimal_values(token={"generation": -1}),
            "stacks/Pulumi.test.yaml: breeze-infra:token.generation: Input should be greater than "
            "or equal to 0 (got -1)",
        ),
        (
            minimal_values(credentialName="x" * 101),
            "stacks/Pulumi.test.yaml: breeze-infra:credentialName: String should have at most 100 "
            f'characters (got "{"x" * 78}…)',
        ),
    ],
)
def test_each_mistake_is_one_line_naming_the_file_and_the_key(
    values: dict[str, Any], expected: str
) -> None:
    assert problems(values) == [expected]


def test_all_mistakes_are_reported_at_once() -> None:
    lines = problems({"accountId": "nope", "models": [{"id": "bad"}], "extra": 1})
    keys = sorted(line.split(": ")[1] for line in lines)
    assert keys == ["breeze-infra:accountId", "breeze-infra:extra", "breeze-infra:models[0].id"]


def test_cidrs_are_stored_in_canonical_form() -> None:
    config = parse_config(
        minimal_values(token={"allowedCidrs": ["2001:DB8::/32", "192.0.2.0/24"]}), "x"
    )
    assert config.token.allowed_cidrs == ("2001:db8::/32", "192.0.2.0/24")


def test_a_cidr_listed_twice_is_an_error() -> None:
    assert problems(minimal_values(token={"deniedCidrs": ["192.0.2.0/24", "192.0.2.0/24"]})) == [
        "stacks/Pulumi.test.yaml: breeze-infra:token.deniedCidrs: '192.0.2.0/24' is listed twice"
    ]


@pytest.mark.parametrize(
    ("model_id", "name"),
    [
        ("@cf/meta/llama-3.1-8b-instruct", "Llama 3.1 8B Instruct"),
        ("@cf/meta/llama-3.3-70b-instruct-fp8-fast", "Llama 3.3 70B Instruct FP8 Fast"),
        ("@cf/openai/gpt-oss-120b", "GPT OSS 120B"),
        ("@cf/qwen/qwq-32b", "QwQ 32B"),
        ("@hf/nousresearch/hermes-2-pro-mistral-7b", "Hermes 2 Pro Mistral 7B"),
    ],
)
def test_display_names_are_derived_readably_from_the_id(model_id: str, name: str) -> None:
    assert display_name_from_id(model_id) == name


def test_pulumi_hands_objects_as_json_text_and_scalars_as_text() -> None:
    from_pulumi = decode_pulumi_values(
        {
            "accountId": ACCOUNT_ID,
            "credentialName": "[team] Workers AI",
            "models": json.dumps([{"id": "@cf/a/b", "contextLength": 8192}]),
            "token": json.dumps({"rotationDays": 7}),
        }
    )
    config = parse_config(from_pulumi, "x")
    assert config.credential_name == "[team] Workers AI"
    assert config.models[0].context_length == 8192
    assert config.token.rotation_days == 7


def test_stack_files_keep_values_as_written(stacks_dir: Path) -> None:
    path = write_stack(
        stacks_dir,
        "digits",
        """config:
  breeze-infra:accountId: "01234567890123456789012345678901"
  breeze-infra:models:
    - id: "@cf/a/b"
      contextLength: 4096
  cloudflare:apiToken:
    secure: v1:abc
  aws:region: eu-west-1
""",
    )
    config = load_stack(path)
    assert config.account_id == "01234567890123456789012345678901"
    assert config.models[0].context_length == 4096


def test_an_unquoted_all_digit_account_id_is_read_as_the_engine_reads_it(
    stacks_dir: Path,
) -> None:
    """Pulumi's YAML reader makes a number of 32 digits, and hands the program its float text."""
    path = write_stack(
        stacks_dir,
        "digits",
        "config:\n  breeze-infra:accountId: 01234567890123456789012345678901\n"
        "  breeze-infra:models: [{id: '@cf/a/b'}]\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_stack(path)
    assert "'1.2345678901234568e+30' is not a Cloudflare account id" in str(caught.value)


def test_keys_without_a_namespace_belong_to_the_project_as_pulumi_reads_them(
    stacks_dir: Path,
) -> None:
    path = write_stack(
        stacks_dir, "bare", f"config:\n  accountId: {ACCOUNT_ID}\n  models: [{{id: '@cf/a/b'}}]\n"
    )
    assert load_stack(path).account_id == ACCOUNT_ID


def test_a_key_pulumi_cannot_parse_is_refused_as_pulumi_refuses_the_file(
    stacks_dir: Path,
) -> None:
    path = write_stack(
        stacks_dir,
        "bad",
        f"config:\n  breeze-infra:accountId: {ACCOUNT_ID}\n  breeze-infra:token:rotationDays: 7\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_stack(path)
    assert [line.split(": ", 1)[1] for line in caught.value.lines()] == [
        "config: 'breeze-infra:token:rotationDays': Pulumi cannot read this key; keys are "
        "<namespace>:<name>, e.g. breeze-infra:accountId",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("config: [", "not valid YAML"),
        ("- a\n- b\n", "expected a mapping with a 'config' key"),
        (
            "config:\n  breeze-infra:accountId:\n    secure: v1:xyz\n",
            "breeze-infra:accountId: is an encrypted (secure) value",
        ),
    ],
)
def test_unreadable_stack_files_are_named(stacks_dir: Path, text: str, message: str) -> None:
    path = write_stack(stacks_dir, "bad", text)
    with pytest.raises(ConfigError) as caught:
        read_namespace(path)
    (line,) = caught.value.lines()
    assert line.startswith(f"{display_path(path)}: ")
    assert message in line


def test_config_schema_describes_every_key() -> None:
    schema = StackConfig.model_json_schema(by_alias=True)
    assert set(schema["properties"]) >= {"accountId", "token", "models", "credentialName"}
    assert schema["additionalProperties"] is False
    assert all("description" in p for p in schema["properties"].values())


def test_a_token_pasted_into_the_wrong_key_is_not_quoted_back() -> None:
    token = "cfat_" + "Q" * 40
    (line,) = problems(minimal_values(accountId=token))
    assert token not in line
    assert line.startswith("stacks/Pulumi.test.yaml: breeze-infra:accountId: '[value hidden")


def test_keys_of_another_projects_name_are_named_with_the_fix() -> None:
    """A stack file copied from the project named ``breeze-infra`` into ``acme-ai`` (what
    ``pulumi new --name acme-ai`` did with namespaced files) says why the keys are not read."""
    settings = {
        "breeze-infra:accountId": ACCOUNT_ID,
        "breeze-infra:models": json.dumps([{"id": "@cf/a/b"}]),
    }
    with pytest.raises(ConfigError) as caught:
        load_settings(settings, namespace="acme-ai", source="stacks/Pulumi.dev.yaml", stack="dev")
    assert caught.value.lines() == [
        f"stacks/Pulumi.dev.yaml: acme-ai:{key}: required key is missing: the stack has "
        f"'breeze-infra:{key}', a key of another project (this one is 'acme-ai', the name in "
        f"Pulumi.yaml); write it as '{key}', without a namespace, which Pulumi reads as this "
        "project's"
        for key in ("accountId", "models")
    ]


def test_a_missing_key_no_other_project_holds_stays_plain() -> None:
    settings = {"cloudflare:apiVersion": "4", "acme-ai:accountId": ACCOUNT_ID}
    with pytest.raises(ConfigError) as caught:
        load_settings(settings, namespace="acme-ai", source="s.yaml", stack="dev")
    assert caught.value.lines() == ["s.yaml: acme-ai:models: required key is missing"]
