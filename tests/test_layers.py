"""Imports point only down the layers, and no module imports itself back in a circle.

The layers are those of docs/layout.md; the table below is the one place that assigns each
module its layer. Every import counts, lazy ones (inside functions) and TYPE_CHECKING ones
included: a lazy import that runs upward is still an upward dependency. The package's
``__init__`` is the public facade (its exports load lazily) and is not a layer of its own.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "breeze_infra"

# Lower number = lower layer. A module may import its own layer and those with a lower number.
LAYERS: dict[str, int] = {
    "breeze_infra.errors": 0,
    "breeze_infra.exits": 0,
    "breeze_infra.endpoints": 0,
    "breeze_infra.messages": 1,
    "breeze_infra.permissions": 0,
    "breeze_infra.limiter": 0,
    "breeze_infra.lookups": 2,
    "breeze_infra.fields": 2,
    "breeze_infra.rotation": 2,
    "breeze_infra.yamlfile": 2,
    "breeze_infra.output": 2,
    "breeze_infra.project": 2,
    "breeze_infra.config": 3,
    "breeze_infra.stacks": 4,
    "breeze_infra.stack_outputs": 5,
    "breeze_infra.backends": 3,
    "breeze_infra.gateway": 4,
    "breeze_infra.manifest": 5,
    "breeze_infra.consumers": 6,
    "breeze_infra.schemas": 6,
    "breeze_infra.handover": 6,
    "breeze_infra.resources": 7,
    "breeze_infra.program": 12,
    "breeze_infra.cloudflare": 9,
    "breeze_infra.catalog": 10,
    "breeze_infra.token_listing": 10,
    "breeze_infra.online": 11,
    "breeze_infra.doctor": 12,
    "breeze_infra.usage": 12,
    "breeze_infra.reminders": 12,
    "breeze_infra.sandbox": 13,
    "breeze_infra.cli": 14,
    "breeze_infra.__main__": 15,
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _type_only(tree: ast.Module) -> set[ast.AST]:
    """The import nodes under ``if TYPE_CHECKING:``: they never run."""
    return {
        child
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING")
        for child in ast.walk(node)
    }


def imported(path: Path, known: set[str], *, typing: bool) -> Iterator[str]:
    """The breeze_infra modules ``path`` imports, each resolved to the module file it names;
    with ``typing`` False, only the imports that run."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = set() if typing else _type_only(tree)
    for node in ast.walk(tree):
        if node in skipped:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            targets = [
                f"{node.module}.{alias.name}"
                if f"{node.module}.{alias.name}" in known
                else node.module
                for alias in node.names
            ]
        else:
            continue
        yield from (t for t in targets if t.startswith("breeze_infra"))


def layer(module: str) -> int:
    for prefix in sorted(LAYERS, key=len, reverse=True):
        if module == prefix or module.startswith(prefix + "."):
            return LAYERS[prefix]
    raise AssertionError(f"{module} has no layer in tests/test_layers.py")


def graph(*, typing: bool = True) -> dict[str, set[str]]:
    """Module -> the modules it imports; the package's facade is left out (see above)."""
    found = modules()
    known = set(found)
    return {
        name: {t for t in imported(path, known, typing=typing) if t not in (name, "breeze_infra")}
        for name, path in found.items()
        if name != "breeze_infra"
    }


def test_every_module_has_a_layer() -> None:
    for name in graph():
        layer(name)


def test_no_import_runs_up_the_layers() -> None:
    upward = sorted(
        f"{name} (layer {layer(name)}) imports {target} (layer {layer(target)})"
        for name, targets in graph().items()
        for target in targets
        if layer(target) > layer(name)
    )
    assert upward == []


def reachable(edges: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(edges.get(start, ()))
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(edges.get(node, ()))
    return seen


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Each group of modules that reach one another through their imports, sorted."""
    reach = {node: reachable(edges, node) for node in edges}
    groups = {
        tuple(sorted(other for other in reach if node in reach[other] and other in reach[node]))
        for node in reach
        if node in reach[node]
    }
    return sorted(list(group) for group in groups)


def test_no_module_imports_itself_back_in_a_circle() -> None:
    """Counted on the imports that run: a type-only import (under TYPE_CHECKING) loads nothing,
    so two modules naming each other's types are no circle, yet still obey the layers."""
    assert cycles(graph(typing=False)) == []


@pytest.mark.parametrize(
    ("edges", "expected"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, [["a", "b", "c"]]),
        ({"a": {"b"}, "b": set()}, []),
    ],
)
def test_a_circle_is_found(edges: dict[str, set[str]], expected: list[list[str]]) -> None:
    assert cycles(edges) == expected
