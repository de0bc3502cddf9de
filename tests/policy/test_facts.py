"""The boundary between the program and its policy pack: two distributables, the same facts.

The pack (``policy/``) cannot import breeze-infra, and the program does not import the pack, so
each fact the rules need about the program is defined twice: in ``breeze_infra`` and in
``breeze_guardrails.facts``. These tests pin the pack's copy equal to the program's definition,
which is what keeps "one home per fact" honest across two distributables, and check that neither
side reaches into the other.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from breeze_guardrails import facts, rules
from breeze_infra import endpoints, gateway, permissions, rotation
from breeze_infra.sandbox import values
from breeze_infra.sandbox.refusals import PERMISSION_GROUPS
from tests.conftest import POLICY, ROOT, SUBPROCESS_BOUND


def test_the_token_types_and_the_account_scope_are_the_programs() -> None:
    assert facts.ACCOUNT_TOKEN == permissions.ACCOUNT_TOKEN
    assert facts.USER_TOKEN == permissions.USER_TOKEN
    assert {permissions.ACCOUNT_TOKEN, permissions.USER_TOKEN} == facts.TOKEN_TYPES
    assert facts.ACCOUNT_SCOPE == permissions.ACCOUNT_SCOPE


def test_the_gateway_type_is_the_programs() -> None:
    assert facts.AI_GATEWAY == gateway.AI_GATEWAY_TYPE


def test_the_workers_ai_groups_are_the_ones_the_program_asks_for() -> None:
    """The program names the groups (permissions.PERMISSION_GROUPS) and looks their ids up; the fake
    Cloudflare the program is tested against lists those names with Cloudflare's ids."""
    assert set(facts.WORKERS_AI_GROUPS) == set(permissions.PERMISSION_GROUPS.values())
    listed = {group["name"]: group["id"] for group in PERMISSION_GROUPS}
    assert dict(facts.WORKERS_AI_GROUPS) == {name: listed[name] for name in facts.WORKERS_AI_GROUPS}
    assert listed[permissions.PERMISSION_GROUPS["read"]] == facts.WORKERS_AI_READ
    assert listed[permissions.PERMISSION_GROUPS["write"]] == facts.WORKERS_AI_WRITE


def test_the_workers_ai_group_ids_are_the_programs() -> None:
    assert dict(facts.WORKERS_AI_GROUPS) == {
        permissions.PERMISSION_GROUPS[p]: permissions.PERMISSION_GROUP_IDS[p]
        for p in ("read", "write")
    }


def test_the_secret_wrapper_is_the_one_the_program_writes() -> None:
    assert (rules.SIG_KEY, rules.SECRET_SIG) == (values.SIG, values.SECRET_SIG)


@pytest.mark.parametrize("name", ["PREFIXED_TOKEN", "LEGACY_TOKEN"])
def test_what_looks_like_a_token_is_the_programs_pattern(name: str) -> None:
    ours, theirs = getattr(facts, name), getattr(permissions, name)
    assert (ours.pattern, ours.flags) == (theirs.pattern, theirs.flags)


TIMES = [
    "2026-11-25T09:30:00Z",
    "2026-11-25t09:30:00z",
    " 2026-11-25T09:30:00+02:00 ",
    "2026-11-25T09:30:00.250-05:00",
    "2026-11-25T09:30:00",
    "2026-11-25",
    "2026-11-25 09:30:00Z",
    "tomorrow",
    "",
]


@pytest.mark.parametrize("text", TIMES)
def test_the_clock_reads_breeze_now_as_the_program_does(text: str) -> None:
    assert facts.NOW_VARIABLE == endpoints.NOW_ENV
    try:
        expected: datetime | str = rotation.parse_time(text)
    except rotation.ClockError as exc:
        expected = str(exc)
    try:
        got: datetime | str = facts.parse_time(text)
    except ValueError as exc:
        got = str(exc)
    assert got == expected


def test_the_clock_is_the_system_clock_when_breeze_now_is_unset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BREEZE_NOW", "2030-01-01T00:00:00Z")
    assert facts.current_time() == rotation.current_time()
    monkeypatch.delenv("BREEZE_NOW")
    before = datetime.now(UTC)
    assert before <= facts.current_time() <= datetime.now(UTC)


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_the_pack_imports_nothing_of_breeze_infra() -> None:
    sources = [p for p in POLICY.rglob("*.py") if ".venv" not in p.parts]
    assert POLICY / "__main__.py" in sources
    assert POLICY / "breeze_guardrails" / "rules.py" in sources
    for path in sources:
        names = imported_modules(path)
        assert not {n for n in names if n.split(".")[0] == "breeze_infra"}, path


def test_the_program_never_imports_the_pack() -> None:
    for path in (ROOT / "breeze_infra").rglob("*.py"):
        names = imported_modules(path)
        assert not {
            n for n in names if n.split(".")[0] in {"breeze_guardrails", "pulumi_policy"}
        }, path


BLOCK_THE_PACK = """
import importlib.abc, sys
from datetime import datetime, timezone
from pathlib import Path

class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"breeze_guardrails", "pulumi_policy"}:
            raise ImportError(f"the program imported {name}")
        return None

sys.meta_path.insert(0, Refuse())
from breeze_infra.sandbox.mocks import synthesize
from breeze_infra.stacks import read_namespace
values = read_namespace(Path("stacks/Pulumi.prod.yaml"))
result = synthesize("prod", values, datetime(2026, 11, 25, 9, 30, tzinfo=timezone.utc))
print(len(result.registrations), sorted(m for m in sys.modules if m.startswith("breeze")))
"""


def test_the_program_runs_without_the_pack_or_pulumi_policy() -> None:
    """The whole program, through the simulated Cloudflare, with both made unimportable."""
    done = subprocess.run(
        [sys.executable, "-c", BLOCK_THE_PACK],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_BOUND,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    count, _, modules = done.stdout.strip().partition(" ")
    assert int(count) > 0
    assert "breeze_infra.program" in modules
    assert "breeze_guardrails" not in modules
