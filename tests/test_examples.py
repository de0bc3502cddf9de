"""The example stack files run: one per secrets backend and one for a team.

A backend's SDK counts as installed only when the project's install declares it (see
tests/test_install.py), and this repository's ``backends`` group is empty on purpose. So each
example is held to what its user sees at each step: in this repository, ``validate`` accepts the
SDK-free ones and names the exact ``uv add`` line for the others; in a project whose install
declares the SDKs, every example validates; and the real program, simulated, registers the
resources the example's backend writes.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from breeze_infra.backends import NAMES, backend_classes
from breeze_infra.simulate import SynthResult
from breeze_infra.stacks import read_namespace
from tests.conftest import ROOT, CliRun
from tests.test_backends import CASES

EXAMPLES = ROOT / "examples" / "stacks"
SDK_FREE = ("pulumi-stack", "consumers")


def stacks() -> list[str]:
    return sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in EXAMPLES.iterdir())


def fix_line(backend: str) -> str:
    entry = backend_classes()[backend]
    return (
        f"examples/stacks/Pulumi.{backend}.yaml: breeze-infra:secrets[0].backend: backend "
        f"'{backend}' needs {entry.distribution}, which `uv sync` does not install here: "
        f"run `uv add --group backends '{entry.requirement}'`"
    )


def test_there_is_one_example_per_backend_and_one_for_a_team() -> None:
    assert stacks() == sorted([*NAMES, "consumers"])


def test_in_this_repository_validate_accepts_or_names_the_one_install_command(cli: CliRun) -> None:
    args = [arg for stack in stacks() for arg in ("--stack", stack)]
    result = cli("--stacks-dir", "examples/stacks", "validate", *args)
    assert result.returncode == 2
    assert sorted(result.stderr.splitlines()) == sorted(
        fix_line(backend) for backend in NAMES if backend not in SDK_FREE
    )
    assert sorted(result.stdout.splitlines()) == sorted(
        f"examples/stacks/Pulumi.{stack}.yaml: ok" for stack in SDK_FREE
    )


def test_every_example_validates_once_the_install_declares_its_sdk(
    cli: CliRun, tmp_path: Path
) -> None:
    requirements = sorted(e.requirement for e in backend_classes().values() if e.package)
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    groups = ", ".join(f'"{r}"' for r in requirements)
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "team-ai"\nversion = "1"\ndependencies = ["breeze-infra"]\n'
        f"[dependency-groups]\nbackends = [{groups}]\n"
        '[tool.uv]\ndefault-groups = ["backends"]\n',
        encoding="utf-8",
    )
    shutil.copytree(EXAMPLES, tmp_path / "stacks")
    result = cli("validate", "--all", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    assert sorted(result.stdout.splitlines()) == [
        f"stacks/Pulumi.{stack}.yaml: ok" for stack in stacks()
    ]


@pytest.mark.parametrize("backend", sorted(NAMES))
def test_each_backends_example_writes_where_it_says(
    synth: Callable[..., SynthResult], backend: str
) -> None:
    values = read_namespace(EXAMPLES / f"Pulumi.{backend}.yaml")
    result = synth(values, stack=backend)
    registered = {r.type for r in result.registrations}
    assert set(CASES[backend].resources) <= registered
    assert result.outputs["apiKeyRef"] == result.outputs["manifest"]["credentials"][0]["apiKeyRef"]


def test_the_team_example_gives_each_active_consumer_its_own_token(
    synth: Callable[..., SynthResult],
) -> None:
    result = synth(read_namespace(EXAMPLES / "Pulumi.consumers.yaml"), stack="consumers")
    assert sorted(result.outputs["consumers"]) == ["alice", "support-team"]
    tokens = [r.name for r in result.registrations if r.type.endswith("AccountToken")]
    assert sorted(tokens) == [
        f"workers-ai-{name}-slot-{slot}" for name in ("alice", "support-team") for slot in "ab"
    ]
