"""Every resource the committed stacks register fits the provider schema of the locked SDK.

The schema a Python SDK carries is its generated ``<Resource>Args`` and input ``...Args``
classes: each ``__init__`` names every property, marks the required ones (no default) and types
each. For every stack in ``stacks/`` and ``examples/stacks/``, under the mocks, each registered
provider resource is checked: its type token names an SDK class, no required input is missing,
no property is unknown, every value has the declared type (nested objects likewise). On top, the
Terraform provider's validators found in its source (``GATEWAY_FIELDS``: ranges and enums of
ai_gateway/schema.go; account_token/schema.go: ``effect`` allow or deny) must hold.
"""

from __future__ import annotations

import collections.abc
import enum
import importlib
import inspect
import re
import typing
from pathlib import Path
from typing import Any

import pulumi
import pytest

from breeze_infra.gateway import AI_GATEWAY_TYPE, GATEWAY_FIELDS
from breeze_infra.permissions import ACCOUNT_TOKEN, USER_TOKEN
from breeze_infra.sandbox.mocks import synthesize, unwrap_secrets
from breeze_infra.stacks import read_namespace
from tests.conftest import NOW, ROOT

STACK_FILES = sorted(
    [
        *(ROOT / "stacks").glob("Pulumi.*.yaml"),
        *(ROOT / "examples" / "stacks").glob("Pulumi.*.yaml"),
    ]
)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _sdk_class(type_token: str) -> tuple[Any, type]:
    """``cloudflare:index/accountToken:AccountToken`` -> (pulumi_cloudflare, AccountTokenArgs);
    ``kubernetes:core/v1:Secret`` -> (pulumi_kubernetes.core.v1, SecretArgs)."""
    package, middle, name = type_token.split(":")
    root = "pulumi_" + package.replace("-", "_")
    parts = [p.replace("-", "_") for p in middle.split("/") if p != "index"]
    for depth in range(len(parts), -1, -1):
        try:
            module = importlib.import_module(".".join([root, *parts[:depth]]))
        except ImportError:
            continue
        if hasattr(module, name + "Args"):
            return module, getattr(module, name + "Args")
    raise AssertionError(f"the locked SDK has no resource {type_token}")


def _resolve(ref: Any, module: Any) -> Any:
    if isinstance(ref, typing.ForwardRef):
        name = ref.__forward_arg__
        if name.startswith("Output["):
            return None
        if "." in name:  # '_meta.v1.ObjectMetaArgs': a module of the package, imported as _meta
            *path, last = name.split(".")
            root = module.__name__.split(".")[0]
            found_module = importlib.import_module(".".join([root, path[0].lstrip("_"), *path[1:]]))
            return getattr(found_module, last)
        for where in (module.__name__, module.__name__ + "._inputs"):
            try:
                found = getattr(importlib.import_module(where), name, None)
            except ImportError:
                continue
            if found is not None:
                return found
        raise AssertionError(f"the SDK names an unknown type {name}")
    return ref


def _whole(value: Any) -> bool:
    number = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    return number and not isinstance(value, bool)  # the engine sends every number as a float


SCALARS: dict[Any, Any] = {
    bool: lambda v: isinstance(v, bool),
    int: _whole,
    float: lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    str: lambda v: isinstance(v, str),
    pulumi.asset.Asset: lambda v: isinstance(v, pulumi.asset.Asset),
    pulumi.asset.Archive: lambda v: isinstance(v, pulumi.asset.Archive),
}


def _problems(value: Any, annotation: Any, module: Any, where: str) -> list[str]:
    """Why ``value`` fits none of ``annotation``'s options; empty when one fits."""
    union = typing.get_origin(annotation) is typing.Union
    options = [
        _resolve(o, module) for o in (typing.get_args(annotation) if union else (annotation,))
    ]
    found = [
        problems
        for option in options
        if option is not None and typing.get_origin(option) is not collections.abc.Awaitable
        for problems in [_fits(value, option, module, where)]
    ]
    if not found or any(not problems for problems in found):
        return []
    return min(found, key=len)


def _fits(value: Any, option: Any, module: Any, where: str) -> list[str]:
    origin = typing.get_origin(option)
    if option is type(None):
        return [] if value is None else [f"{where}: {value!r} is not null"]
    if origin is typing.Literal:
        allowed = list(typing.get_args(option))
        return [] if value in allowed else [f"{where}: {value!r} not in {allowed}"]
    if option in SCALARS:
        return [] if SCALARS[option](value) else [f"{where}: {value!r} is not a {option.__name__}"]
    if inspect.isclass(option) and issubclass(option, enum.Enum):
        allowed = sorted(member.value for member in option)
        return [] if value in allowed else [f"{where}: {value!r} not in {allowed}"]
    if origin in (collections.abc.Sequence, list):
        if not isinstance(value, list):
            return [f"{where}: not a list"]
        (item,) = typing.get_args(option)
        return [p for i, v in enumerate(value) for p in _problems(v, item, module, f"{where}[{i}]")]
    if origin in (collections.abc.Mapping, dict):
        if not isinstance(value, dict):
            return [f"{where}: not a map"]
        item = typing.get_args(option)[1]
        return [p for k, v in value.items() for p in _problems(v, item, module, f"{where}.{k}")]
    if inspect.isclass(option):
        return _object_problems(value, option, module, where)
    raise AssertionError(f"{where}: an SDK type this check does not know: {option!r}")


def _object_problems(value: Any, args_class: type, module: Any, where: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{where}: not an object"]
    parameters = {
        name: p
        for name, p in inspect.signature(vars(args_class)["__init__"]).parameters.items()
        if name not in ("self", "__self__")
    }
    problems = [
        f"{where}: required input {name} is missing"
        for name, p in parameters.items()
        if p.default is inspect.Parameter.empty and name not in {_snake(k) for k in value}
    ]
    for key, item in value.items():
        name = _snake(key)
        if name not in parameters:
            problems.append(f"{where}: unknown property {key}")
        elif item is not None:
            problems.extend(_problems(item, parameters[name].annotation, module, f"{where}.{key}"))
    return problems


def _validator_problems(type_token: str, inputs: dict[str, Any]) -> list[str]:
    """The Terraform provider's validators breeze-infra's resources meet (its source, v5.22.0)."""
    problems = []
    if type_token == AI_GATEWAY_TYPE:
        for field in GATEWAY_FIELDS:
            problem = field.problem(inputs.get(field.wire))
            if problem is not None:
                problems.append(f"{field.wire} {problem}")
    if type_token in (ACCOUNT_TOKEN, USER_TOKEN):
        for policy in inputs.get("policies") or []:
            if str(policy.get("effect")).lower() not in ("allow", "deny"):
                problems.append(f"policies: effect {policy.get('effect')!r}")
    return problems


def resource_problems(type_token: str, inputs: dict[str, Any]) -> list[str]:
    module, args_class = _sdk_class(type_token)
    return _object_problems(inputs, args_class, module, type_token) + _validator_problems(
        type_token, inputs
    )


@pytest.mark.parametrize("path", STACK_FILES, ids=lambda p: str(Path(p).relative_to(ROOT)))
def test_every_registered_resource_fits_the_locked_sdks_schema(path: Path) -> None:
    stack = path.name.removeprefix("Pulumi.").removesuffix(".yaml")
    result = synthesize(stack, read_namespace(path), NOW)
    checked = [r for r in result.registrations if not r.type.startswith(("breeze:", "pulumi:"))]
    assert checked, "the stack registered no provider resource"
    problems = [
        f"{r.name}: {problem}"
        for r in checked
        for problem in resource_problems(r.type, unwrap_secrets(r.inputs)[0])
    ]
    assert problems == []


@pytest.mark.parametrize(
    ("inputs", "problem"),
    [
        ({"name": "x", "policies": []}, "required input account_id is missing"),
        ({"accountId": "a", "name": "x", "policies": [], "colour": 1}, "unknown property colour"),
        ({"accountId": "a", "name": 5, "policies": []}, "5 is not a str"),
        (
            {"accountId": "a", "name": "x", "policies": [{"effect": "allow", "resources": "{}"}]},
            "required input permission_groups is missing",
        ),
    ],
)
def test_the_check_names_what_the_schema_refuses(inputs: dict[str, Any], problem: str) -> None:
    assert any(problem in line for line in resource_problems(ACCOUNT_TOKEN, inputs))


def test_the_check_applies_the_providers_gateway_range() -> None:
    inputs = {
        "accountId": "a",
        "aiGatewayId": "g",
        "cacheInvalidateOnUpdate": True,
        "cacheTtl": 0,
        "collectLogs": True,
        "rateLimitingInterval": 60,
        "rateLimitingLimit": 240,
        "logManagement": 5000,
    }
    assert resource_problems(AI_GATEWAY_TYPE, inputs) == [
        "logManagement must be from 10000 to 10000000, got 5000"
    ]
