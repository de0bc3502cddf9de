"""docs/layout.md is the map of the package: every module has its line, and every line a module.

The tree in its first code block is read as written: two spaces per level, a folder ends in
``/``, several names of one folder may share a line (``a.py, b.py``, continued on the next line
after a trailing comma); what follows two spaces is the description.
"""

from __future__ import annotations

import re

from tests.conftest import ROOT

LAYOUT = ROOT / "docs" / "layout.md"
NAME = re.compile(r"[\w.]+\.py|\w+/")


def tree_lines(text: str) -> list[str]:
    block = text.split("```", 2)[1]
    lines = block.splitlines()
    start = lines.index("breeze_infra/")
    tree = []
    for line in lines[start + 1 :]:
        if line and not line.startswith(" "):
            break
        tree.append(line)
    return tree


def listed(text: str) -> set[str]:
    """The module paths the tree names; a folder's own line stands for its ``__init__.py``."""
    folders: list[str] = ["breeze_infra"]
    found = {"breeze_infra/__init__.py"}
    pending_depth: int | None = None
    for line in tree_lines(text):
        indent = len(line) - len(line.lstrip(" "))
        names_part = re.split(r"\s{2,}", line.strip(), maxsplit=1)[0]
        names = [n.strip() for n in names_part.rstrip(",").split(",")]
        if not names_part or not all(NAME.fullmatch(n) for n in names):
            continue
        depth = pending_depth if pending_depth is not None else indent // 2
        pending_depth = depth if names_part.endswith(",") else None
        del folders[depth:]
        for name in names:
            if name.endswith("/"):
                folders.append(name.rstrip("/"))
                found.add("/".join(folders) + "/__init__.py")
            else:
                found.add("/".join([*folders, name]))
    return found


def modules() -> set[str]:
    return {
        str(path.relative_to(ROOT))
        for path in (ROOT / "breeze_infra").rglob("*.py")
        if "__pycache__" not in path.parts
    }


def test_every_module_has_a_line_in_the_layout() -> None:
    missing = sorted(modules() - listed(LAYOUT.read_text(encoding="utf-8")))
    assert missing == [], f"describe these in docs/layout.md: {missing}"


def test_every_line_of_the_layout_is_a_module() -> None:
    stale = sorted(listed(LAYOUT.read_text(encoding="utf-8")) - modules())
    assert stale == [], f"docs/layout.md names modules that do not exist: {stale}"


def test_a_module_without_a_line_is_caught() -> None:
    text = "```\nbreeze_infra/\n  config/   keys\n    _base.py   base\n  a.py, b.py,\n  c.py   x\n```\n"
    assert listed(text) == {
        "breeze_infra/__init__.py",
        "breeze_infra/config/__init__.py",
        "breeze_infra/config/_base.py",
        "breeze_infra/a.py",
        "breeze_infra/b.py",
        "breeze_infra/c.py",
    }
