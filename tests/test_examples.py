"""The example stack files run: one per secrets backend and one for a team.

A backend's SDK counts as installed only when the project's install declares it (see
tests/test_install.py), and this repository's ``backends`` group is empty on purpose. So each
example is held to what its user sees at each step: in this repository, ``validate`` accepts the
SDK-free ones and names the exact ``uv add`` line for the others; in a project whose install
declares the SDKs, every example validates; and the real program, simulated, registers the
resources the example's backend writes.

``examples/component/`` is another team's own program: it runs here as the language host would
run it, under the same simulated Cloudflare.
"""

from __future__ import annotations

import ast
import json
import runpy
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

import breeze_infra
from breeze_infra.backends import NAMES, backend_classes
from breeze_infra.permissions import ACCOUNT_TOKEN
from breeze_infra.rotation import plan_rotation, timestamp
from breeze_infra.sandbox.mocks import (
    FakeCloudflare,
    Registration,
    SynthResult,
    redact,
    resolve_outputs,
    run_mocked,
    unwrap_secrets,
)
from breeze_infra.stacks import read_namespace
from tests.backends.test_backends import CASES
from tests.conftest import ACCOUNT_ID, NOW, ROOT, CliRun

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
    assert sorted(result.outputs["consumers"]) == ["alice", "carol", "support-team"]
    tokens = [r.name for r in result.tokens]
    assert sorted(tokens) == [
        f"workers-ai-{name}-slot-{slot}"
        for name in ("alice", "carol", "support-team")
        for slot in "ab"
    ]


COMPONENT = ROOT / "examples" / "component"


@dataclass
class ProgramRun:
    registrations: list[Registration]
    outputs: dict[str, Any]
    secret_outputs: set[str]
    issued: dict[str, str]


def run_program(folder: Path, stack: str) -> ProgramRun:
    """A Pulumi program folder run as the language host runs it: its entry file as a script, its
    stack file's config as the engine hands it (text, JSON for objects and lists)."""
    project = yaml.safe_load((folder / "Pulumi.yaml").read_text(encoding="utf-8"))["name"]
    config = yaml.safe_load((folder / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))
    settings = {
        key: value if isinstance(value, str) else json.dumps(value)
        for key, value in config["config"].items()
    }
    return run_under_mocks(
        lambda: runpy.run_path(str(folder / "__main__.py"), run_name="__main__"),
        project=project,
        stack=stack,
        settings=settings,
    )


def run_under_mocks(
    program: Callable[[], object],
    *,
    project: str = "team-ai",
    stack: str = "dev",
    settings: dict[str, str] | None = None,
    fake: FakeCloudflare | None = None,
) -> ProgramRun:
    """Any Pulumi program under the fake Cloudflare, on a fresh event loop, its exports read back
    from the stack as ``pulumi stack output`` would show them."""
    fake = fake or FakeCloudflare()
    outputs: dict[str, Any] = {}
    secrets: set[str] = set()

    async def run() -> None:
        program()
        root = pulumi.runtime.settings.get_root_resource()
        assert isinstance(root, pulumi.runtime.stack.Stack)
        await resolve_outputs(root.outputs, outputs, secrets)

    monitor = run_mocked(run, fake, project=project, stack=stack, config=settings or {})
    return ProgramRun(monitor.registrations, outputs, secrets, fake.issued)


def test_the_component_example_uses_only_the_public_api() -> None:
    tree = ast.parse((COMPONENT / "__main__.py").read_text(encoding="utf-8"))
    imported = [
        (node.module, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    ]
    plain = [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    ]
    assert plain == ["pulumi"]
    assert {module for module, _ in imported} == {"breeze_infra"}
    assert {name for _, name in imported} <= set(breeze_infra.__all__)


def test_the_component_example_mints_a_scoped_rotating_key_and_delivers_it_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BREEZE_NOW", "2026-11-25T09:30:00Z")
    run = run_program(COMPONENT, "dev")
    plan = plan_rotation(NOW, 7)
    by_type: dict[str, list[Registration]] = {}
    for registration in run.registrations:
        by_type.setdefault(registration.type, []).append(registration)
    (component,) = by_type["breeze:index:WorkersAiToken"]
    tokens = {r.name: r for r in by_type[ACCOUNT_TOKEN]}
    assert sorted(tokens) == ["team-ai-slot-a", "team-ai-slot-b"]
    for token in tokens.values():
        assert token.parent == component.urn
        (grant,) = token.inputs["policies"]
        assert grant["permissionGroups"] == [{"id": "a92d2450e05d4e7bb7d0a64968f83d11"}]
        assert json.loads(grant["resources"]) == {f"com.cloudflare.api.account.{ACCOUNT_ID}": "*"}
        assert token.inputs["condition"] == {"requestIp": {"ins": ["203.0.113.0/24"]}}
    current = tokens[f"team-ai-slot-{plan.current.name}"]
    assert current.inputs["name"] == f"breeze-infra dev slot-{plan.current.name} w{plan.window} g0"
    assert current.inputs["expiresOn"] == timestamp(plan.current.expires_on)

    (delivery,) = by_type["breeze:index:SecretsDelivery"]
    (vault,) = by_type["vault:kv/secretV2:SecretV2"]
    assert vault.parent == delivery.urn
    document, secret = unwrap_secrets(vault.inputs["dataJson"])
    assert secret
    key = run.issued[current.name]
    assert json.loads(document) == {
        "baseUrl": f"https://api.cloudflare.com/client/v4/accounts/{ACCOUNT_ID}/ai/v1",
        "apiKey": key,
    }

    assert run.outputs == {
        "baseUrl": f"https://api.cloudflare.com/client/v4/accounts/{ACCOUNT_ID}/ai/v1",
        "apiKeyRef": "vault:secret/team-ai/dev#apiKey",
        "tokenId": run.outputs["tokenId"],
        "tokenName": current.inputs["name"],
        "expiresOn": timestamp(plan.current.expires_on),
    }
    assert run.outputs["tokenId"]
    visible = json.dumps([run.outputs, [redact(r.inputs) for r in run.registrations]])
    assert key not in visible
