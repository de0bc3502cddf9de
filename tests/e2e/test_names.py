"""The real engine takes and refuses the same project and stack names as breeze-infra's rules.

``pulumi stack init`` on a file backend checks both names (``ParseStackReference``); each probe
of tests/test_names.py goes through it, and the verdict must be ``project_name_problem``'s and
``stack_name_problem``'s. The empty stack name is left out: the CLI takes it as "none given".
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from breeze_infra.project import project_name_problem
from breeze_infra.stacks import stack_name_problem
from tests.test_names import (
    PROJECT_NAMES_REFUSED,
    PROJECT_NAMES_TAKEN,
    STACK_NAMES_REFUSED,
    STACK_NAMES_TAKEN,
)

BOUND = 300
"""Seconds one ``pulumi stack init`` may take before the test gives up: only a hang reaches it."""


def stack_init(engine: Path, folder: Path, project: str, stack: str) -> bool:
    folder.mkdir()
    (folder / "Pulumi.yaml").write_text(
        f"name: {json.dumps(project)}\nruntime: python\n", encoding="utf-8"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(folder),
        "PULUMI_HOME": str(folder / "home"),
        "PULUMI_BACKEND_URL": (folder / "state").as_uri(),
        "PULUMI_CONFIG_PASSPHRASE": "names",
        "PULUMI_SKIP_UPDATE_CHECK": "1",
    }
    (folder / "state").mkdir()
    done = subprocess.run(
        [str(engine), "stack", "init", stack, "--non-interactive"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=BOUND,
        check=False,
    )
    return done.returncode == 0


@pytest.mark.parametrize("name", [n for n in PROJECT_NAMES_TAKEN + PROJECT_NAMES_REFUSED if n])
def test_the_engine_agrees_on_project_names(engine: Path, tmp_path: Path, name: str) -> None:
    assert stack_init(engine, tmp_path / "p", name, "dev") == (project_name_problem(name) is None)


@pytest.mark.parametrize("name", [n for n in STACK_NAMES_TAKEN + STACK_NAMES_REFUSED if n])
def test_the_engine_agrees_on_stack_names(engine: Path, tmp_path: Path, name: str) -> None:
    taken = stack_init(engine, tmp_path / "p", "breeze-infra", name)
    assert taken == (stack_name_problem(name) is None)
