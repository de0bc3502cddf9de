"""Stack files on disk: where they are and what their ``breeze-infra:`` keys say.

This is the offline half of config loading: the CLI reads ``Pulumi.<stack>.yaml`` directly, with
no Pulumi CLI and no secrets, the way Pulumi itself would hand the values to the program.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from breeze_infra.config import (
    NAMESPACE,
    SECRET_VALUE_MESSAGE,
    ConfigError,
    StackConfig,
    parse_config,
)

# BaseLoader keeps every scalar as the text that was written, as Pulumi does: an all-digit account
# id keeps its leading zeros and 'yes' stays a string. Pydantic then converts where a number is due.
_Loader: type[Any] = getattr(yaml, "CBaseLoader", yaml.BaseLoader)


def display_path(path: Path) -> str:
    """Paths in messages are relative to the working directory when they can be."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def find_project_file(start: Path | None = None) -> Path | None:
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "Pulumi.yaml"
        if candidate.is_file():
            return candidate
    return None


def default_stacks_dir(start: Path | None = None) -> Path:
    """The ``stackConfigDir`` of the nearest Pulumi.yaml, as ``pulumi`` itself would pick it."""
    project = find_project_file(start)
    if project is None:
        return (start or Path.cwd()) / "stacks"
    try:
        text = project.read_text(encoding="utf-8")
        document = yaml.load(text, Loader=_Loader)  # noqa: S506 (BaseLoader builds no objects)
    except yaml.YAMLError as exc:
        raise ConfigError(
            display_path(project), [(None, f"not valid YAML ({_mark(exc)})")]
        ) from None
    configured = document.get("stackConfigDir") if isinstance(document, dict) else None
    return project.parent / (configured if isinstance(configured, str) else ".")


def stack_file(stacks_dir: Path, stack: str) -> Path:
    return stacks_dir / f"Pulumi.{stack}.yaml"


def list_stacks(stacks_dir: Path) -> list[str]:
    return sorted(stack_name(path) for path in stacks_dir.glob("Pulumi.*.yaml"))


def read_namespace(path: Path) -> dict[str, Any]:
    """The ``breeze-infra:`` keys of a stack file, prefix removed, values as Pulumi would pass them."""
    source = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(source, [(None, "no such stack file")]) from None
    except OSError as exc:
        raise ConfigError(source, [(None, f"cannot be read ({exc.strerror})")]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(source, [(None, f"is not UTF-8 text (byte {exc.start})")]) from None
    try:
        document = yaml.load(text, Loader=_Loader)  # noqa: S506 (BaseLoader builds no objects)
    except yaml.YAMLError as exc:
        raise ConfigError(source, [(None, f"not valid YAML ({_mark(exc)})")]) from None
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise ConfigError(source, [(None, "expected a mapping with a 'config' key")])
    config = document.get("config") or {}
    if not isinstance(config, dict):
        raise ConfigError(source, [("config", "expected a mapping of keys to values")])
    values: dict[str, Any] = {}
    problems: list[tuple[str | None, str]] = []
    for full_key, value in config.items():
        namespace, _, key = str(full_key).rpartition(":")
        if namespace not in ("", NAMESPACE):
            continue
        if isinstance(value, dict) and set(value) == {"secure"}:
            problems.append(
                (
                    f"{NAMESPACE}:{key}",
                    SECRET_VALUE_MESSAGE,
                )
            )
            continue
        values[key] = value
    if problems:
        raise ConfigError(source, problems)
    return values


def stack_name(path: Path) -> str:
    return path.name.removeprefix("Pulumi.").removesuffix(".yaml")


def load_stack(path: Path) -> StackConfig:
    return parse_config(read_namespace(path), display_path(path), stack_name(path))


def _mark(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or "syntax error"
    return f"{problem} at line {mark.line + 1}" if mark is not None else str(problem)
