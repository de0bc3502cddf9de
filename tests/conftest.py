"""Shared test harness: the example stacks, the simulated Cloudflare and the CLI as users run it.

It also puts ``policy/`` on ``sys.path``, so ``breeze_guardrails`` (the pack's rules) imports here.

Every program run goes through ``breeze_infra.sandbox.mocks.synthesize``: one fake Cloudflare, a fresh
event loop and fresh Pulumi runtime settings per run, so tests never share mock state.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from breeze_infra.sandbox.emulator import DEFAULT_TOKEN, CloudflareEmulator, TokenInfo
from breeze_infra.sandbox.mocks import SynthResult, synthesize
from breeze_infra.stacks import read_namespace

SUBPROCESS_BOUND = 600
"""Seconds a CLI run may take before the test gives up on it: only a hang must reach it, never a
slow start on a machine running two suites at once (a run takes about a second when idle)."""

ROOT = Path(__file__).resolve().parent.parent
STACKS = ROOT / "stacks"
POLICY = ROOT / "policy"

# The policy pack is a distributable of its own (policy/pyproject.toml), never installed into the
# program's environment: tests import its rules from its folder, as Pulumi does when it runs it.
if str(POLICY) not in sys.path:
    sys.path.insert(0, str(POLICY))
EXAMPLE_STACKS = ("dev", "staging", "prod")
ACCOUNT_ID = "0123456789abcdef0123456789abcdef"
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


def example_values(stack: str) -> dict[str, Any]:
    return read_namespace(STACKS / f"Pulumi.{stack}.yaml")


def minimal_values(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "accountId": ACCOUNT_ID,
        "models": [{"id": "@cf/meta/llama-3.1-8b-instruct"}],
    }
    values.update(overrides)
    return values


@pytest.fixture(autouse=True)
def _backends_judged_by_import(monkeypatch: pytest.MonkeyPatch) -> None:
    """The suite's environment has every backend SDK (the dev group) while this repository's own
    Pulumi install (the empty ``backends`` group) has none: in-process runs judge a backend by
    what is importable, as another team's program using breeze_infra would. The install rule
    itself is specified in tests/test_install.py, in project folders of its own."""
    monkeypatch.setattr("breeze_infra.program.find_install", lambda *_: None)
    monkeypatch.setattr("breeze_infra.project.find_install", lambda *_: None)


@pytest.fixture
def synth() -> Callable[..., SynthResult]:
    def run(values: Mapping[str, Any], *, stack: str = "dev", now: datetime = NOW) -> SynthResult:
        return synthesize(stack, values, now)

    return run


@pytest.fixture
def emulator_tokens() -> list[TokenInfo]:
    """The tokens the ``emu`` fixture's emulator knows; a test module overrides this fixture to
    choose its own (a bootstrap token, a deployed key, one with a narrow permission...)."""
    return [TokenInfo(DEFAULT_TOKEN)]


@pytest.fixture
def emu(emulator_tokens: list[TokenInfo]) -> Iterator[CloudflareEmulator]:
    """A local Cloudflare on a free port for one test, stopped after it; its clock stands at
    ``NOW`` (a test moves it with ``set_clock``), so no token expires with the wall clock."""
    with CloudflareEmulator(tokens=emulator_tokens, clock=lambda: NOW) as emulator:
        yield emulator


CliRun = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def cli() -> CliRun:
    """``breeze-infra`` in a subprocess, from the repo root, as a user types it."""

    def run(
        *args: str,
        env: Mapping[str, str] | None = None,
        input: str | None = None,
        cwd: Path = ROOT,
    ) -> subprocess.CompletedProcess[str]:
        environment = {**os.environ, "BREEZE_NOW": "2026-11-25T09:30:00Z", **(env or {})}
        return subprocess.run(
            [sys.executable, "-m", "breeze_infra", *args],
            cwd=cwd,
            env=environment,
            input=input,
            capture_output=True,
            text=True,
            timeout=SUBPROCESS_BOUND,
            check=False,
        )

    return run


@pytest.fixture
def stacks_dir(tmp_path: Path) -> Iterator[Path]:
    """An empty folder for stack files a test writes itself."""
    folder = tmp_path / "stacks"
    folder.mkdir()
    yield folder


def write_stack(folder: Path, stack: str, text: str) -> Path:
    path = folder / f"Pulumi.{stack}.yaml"
    path.write_text(text, encoding="utf-8")
    return path
