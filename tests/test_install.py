"""A stack deploys with what Pulumi's own install provides: a plain ``uv sync`` of the project.

``pulumi install`` and ``pulumi up`` run ``uv sync`` with no extras and no groups named, which
installs ``[project] dependencies`` and ``[tool.uv] default-groups`` and uninstalls the rest. So
a backend's SDK counts as installed only when those declare it, and choosing a backend is one
command: ``uv add --group backends <sdk>``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from breeze_infra.backends import backend_classes
from breeze_infra.project import canonical
from tests.backends.test_backends import CASES
from tests.conftest import ROOT, SUBPROCESS_BOUND, minimal_values

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _stack_text(backend: str) -> str:
    values = minimal_values(secrets=[CASES[backend].entry])
    return yaml.safe_dump({"config": {f"breeze-infra:{k}": v for k, v in values.items()}})


def _project(folder: Path, backends_group: list[str]) -> Path:
    (folder / "stacks").mkdir(parents=True)
    (folder / "Pulumi.yaml").write_text(
        "name: breeze-infra\nruntime:\n  name: python\n  options:\n    toolchain: uv\n"
        "stackConfigDir: stacks\n",
        encoding="utf-8",
    )
    groups = ", ".join(f'"{r}"' for r in backends_group)
    (folder / "pyproject.toml").write_text(
        '[project]\nname = "team-ai"\nversion = "1"\ndependencies = ["breeze-infra"]\n'
        f"[dependency-groups]\nbackends = [{groups}]\n"
        '[tool.uv]\ndefault-groups = ["backends"]\n',
        encoding="utf-8",
    )
    return folder


def _breeze(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "breeze_infra", *args],
        cwd=cwd,
        env={**os.environ, "BREEZE_NOW": "2026-11-25T09:30:00Z"},
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_BOUND,
        check=False,
    )


def test_the_repositorys_own_install_holds_no_backend_sdk() -> None:
    """Stacks using only pulumi-stack must not pay for (or be exposed to) eight provider SDKs."""
    default = PYPROJECT["tool"]["uv"]["default-groups"]
    assert default == ["backends"]
    assert PYPROJECT["dependency-groups"]["backends"] == []


def test_each_backends_requirement_is_the_one_the_tests_install() -> None:
    tested = set(PYPROJECT["dependency-groups"]["all-backends"])
    assert {entry.requirement for entry in backend_classes().values() if entry.package} == tested
    for entry in backend_classes().values():
        if entry.package:
            assert canonical(entry.requirement).startswith(canonical(entry.distribution))


@pytest.mark.parametrize("backend", sorted(set(CASES) - {"pulumi-stack"}))
def test_a_backend_the_install_lacks_fails_validate_and_the_program_with_the_fix(
    tmp_path: Path, backend: str
) -> None:
    entry = backend_classes()[backend]
    project = _project(tmp_path, [])
    (project / "stacks" / "Pulumi.prod.yaml").write_text(_stack_text(backend), encoding="utf-8")
    expected = (
        f"stacks/Pulumi.prod.yaml: breeze-infra:secrets[0].backend: backend '{backend}' needs "
        f"{entry.distribution}, which `uv sync` does not install here: "
        f"run `uv add --group backends '{entry.requirement}'`"
    )
    validate = _breeze(project, "validate", "--stack", "prod")
    assert (validate.returncode, validate.stderr.strip()) == (2, expected)
    program = _breeze(project, "synth", "--stack", "prod")
    assert program.returncode != 0
    assert expected in program.stderr

    _project(tmp_path / "chosen", [entry.requirement])
    chosen = tmp_path / "chosen"
    (chosen / "stacks" / "Pulumi.prod.yaml").write_text(_stack_text(backend), encoding="utf-8")
    assert _breeze(chosen, "validate", "--stack", "prod").returncode == 0


@pytest.mark.parametrize(("toolchain", "code"), [("pip", 0), ("uv", 2)])
def test_only_a_uv_toolchain_judges_sdks_by_the_pyproject(
    tmp_path: Path, toolchain: str, code: int
) -> None:
    """A pip or Poetry project may keep a pyproject.toml of tool settings alone: Pulumi installs
    it from requirements, so an importable SDK is there. Only ``toolchain: uv`` makes the
    pyproject.toml the install, which here declares no SDK."""
    (tmp_path / "stacks").mkdir()
    (tmp_path / "Pulumi.yaml").write_text(
        "name: breeze-infra\nruntime:\n  name: python\n  options:\n"
        f"    toolchain: {toolchain}\nstackConfigDir: stacks\n",
        encoding="utf-8",
    )
    (tmp_path / "pyproject.toml").write_text("[tool.ruff]\nline-length = 100\n", "utf-8")
    (tmp_path / "stacks" / "Pulumi.prod.yaml").write_text(_stack_text("vault"), "utf-8")
    validate = _breeze(tmp_path, "validate", "--stack", "prod")
    assert validate.returncode == code, validate.stderr
    assert ("uv sync` does not install here" in validate.stderr) == (code == 2)


def test_choosing_each_backend_is_one_uv_add_then_a_plain_uv_sync(tmp_path: Path) -> None:
    """As a team would: a copy of the repository, the documented command per backend, then the
    very ``uv sync`` Pulumi runs; the lock stays consistent (``--locked``) and validate passes."""
    copy = tmp_path / "breeze"
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, tracked):
        source = ROOT / name.decode()
        if source.is_file():
            (copy / name.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name.decode())
    env = {
        k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT"}
    }

    def run(*command: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            command,
            cwd=copy,
            env=env,
            capture_output=True,
            text=True,
            timeout=SUBPROCESS_BOUND,
            check=False,
        )
        assert done.returncode == 0, f"{' '.join(command)}: {done.stderr[-2000:]}"
        return done

    run("uv", "sync", "--locked", "-q")
    for backend in sorted(set(CASES) - {"pulumi-stack"}):
        entry = backend_classes()[backend]
        (copy / "stacks" / f"Pulumi.{backend}.yaml").write_text(_stack_text(backend), "utf-8")
        run("uv", "add", "-q", "--group", "backends", entry.requirement)
        run("uv", "sync", "-q")
        run("uv", "sync", "--locked", "-q")
        validated = run(
            str(copy / ".venv" / "bin" / "breeze-infra"), "validate", "--stack", backend
        )
        assert validated.stdout.strip() == f"stacks/Pulumi.{backend}.yaml: ok"
    run("uv", "lock", "--check")
