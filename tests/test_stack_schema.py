"""The JSON Schema of a whole stack file: what an editor checks a ``Pulumi.<stack>.yaml`` against.

It must accept every stack file the CLI accepts that the project ships, reject the mistakes a user
makes while typing, and stay what the config models generate.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from breeze_infra.schemas import WHICH, committed_path, generate, schema_text
from tests.conftest import ACCOUNT_ID, ROOT

SCHEMA: dict[str, Any] = json.loads(committed_path("stack").read_text(encoding="utf-8"))
STACK_FILES = sorted(
    [*(ROOT / "stacks").glob("*.yaml"), *(ROOT / "examples" / "stacks").glob("*.yaml")]
)
HEADER = re.compile(r"\A# yaml-language-server: \$schema=(\S+)\n")
MODELS = [{"id": "@cf/meta/llama-3.1-8b-instruct"}]


def valid(document: Any) -> bool:
    return jsonschema.Draft202012Validator(SCHEMA).is_valid(document)


def test_the_committed_schema_is_what_the_models_generate() -> None:
    assert "stack" in WHICH
    assert committed_path("stack").read_text(encoding="utf-8") == schema_text("stack")
    jsonschema.Draft202012Validator.check_schema(generate("stack"))


@pytest.mark.parametrize("path", STACK_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_stack_file_validates_and_points_its_editor_at_the_schema(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    jsonschema.validate(yaml.safe_load(text), SCHEMA)
    header = HEADER.match(text)
    assert header, "first line must be the yaml-language-server $schema comment"
    assert (path.parent / header.group(1)).resolve() == committed_path("stack").resolve()


def test_the_readme_stack_example_validates() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    (example,) = [b for b in re.findall(r"```yaml\n(.+?)```", text, re.S) if "config:" in b]
    header = HEADER.match(example)
    assert header and (ROOT / "stacks" / header.group(1)).resolve() == committed_path("stack")
    jsonschema.validate(yaml.safe_load(example), SCHEMA)


def test_every_stack_example_in_the_docs_validates() -> None:
    examples = [
        (page.name, block)
        for page in sorted((ROOT / "docs").glob("*.md"))
        for block in re.findall(r"```yaml\n(.+?)```", page.read_text(encoding="utf-8"), re.S)
        if block.startswith("config:")
    ]
    assert {name for name, _ in examples} >= {"configuration.md", "consumers.md"}
    for name, block in examples:
        assert valid(yaml.safe_load(block)), name


@pytest.mark.parametrize(
    ("config", "why"),
    [
        ({"breeze-infra:accountId": ACCOUNT_ID}, "models missing"),
        ({"breeze-infra:acountId": ACCOUNT_ID, "breeze-infra:models": MODELS}, "a typo in a key"),
        ({"breeze-infra:accountId": "ACME", "breeze-infra:models": MODELS}, "not an account id"),
        (
            {"breeze-infra:accountId": ACCOUNT_ID, "breeze-infra:models": [{"id": "llama"}]},
            "not a model id",
        ),
        (
            {
                "breeze-infra:accountId": ACCOUNT_ID,
                "breeze-infra:models": MODELS,
                "breeze-infra:secrets": [{"backend": "vault", "mount": "secret"}],
            },
            "a backend entry without a required key",
        ),
        (
            {
                "breeze-infra:accountId": ACCOUNT_ID,
                "breeze-infra:models": MODELS,
                "breeze-infra:token": {"rotationDays": 400},
            },
            "out of range",
        ),
        (
            {"breeze-infra:accountId": {"secure": "v1:abc"}, "breeze-infra:models": MODELS},
            "an encrypted breeze-infra value",
        ),
    ],
)
def test_a_broken_stack_file_is_rejected(config: dict[str, Any], why: str) -> None:
    assert not valid({"config": config}), why


def test_a_top_level_key_pulumi_does_not_write_is_rejected() -> None:
    good = {"config": {"breeze-infra:accountId": ACCOUNT_ID, "breeze-infra:models": MODELS}}
    assert valid(good)
    assert not valid({**good, "confg": {}})


def test_what_pulumi_writes_is_accepted() -> None:
    """Provider keys, secrets provider fields, JSON text from ``pulumi config set`` or
    ``pulumi new``, keys without a namespace, and ESC imports that may hold the required keys."""
    assert valid(
        {
            "secretsprovider": "passphrase",
            "encryptionsalt": "v1:abc",
            "config": {
                "cloudflare:apiToken": {"secure": "v1:xyz"},
                "aws:region": "eu-west-1",
                "accountId": ACCOUNT_ID,
                "breeze-infra:models": json.dumps(MODELS),
                "breeze-infra:token": '{"rotationDays": 7}',
            },
        }
    )
    assert valid({"environment": ["ai/dev"], "config": {"cloudflare:apiToken": "x"}})
    assert not valid({"config": {"cloudflare:apiToken": "x"}})
