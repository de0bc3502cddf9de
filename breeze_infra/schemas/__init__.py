"""The published JSON Schemas: generated from the pydantic models, with a committed copy of each.

Editors and other tools validate against the committed files; a test keeps them equal to what
the models generate. ``stack`` describes a whole ``Pulumi.<stack>.yaml``, so that a
``# yaml-language-server: $schema=...`` line in a stack file gives completion and checks.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

Which = Literal["manifest", "config", "stack"]
WHICH: tuple[Which, ...] = ("manifest", "config", "stack")
FOLDER = Path(__file__).parent


def generate(which: Which) -> dict[str, Any]:
    if which == "stack":
        return stack_schema()
    if which == "manifest":
        from breeze_infra.manifest import Manifest

        return Manifest.model_json_schema(by_alias=True)
    from breeze_infra.config import StackConfig

    return StackConfig.model_json_schema(by_alias=True)


def schema_text(which: Which) -> str:
    return json.dumps(generate(which), indent=2, ensure_ascii=False) + "\n"


def committed_path(which: Which) -> Path:
    return FOLDER / f"{which}.schema.json"


_ANNOTATIONS = ("title", "description", "default")


def _structured(schema: dict[str, Any]) -> bool:
    if schema.get("type") in ("object", "array") or "$ref" in schema:
        return True
    return any(_structured(option) for option in schema.get("anyOf", []))


def _or_json_text(schema: dict[str, Any]) -> dict[str, Any]:
    """An object or a list, or the same as JSON text: ``pulumi config set KEY '{...}'`` and
    ``pulumi new`` write the text, and the engine hands the program text either way."""
    if not _structured(schema):
        return schema
    value = {k: v for k, v in schema.items() if k not in _ANNOTATIONS}
    text = {"type": "string", "contentMediaType": "application/json", "contentSchema": value}
    return {**{k: v for k, v in schema.items() if k in _ANNOTATIONS}, "anyOf": [value, text]}


def stack_schema() -> dict[str, Any]:
    """A stack file as Pulumi writes it, with the config schema under ``breeze-infra:`` keys.

    Keys without a namespace are the project's, as Pulumi reads them; other namespaces
    (``cloudflare:apiToken``, often ``secure:``) belong to providers and are left open. Required
    keys are not required when the file imports ESC environments, which may supply them.
    """
    from breeze_infra.config import NAMESPACE, StackConfig

    config = StackConfig.model_json_schema(by_alias=True)
    properties: dict[str, Any] = {}
    for key, value in config["properties"].items():
        properties[f"{NAMESPACE}:{key}"] = _or_json_text(value)
        properties[key] = {"$ref": f"#/properties/config/properties/{NAMESPACE}:{key}"}
    present = [
        {"anyOf": [{"required": [f"{NAMESPACE}:{key}"]}, {"required": [key]}]}
        for key in config.get("required", [])
    ]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"{NAMESPACE} stack file",
        "description": (
            f"A Pulumi stack file (stacks/Pulumi.<stack>.yaml) of the {NAMESPACE} project: its "
            f"settings under the '{NAMESPACE}:' namespace, and the keys Pulumi itself writes."
        ),
        "type": "object",
        "properties": {
            "config": {
                "type": "object",
                "properties": properties,
                "patternProperties": {
                    f"^(?!{NAMESPACE}:)[^:]+:(config:)?[^:]+$": {
                        "description": "another namespace's key, e.g. cloudflare:apiToken"
                    }
                },
                "additionalProperties": False,
            },
            "secretsprovider": {"type": "string"},
            "encryptedkey": {"type": "string"},
            "encryptionsalt": {"type": "string"},
            "environment": {
                "description": "ESC environments the stack imports",
                "anyOf": [
                    {"type": "array", "items": {"type": "string"}},
                    {"type": "string"},
                    {"type": "object", "properties": {"imports": {"type": "array"}}},
                ],
            },
        },
        "additionalProperties": False,
        "if": {"not": {"required": ["environment"]}},
        "then": {"required": ["config"], "properties": {"config": {"allOf": present}}},
        "$defs": config.get("$defs", {}),
    }
