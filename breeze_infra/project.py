"""The Pulumi project around a stack: its name, its stack folder, its project-level config, and
what Pulumi's own install (a plain ``uv sync``) puts in its virtualenv.

The project's name is the config namespace and part of ``pulumi-stack://`` references, so a
project created with ``pulumi new --name acme-ai`` reads ``acme-ai:`` keys; nothing assumes
``breeze-infra``.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from breeze_infra import yamlfile
from breeze_infra.endpoints import SANDBOX_PROJECT_ENV, SANDBOX_ROOT_ENV
from breeze_infra.exits import UserError
from breeze_infra.messages import short

DEFAULT_NAME = "breeze-infra"
"""The project's name when no Pulumi.yaml is found (tests, a library user's own program)."""
PROJECT_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")
"""Pulumi's rule for a project's name, ``tokens.ValidateProjectName`` (pulumi sdk/v3 v3.274.0,
go/common/tokens/project.go, its characters from ``IsName`` in names.go): letters, digits, '-',
'_' and '.', 1 to 100 of them. The engine refuses any other name before a program runs
(pkg/v3 backend/diy/store.go, ``ParseStackReference``), so it is refused wherever a name enters."""


class ProjectError(UserError, ValueError):
    """Pulumi.yaml or pyproject.toml cannot be read; ``source`` names the file, ``key`` the key
    at fault when there is one."""

    def __init__(self, source: str, message: str, key: str | None = None) -> None:
        super().__init__(f"{source}: {key}: {message}" if key else f"{source}: {message}")
        self.source = source
        self.message = message
        self.key = key


def display_path(path: Path) -> str:
    """Paths in messages are relative to the working directory when they can be."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class Project:
    """What Pulumi.yaml says about config: the namespace, where stack files are, defaults."""

    root: Path
    name: str = DEFAULT_NAME
    stack_config_dir: str = "."
    defaults: dict[str, Any] = field(default_factory=dict)
    """Project-level ``config:`` values of this project's namespace, key without the prefix:
    the engine applies them to every stack that does not set the key."""
    required: frozenset[str] = frozenset()
    """Keys Pulumi.yaml declares with no default: the engine refuses a stack that lacks one."""
    toolchain: str = "pip"
    """``runtime.options.toolchain``: how ``pulumi install`` installs the program (Pulumi's
    default is pip); only ``uv`` installs from pyproject.toml and uv.lock."""

    @property
    def stacks_dir(self) -> Path:
        return self.root / self.stack_config_dir


def find_project_file(start: Path | None = None) -> Path | None:
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "Pulumi.yaml"
        if candidate.is_file():
            copy = sandbox_copy(folder)
            return candidate if copy is None else copy / "Pulumi.yaml"
    return None


def sandbox_copy(root: Path, environ: Mapping[str, str] | None = None) -> Path | None:
    """The sandbox's copy of the project at ``root``, when a sandbox shell serves that checkout.

    ``breeze-infra sandbox`` keeps its stacks, config and encryption salts in a copy of
    Pulumi.yaml and stacks/ under its own folder, so trying it leaves the checkout unchanged;
    ``pulumi`` (through the sandbox's shim) and ``breeze-infra`` both read the copy.
    """
    env = os.environ if environ is None else environ
    served, copy = env.get(SANDBOX_ROOT_ENV), env.get(SANDBOX_PROJECT_ENV)
    if not served or not copy or not (Path(copy) / "Pulumi.yaml").is_file():
        return None
    try:
        same = Path(served).resolve() == root.resolve()
    except OSError:
        return None
    return Path(copy).resolve() if same else None


def find_project(start: Path | None = None) -> Project:
    """The nearest Pulumi.yaml's project, as ``pulumi`` itself would find it from ``start``."""
    path = find_project_file(start)
    if path is None:
        return Project(root=(start or Path.cwd()).resolve(), stack_config_dir="stacks")
    return _read_project(path, _version(path))


def _version(path: Path) -> int:
    """Part of the cache key, so that an edited file is read again."""
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


@cache
def _read_project(path: Path, mtime: int) -> Project:
    source = display_path(path)
    document = read_yaml_file(path, source)
    if not isinstance(document, dict):
        raise ProjectError(source, "expected a mapping with a 'name' key")
    name = document.get("name")
    if not isinstance(name, str) or not name:
        raise ProjectError(source, "name: required, the project's name")
    check_project_name(name, source)
    configured = document.get("stackConfigDir")
    config = document.get("config")
    if isinstance(config, str):  # the old form: `config: <folder of stack files>`
        configured, config = configured or config, None
    defaults, required = _project_config(config, name, source)
    runtime = document.get("runtime")
    options = runtime.get("options") if isinstance(runtime, dict) else None
    toolchain = options.get("toolchain") if isinstance(options, dict) else None
    return Project(
        root=path.parent,
        name=name,
        stack_config_dir=configured if isinstance(configured, str) else ".",
        defaults=defaults,
        required=required,
        toolchain=toolchain if isinstance(toolchain, str) else "pip",
    )


def project_name_problem(name: str) -> str | None:
    """Why Pulumi would refuse ``name`` as a project's name (``PROJECT_NAME``), or None. The
    caller quotes the name."""
    if PROJECT_NAME.fullmatch(name):
        return None
    return (
        "not a project name Pulumi accepts: letters, digits, '-', '_' or '.', 1 to 100 characters"
    )


def check_project_name(name: str, source: str = "Pulumi.yaml") -> str:
    """``name`` when Pulumi takes it as a project's name; else ProjectError naming
    ``<source>: name``, the key that holds it."""
    problem = project_name_problem(name)
    if problem is not None:
        raise ProjectError(source, f"'{short(name)}' is {problem}", key="name")
    return name


def read_yaml_file(path: Path, source: str) -> Any:
    """One YAML file read as the engine reads it; every failure is one line naming the file."""
    try:
        # Checked before opening: opening a FIFO named like a stack file would wait forever.
        if not stat.S_ISREG(path.stat().st_mode):
            raise ProjectError(source, "is not a regular file (a folder, a pipe or a device)")
        with path.open("rb") as handle:
            data = handle.read(yamlfile.MAX_BYTES + 1)
    except FileNotFoundError:
        raise ProjectError(source, "no such file") from None
    except OSError as exc:
        raise ProjectError(source, f"cannot be read ({exc.strerror})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProjectError(source, f"is not UTF-8 text (byte {exc.start})") from None
    try:
        return yamlfile.load(text)
    except yamlfile.YamlError as exc:
        raise ProjectError(source, str(exc)) from None


def _project_config(config: Any, name: str, source: str) -> tuple[dict[str, Any], frozenset[str]]:
    """Project ``config:`` entries for this namespace (``key: value``, ``{default: ...}`` or
    ``{value: ...}``; an unqualified key belongs to the project), and the keys declared with
    neither, which every stack must set. Declared types are left to the config model."""
    if config is None:
        return {}, frozenset()
    if not isinstance(config, dict):
        raise ProjectError(source, "config: expected a mapping of keys to values")
    defaults: dict[str, Any] = {}
    required: set[str] = set()
    for full_key, spec in config.items():
        parts = full_key.split(":") if ":" in full_key else [name, full_key]
        if len(parts) == 3 and parts[1] == "config":
            parts = [parts[0], parts[2]]
        if len(parts) != 2 or parts[0] != name:
            continue
        key = parts[1]
        if not isinstance(spec, dict):
            defaults[key] = spec
        elif "default" in spec and "value" in spec:
            raise ProjectError(source, f"config: {full_key}: give a default or a value, not both")
        elif "default" in spec or "value" in spec:
            defaults[key] = spec.get("value", spec.get("default"))
        else:
            required.add(key)
    return defaults, frozenset(required)


_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class Install:
    """Distributions a plain ``uv sync`` installs: ``[project] dependencies`` and every
    dependency group that ``[tool.uv] default-groups`` names (uv's default: ``dev``)."""

    pyproject: str
    distributions: frozenset[str]
    groups: tuple[str, ...]

    def provides(self, distribution: str) -> bool:
        return canonical(distribution) in self.distributions


def canonical(name: str) -> str:
    """PEP 503: ``Pulumi_Vault`` and ``pulumi-vault`` are one distribution."""
    return re.sub(r"[-_.]+", "-", name).lower()


def find_install(start: Path | None = None) -> Install | None:
    """What Pulumi's install provides for the project around ``start``; None when its install
    is not a ``uv sync`` of a pyproject.toml (a pip or Poetry toolchain, or breeze_infra used as
    a library by another program): then what this Python can import is what counts."""
    project_file = find_project_file(start)
    if project_file is None:
        return None
    if _read_project(project_file, _version(project_file)).toolchain != "uv":
        return None
    pyproject = project_file.parent / "pyproject.toml"
    return _read_install(pyproject, _version(pyproject)) if pyproject.is_file() else None


@cache
def _read_install(path: Path, mtime: int) -> Install:
    source = display_path(path)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProjectError(source, f"cannot be read ({exc})") from None
    groups_table = document.get("dependency-groups", {})
    uv = document.get("tool", {}).get("uv", {})
    default_groups = uv.get("default-groups", ["dev"])
    if default_groups == "all":
        default_groups = list(groups_table)
    requirements = list(document.get("project", {}).get("dependencies", []))
    seen: set[str] = set()
    pending = list(default_groups)
    while pending:
        group = pending.pop()
        if group in seen:
            continue
        seen.add(group)
        for item in groups_table.get(group, []):
            if isinstance(item, dict) and "include-group" in item:
                pending.append(item["include-group"])
            elif isinstance(item, str):
                requirements.append(item)
    names = {canonical(m.group(0)) for r in requirements if (m := _NAME.match(r.strip()))}
    return Install(source, frozenset(names), tuple(default_groups))
