"""The hostile-input tests' fixture: a project folder holding a valid stack file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hostile._harness import Case, project


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return project(tmp_path, Case("base", (), ""))
