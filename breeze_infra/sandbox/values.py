"""Pulumi property values as plain JSON data: secrets, unknowns and the detailed diff of two maps.

The engine sends a provider its properties as protobuf Structs in which a secret is the object
``{SIG: SECRET_SIG, "value": ...}`` and a value not known yet (during preview) is ``UNKNOWN``.
The fakes work on the JSON form and keep those wrappers intact, so a secret input stays secret.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from google.protobuf import json_format, struct_pb2

SIG = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""Pulumi's wire markers, defined once for the fake plugins and the mocks (``sandbox.mocks``); the
policy pack, a distributable of its own, keeps a copy in ``breeze_guardrails.rules``."""

Change = Literal["add", "delete", "update"]


def from_struct(struct: struct_pb2.Struct) -> dict[str, Any]:
    return dict(json_format.MessageToDict(struct))


def to_struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(dict(values))
    return struct


def secret(value: Any) -> dict[str, Any]:
    return {SIG: SECRET_SIG, "value": value}


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SIG) == SECRET_SIG


def reveal(value: Any) -> Any:
    """The value with every secret wrapper removed (to compare or to send to an API)."""
    if is_secret(value):
        return reveal(value.get("value"))
    if isinstance(value, dict):
        return {k: reveal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [reveal(v) for v in value]
    return value


def has_unknown(value: Any) -> bool:
    if value == UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(has_unknown(v) for v in value)
    return False


def changed_keys(
    old: Mapping[str, Any], new: Mapping[str, Any], keys: Iterable[str] | None = None
) -> dict[str, Change]:
    """Top-level keys whose revealed values differ, and how (a missing key and None are alike)."""
    names = sorted(set(old) | set(new) if keys is None else set(keys))
    changes: dict[str, Change] = {}
    for key in names:
        before, after = reveal(old.get(key)), reveal(new.get(key))
        if before == after and not has_unknown(after):
            continue
        if before is None:
            changes[key] = "add"
        elif after is None:
            changes[key] = "delete"
        else:
            changes[key] = "update"
    return changes
