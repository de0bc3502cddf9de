"""The policy pack as a distributable of its own: its project files, its lock, and ``policy/``
copied alone into an empty folder, installed from PyPI and run the way Pulumi runs it.

The copied-alone test reaches PyPI through ``uv sync --locked`` (uv's cache answers when it holds
the locked wheels), then starts the pack with ``python -m pulumi.policy``, as Pulumi's language
host does since 3.221, and asks the analyzer it serves for its policies over gRPC.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
import yaml
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from breeze_guardrails.facts import ACCOUNT_TOKEN
from breeze_guardrails.rules import (
    EXPIRY,
    LEAST_PRIVILEGE,
    NO_PLAINTEXT_KEY,
    NO_PLAINTEXT_KEY_IN_STACK,
    PROD_GATEWAY,
    PROD_IP_ALLOW_LIST,
)
from tests.conftest import ACCOUNT_ID, POLICY, SUBPROCESS_BOUND

PACK_NAME = "breeze-infra-guardrails"
POLICIES = [
    LEAST_PRIVILEGE,
    EXPIRY,
    PROD_IP_ALLOW_LIST,
    NO_PLAINTEXT_KEY,
    NO_PLAINTEXT_KEY_IN_STACK,
    PROD_GATEWAY,
]
SEMVER = re.compile(r"\d+\.\d+\.\d+")


def uv() -> str:
    """uv beside this interpreter (the test extra installs it), else on PATH."""
    found = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    assert found, "uv is not installed: pip install -e '.[test]' (or pip install uv)"
    return found


def uv_env() -> dict[str, str]:
    """This process's environment minus what would point uv at another project's environment."""
    drop = {"VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "UV_PROJECT", "UV_FROZEN", "UV_NO_SYNC"}
    return {k: v for k, v in os.environ.items() if k not in drop}


def pack_file() -> dict[str, Any]:
    text = (POLICY / "PulumiPolicy.yaml").read_text(encoding="utf-8")
    document: dict[str, Any] = yaml.safe_load(text)
    return document


def toml(path: Path) -> dict[str, Any]:
    """tomllib is Python 3.11's; the pack requires 3.11, so on 3.10 there is nothing to check."""
    tomllib = pytest.importorskip("tomllib")
    document: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    return document


def pack_project() -> dict[str, Any]:
    return toml(POLICY / "pyproject.toml")


# --- the project files -------------------------------------------------------------------------


def test_the_pack_runs_python_under_the_uv_toolchain_in_policy_venv() -> None:
    runtime = pack_file()["runtime"]
    assert runtime["name"] == "python"
    # No virtualenv option: uv's default, .venv beside pyproject.toml, is the folder git ignores.
    assert runtime["options"] == {"toolchain": "uv"}
    assert ".venv/" in (POLICY / ".gitignore").read_text(encoding="utf-8").split()
    assert not (POLICY / "requirements.txt").exists()


def test_the_pack_has_one_version_for_publishing_and_its_project_agrees() -> None:
    version = pack_file()["version"]
    assert isinstance(version, str)
    assert SEMVER.fullmatch(version)
    assert pack_project()["project"]["version"] == version


def test_the_pack_project_needs_only_pulumi_and_pulumi_policy_from_pypi() -> None:
    project = pack_project()
    assert project["project"]["name"] == PACK_NAME
    assert project["project"]["requires-python"] == ">=3.11"
    assert sorted(project["project"]["dependencies"]) == [
        "pulumi-policy>=1.21,<2",
        "pulumi>=3.272,<4",
    ]
    assert project["tool"]["uv"]["package"] is False
    assert "sources" not in project["tool"]["uv"]


def test_the_committed_lock_matches_the_pack_project() -> None:
    done = subprocess.run(
        [uv(), "lock", "--check", "--offline"],
        cwd=POLICY,
        env=uv_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lock = toml(POLICY / "uv.lock")
    sources = {p["name"]: p["source"] for p in lock["package"]}
    assert sources.pop(PACK_NAME) == {"virtual": "."}
    assert {"pulumi", "pulumi-policy"} <= set(sources)
    assert all(source == {"registry": "https://pypi.org/simple"} for source in sources.values())


# --- copied alone ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def copied_alone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``policy/`` as its tracked files would be, alone in an empty folder, installed by uv."""
    folder = tmp_path_factory.mktemp("alone") / "pack"
    shutil.copytree(POLICY, folder, ignore=shutil.ignore_patterns(".venv", "__pycache__"))
    assert not any((parent / "pyproject.toml").exists() for parent in folder.parents)
    done = subprocess.run(
        [uv(), "sync", "--locked", "--python", sys.executable],
        cwd=folder,
        env=uv_env(),
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_BOUND,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return folder


def venv_python(folder: Path) -> str:
    return str(folder / ".venv" / "bin" / "python")


def test_the_copy_holds_nothing_of_the_repository(copied_alone: Path) -> None:
    done = subprocess.run(
        [venv_python(copied_alone), "-c", "import breeze_infra"],
        cwd=copied_alone,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "No module named 'breeze_infra'" in done.stderr


def test_the_copy_imports_its_rules_and_builds_every_policy(copied_alone: Path) -> None:
    script = "import breeze_guardrails.pack as r; print([p.name for p in r.build_policies()])"
    done = subprocess.run(
        [venv_python(copied_alone), "-c", script],
        cwd=copied_alone,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(POLICIES)


@pytest.fixture
def served(copied_alone: Path) -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    """The copy started as Pulumi starts a Python pack; the analyzer prints its port first."""
    stderr = (copied_alone.parent / "stderr.txt").open("w+", encoding="utf-8")
    process = subprocess.Popen(
        [venv_python(copied_alone), "-m", "pulumi.policy", "127.0.0.1:1", "."],
        cwd=copied_alone,
        env={**uv_env(), "BREEZE_NOW": "2026-11-25T09:30:00Z"},
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
    )
    watchdog = threading.Timer(120, process.kill)
    watchdog.start()
    try:
        assert process.stdout is not None
        port = process.stdout.readline().strip()
        stderr.seek(0)
        assert port.isdigit(), stderr.read()
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield analyzer_pb2_grpc.AnalyzerStub(channel)
    finally:
        watchdog.cancel()
        process.kill()
        process.wait(timeout=30)
        stderr.close()


def test_the_copy_serves_the_pack_as_pulumi_runs_it(
    served: analyzer_pb2_grpc.AnalyzerStub,
) -> None:
    info = served.GetAnalyzerInfo(empty_pb2.Empty(), timeout=30)
    assert info.name == PACK_NAME
    assert [p.name for p in info.policies] == POLICIES

    props = struct_pb2.Struct()
    props.update(
        {
            "accountId": ACCOUNT_ID,
            "expiresOn": "2027-11-25T00:00:00Z",
            "policies": [
                {
                    "effect": "allow",
                    "permissionGroups": [{"id": "e086da7e2179491d91ee5f35b3ca210a"}],
                    "resources": json.dumps({f"com.cloudflare.api.account.{ACCOUNT_ID}": "*"}),
                }
            ],
        }
    )
    request = analyzer_pb2.AnalyzeRequest(
        urn=f"urn:pulumi:dev::breeze-infra::{ACCOUNT_TOKEN}::t",
        type=ACCOUNT_TOKEN,
        name="t",
        properties=props,
    )
    diagnostics = served.Analyze(request, timeout=30).diagnostics
    assert sorted(d.policyName for d in diagnostics) == sorted([EXPIRY, LEAST_PRIVILEGE])


# --- what the docs tell people to run ---------------------------------------------------------


def test_the_docs_install_publish_and_enforce_the_pack_as_it_is_laid_out() -> None:
    section = (POLICY.parent / "docs" / "guardrails.md").read_text(encoding="utf-8")
    assert "uv sync --locked --project policy\n" in section
    assert "pulumi policy publish <org>\n" in section
    assert f"pulumi policy enable <org>/{PACK_NAME} latest --policy-group <group>\n" in section
    pages = [POLICY.parent / "README.md", *sorted((POLICY.parent / "docs").glob("*.md"))]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for stale in (
            "requirements.txt",
            "policy/venv",
            "breeze_infra/guardrails",
            " guardrails.py",
        ):
            assert stale not in text, (page.name, stale)
