"""Stack files on disk, turned into exactly what the engine hands the program.

``pulumi up`` does not give a program the YAML: it gives a map of ``<namespace>:<key>`` to text,
objects and lists as JSON, scalars as the text of their typed value, project defaults filled in,
secure values decrypted and marked secret. ``read_stack_file`` builds that same map offline, and
``config.load_settings`` reads it for both the CLI and the program, so they cannot disagree.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from breeze_infra import project as projects
from breeze_infra.config import ConfigError, StackConfig, load_settings
from breeze_infra.messages import short
from breeze_infra.project import Project, ProjectError, display_path

__all__ = [
    "STACK_NAME",
    "StackFile",
    "check_stack_name",
    "default_stacks_dir",
    "display_path",
    "engine_text",
    "list_stacks",
    "load_stack",
    "read_namespace",
    "read_stack_file",
    "split_key",
    "stack_file",
    "stack_name",
    "stack_name_problem",
]


@dataclass(frozen=True)
class StackFile:
    """One stack's config as the engine would pass it to the program."""

    source: str
    stack: str
    namespace: str
    settings: dict[str, str]
    """Every config key of the stack (all namespaces), full key to text."""
    secret: frozenset[str]
    environments: tuple[str, ...]
    """ESC environments the file imports: keys the file lacks may come from them."""


def default_stacks_dir(start: Path | None = None) -> Path:
    """The ``stackConfigDir`` of the nearest Pulumi.yaml, as ``pulumi`` itself would pick it."""
    try:
        return projects.find_project(start).stacks_dir
    except ProjectError as exc:
        raise ConfigError(exc.source, [(exc.key, exc.message)]) from None


STACK_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")
"""Pulumi's rule for a stack's name, ``tokens.ParseStackName`` (pulumi sdk/v3 v3.274.0,
go/common/tokens/stack_name.go): letters, digits, '-', '_' and '.', 1 to 100 of them. Every
command refuses any other, so a name from ``--stack``, ``PULUMI_STACK``, the engine or a
component's args never reaches a token's name, a message or a file name."""


def stack_name_problem(stack: str) -> str | None:
    """Why Pulumi would refuse ``stack`` as a stack's name (``STACK_NAME``), or None; like
    Pulumi, it says which character is wrong and where. The caller quotes the name."""
    if STACK_NAME.fullmatch(stack):
        return None
    odd = re.search(r"[^A-Za-z0-9_.-]", stack)
    where = (
        f" (invalid character {short(repr(odd.group()))} at position {odd.start()})" if odd else ""
    )
    return (
        "not a stack name Pulumi accepts: letters, digits, '-', '_' or '.', 1 to 100 characters"
        + where
    )


def check_stack_name(stack: str) -> str:
    """``stack`` when Pulumi takes it as a stack's name; else ConfigError, one line."""
    problem = stack_name_problem(stack)
    if problem is not None:
        raise ConfigError(f"stack '{short(stack)}'", [(None, problem)])
    return stack


def stack_file(stacks_dir: Path, stack: str) -> Path:
    """``Pulumi.<stack>.yaml`` in the folder; a name Pulumi would refuse is refused here."""
    return stacks_dir / f"Pulumi.{check_stack_name(stack)}.yaml"


def list_stacks(stacks_dir: Path) -> list[str]:
    return sorted(stack_name(path) for path in stacks_dir.glob("Pulumi.*.yaml"))


def stack_name(path: Path) -> str:
    return path.name.removeprefix("Pulumi.").removesuffix(".yaml")


def split_key(full_key: str) -> tuple[str, str] | None:
    """``ns:name`` or the old ``ns:config:name``, as Pulumi's ``config.ParseKey`` parses keys;
    None when it can't."""
    parts = full_key.split(":")
    if len(parts) == 2:
        return parts[0], parts[1]
    if len(parts) == 3 and parts[1] == "config":
        return parts[0], parts[2]
    return None


def engine_text(value: Any) -> str:
    """A config value as the engine passes it: text as is, anything else as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), sort_keys=True, allow_nan=False)


def _has_secure(value: Any) -> bool:
    if isinstance(value, dict):
        if set(value) == {"secure"} and isinstance(value["secure"], str):
            return True
        return any(_has_secure(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_secure(item) for item in value)
    return False


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(item) for item in value.values())
    if isinstance(value, list):
        return all(_finite(item) for item in value)
    return True


def read_stack_file(path: Path, project: Project | None = None) -> StackFile:
    """The engine's view of ``Pulumi.<stack>.yaml``; a file Pulumi would refuse is refused."""
    project = project or projects.find_project(path.parent)
    source = display_path(path)
    document = _stack_document(path, source)
    settings, secret, problems = _engine_settings(document.get("config") or {}, project, source)
    for key, value in project.defaults.items():
        settings.setdefault(f"{project.name}:{key}", engine_text(value))
    problems.extend(
        (f"{project.name}:{key}", "missing: Pulumi.yaml declares it with no default")
        for key in sorted(project.required)
        if f"{project.name}:{key}" not in settings
    )
    if problems:
        raise ConfigError(source, problems)
    return StackFile(
        source=source,
        stack=stack_name(path),
        namespace=project.name,
        settings=settings,
        secret=frozenset(secret),
        environments=_environments(document.get("environment")),
    )


def _stack_document(path: Path, source: str) -> dict[str, Any]:
    try:
        document = projects.read_yaml_file(path, source)
    except ProjectError as exc:
        message = exc.message.replace("no such file", "no such stack file")
        raise ConfigError(source, [(None, message)]) from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise ConfigError(source, [(None, "expected a mapping with a 'config' key")])
    return document


def _engine_settings(
    config: Any, project: Project, source: str
) -> tuple[dict[str, str], set[str], list[tuple[str | None, str]]]:
    """Each key as the engine hands it to the program (``<ns>:<key>`` to text), the keys holding
    secure values, and the keys the engine would refuse."""
    if not isinstance(config, dict):
        raise ConfigError(source, [("config", "expected a mapping of keys to values")])
    settings: dict[str, str] = {}
    secret: set[str] = set()
    problems: list[tuple[str | None, str]] = []
    for raw_key, value in config.items():
        # Pulumi (since 3.44) gives a key without a namespace the project's.
        parsed = split_key(raw_key if ":" in raw_key else f"{project.name}:{raw_key}")
        if parsed is None:
            problems.append(
                (
                    f"config: {_quoted(raw_key)}",
                    "Pulumi cannot read this key; keys are <namespace>:<name>, "
                    f"e.g. {project.name}:accountId",
                )
            )
            continue
        key = f"{parsed[0]}:{parsed[1]}"
        if not _finite(value):
            problems.append((key, "holds a number that is not finite (.inf or .nan)"))
            continue
        if _has_secure(value):
            secret.add(key)
        # A top-level null reaches the program as empty text after the engine's round trip.
        settings[key] = "" if value is None else engine_text(value)
    return settings, secret, problems


def _environments(value: Any) -> tuple[str, ...]:
    if isinstance(value, dict):
        value = value.get("imports")
    if isinstance(value, list):
        return tuple(str(item) for item in value)
    if isinstance(value, str):
        return (value,)
    return ()


def _quoted(text: str) -> str:
    return f"'{short(text)}'"


def load_stack(
    path: Path, project: Project | None = None, *, consumers: Collection[str | None] | None = None
) -> StackConfig:
    """The stack file's config, validated as ``pulumi up`` would validate it; ``consumers``
    (None: every active one) are those whose backend SDKs must be installed."""
    from breeze_infra.project import find_install

    file = read_stack_file(path, project)
    return load_settings(
        file.settings,
        namespace=file.namespace,
        source=file.source,
        stack=file.stack,
        secret=file.secret,
        install=find_install(path.parent),
        environments=file.environments,
        consumers=consumers,
    )


def read_namespace(path: Path, project: Project | None = None) -> dict[str, Any]:
    """The namespace's values of a stack file, prefix removed, decoded as the program decodes them
    (for the simulation and tests; ``load_stack`` is the validating reader)."""
    from breeze_infra.config import namespace_values

    file = read_stack_file(path, project)
    values, problems = namespace_values(file.settings, file.namespace, file.secret)
    if problems:
        raise ConfigError(file.source, problems)
    return values


def settings_of(values: Mapping[str, Any], namespace: str) -> dict[str, str]:
    """Decoded values back to the engine's map (what ``synth`` and the mocks hand the program)."""
    return {f"{namespace}:{key}": engine_text(value) for key, value in values.items()}


def load_resolved(document: Any, source: str, stack: str, stacks_dir: Path) -> StackConfig:
    """The config ``pulumi config --json --stack S`` printed (``{key: {value, objectValue,
    secret}}``), validated like the stack file; a secret shown as hidden is still a secret."""
    from breeze_infra.project import find_install

    if not isinstance(document, dict):
        raise ConfigError(
            source, [(None, "expected the JSON object `pulumi config --json` prints")]
        )
    settings: dict[str, str] = {}
    secret: set[str] = set()
    for key, entry in document.items():
        if not isinstance(entry, dict):
            raise ConfigError(source, [(str(key), "expected {value, objectValue, secret}")])
        if entry.get("secret"):
            secret.add(key)
        value = entry.get("value")
        if isinstance(value, str):
            settings[key] = value
        elif "objectValue" in entry:
            settings[key] = engine_text(entry["objectValue"])
        elif key in secret:
            settings[key] = ""
    project = projects.find_project(stacks_dir)
    return load_settings(
        settings,
        namespace=project.name,
        source=source,
        stack=stack,
        secret=secret,
        install=find_install(stacks_dir),
    )
