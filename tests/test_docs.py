"""The README is short and every reference page is one click from it; no link leads nowhere.

Links are checked the way GitHub renders them: a relative path must exist in the repository, and
an ``#anchor`` must be the slug of a heading on the page it points into.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = [README, *sorted(DOCS.glob("*.md")), ROOT / "examples" / "README.md"]
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)


def slug(heading: str) -> str:
    """GitHub's anchor: lower case, punctuation but ``-`` and ``_`` dropped, spaces to ``-``."""
    text = heading.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    if page.suffix != ".md":
        return set()
    seen: dict[str, int] = {}
    found: set[str] = set()
    for match in re.finditer(
        r"^#{1,6} (.+)$", FENCE.sub("", page.read_text(encoding="utf-8")), re.M
    ):
        base = slug(match.group(1))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def links(page: Path) -> list[str]:
    return LINK.findall(FENCE.sub("", page.read_text(encoding="utf-8")))


def local_target(page: Path, link: str) -> tuple[Path, str]:
    path, _, anchor = link.partition("#")
    return ((page.parent / path).resolve() if path else page), anchor


def test_the_slug_is_githubs() -> None:
    assert slug("Checking against Cloudflare: `validate --online` and `doctor`") == (
        "checking-against-cloudflare-validate---online-and-doctor"
    )
    assert (
        slug("`vault` (HashiCorp Vault / OpenBao, KV v2)") == "vault-hashicorp-vault--openbao-kv-v2"
    )


def test_the_readme_stays_under_200_lines() -> None:
    assert len(README.read_text(encoding="utf-8").splitlines()) < 200


def broken_links(page: Path) -> list[str]:
    broken = []
    for link in links(page):
        if re.match(r"[a-z]+:", link):
            continue
        target, anchor = local_target(page, link)
        if not target.exists() or (anchor and anchor not in anchors(target)):
            broken.append(link)
    return broken


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_local_link_and_anchor_resolves(page: Path) -> None:
    assert broken_links(page) == []


def test_a_broken_link_or_anchor_is_caught(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# A title\n\n## Pack config\n", encoding="utf-8")
    page = tmp_path / "b.md"
    page.write_text(
        "[ok](a.md#pack-config) [gone](c.md) [typo](a.md#pack-configs) [self](#a-title)\n",
        encoding="utf-8",
    )
    assert broken_links(page) == ["c.md", "a.md#pack-configs", "#a-title"]


def test_every_docs_page_is_linked_from_the_readme() -> None:
    linked = {local_target(README, link)[0] for link in links(README)}
    assert {page.resolve() for page in DOCS.glob("*.md")} - linked == set()
    assert (ROOT / "examples" / "README.md").resolve() in linked


def test_the_readme_shows_how_to_deploy_on_its_first_screen() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert "](#deploying-for-real)" in "\n".join(lines[:25])
    assert "## Deploying for real" in lines[:80]
    assert "pulumi up --stack dev" in lines[:80]


def test_the_readme_gives_its_figures_with_date_and_machine() -> None:
    text = README.read_text(encoding="utf-8")
    figures = text.split("\n## Figures\n", 1)[1].split("\n## ", 1)[0]
    assert "(docs/figures.md)" in figures
    assert re.search(r"\b2026-\d\d-\d\d\b", figures)
    assert "2 cores" in figures and "x86_64" in figures
