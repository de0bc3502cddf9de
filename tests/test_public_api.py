"""What another team's Pulumi program may import from breeze_infra, and what importing it costs."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pulumi
import pytest

import breeze_infra
import breeze_infra.project
from breeze_infra import ArgsError, SecretsDelivery, SecretsDeliveryArgs
from breeze_infra.sandbox.mocks import FakeCloudflare, redact, unwrap_secrets
from tests.conftest import ROOT
from tests.test_examples import run_under_mocks

REAL_FIND_INSTALL = breeze_infra.project.find_install
"""Taken before the suite's autouse fixture judges every backend by import."""


def test_the_public_surface_is_the_components_their_args_and_the_endpoint() -> None:
    assert breeze_infra.__all__ == [
        "ArgsError",
        "SecretsDelivery",
        "SecretsDeliveryArgs",
        "WorkersAiToken",
        "WorkersAiTokenArgs",
        "workers_ai_base_url",
    ]


def test_every_public_name_resolves_and_dir_lists_it() -> None:
    for name in breeze_infra.__all__:
        assert getattr(breeze_infra, name).__name__ == name
    assert set(breeze_infra.__all__) <= set(dir(breeze_infra))


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'TokenSpec'"):
        breeze_infra.TokenSpec  # noqa: B018


def loaded_after(statement: str) -> list[str]:
    probe = (
        f"import sys, json; {statement}; "
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('pulumi', 'pydantic')))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return list(json.loads(result.stdout))


def test_importing_the_package_loads_neither_pulumi_nor_pydantic() -> None:
    assert loaded_after("import breeze_infra") == []


def test_the_token_args_load_pulumi_but_not_the_cloudflare_sdk() -> None:
    loaded = loaded_after("from breeze_infra import WorkersAiTokenArgs, SecretsDeliveryArgs")
    assert "pulumi" in loaded
    assert not [m for m in loaded if m.startswith("pulumi_")]


GATEWAY = "https://gateway.ai.cloudflare.com/v1/0123456789abcdef0123456789abcdef/team/workers-ai/v1"


def delivery_program(secrets: list[dict[str, str]]) -> Callable[[], None]:
    def program() -> None:
        delivery = SecretsDelivery(
            "keys",
            SecretsDeliveryArgs(api_key="cfat_" + "K" * 40, base_url=GATEWAY, secrets=secrets),
        )
        pulumi.export("apiKeyRefs", delivery.api_key_refs)

    return program


def test_delivery_writes_the_base_url_it_is_given_and_the_key_as_a_secret() -> None:
    run = run_under_mocks(
        delivery_program([{"backend": "vault", "mount": "secret", "path": "team/dev"}])
    )
    (component,) = [r for r in run.registrations if r.type == "breeze:index:SecretsDelivery"]
    (vault,) = [r for r in run.registrations if r.type == "vault:kv/secretV2:SecretV2"]
    assert vault.parent == component.urn
    document, secret = unwrap_secrets(vault.inputs["dataJson"])
    assert secret
    assert json.loads(document) == {"baseUrl": GATEWAY, "apiKey": "cfat_" + "K" * 40}
    assert run.outputs == {"apiKeyRefs": ["vault:secret/team/dev#apiKey"]}
    visible = json.dumps([run.outputs, [redact(r.inputs) for r in run.registrations]])
    assert "cfat_" not in visible


def test_a_bad_secrets_entry_is_one_line_naming_the_entry_before_any_resource() -> None:
    fake = FakeCloudflare()
    with pytest.raises(ArgsError) as caught:
        run_under_mocks(delivery_program([{"backend": "vault", "mount": "secret"}]), fake=fake)
    assert str(caught.value) == "SecretsDelivery 'keys': secrets[0].path: Field required"
    assert fake.created == []


def test_an_sdk_missing_for_the_component_is_one_line_with_the_fix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 20, I: two entries of one backend are one install, so one line, before any
    resource; without a pyproject.toml around (the suite's rule), pip is the fix."""
    monkeypatch.setitem(sys.modules, "pulumi_vault", None)
    fake = FakeCloudflare()
    entries = [
        {"backend": "vault", "mount": "secret", "path": "team/dev"},
        {"backend": "vault", "mount": "secret", "path": "team/copy"},
    ]
    with pytest.raises(ArgsError) as caught:
        run_under_mocks(delivery_program(entries), fake=fake)
    assert str(caught.value) == (
        "SecretsDelivery 'keys': secrets[0].backend: backend 'vault' needs pulumi-vault, which is "
        "not installed where the program runs: run `uv add 'pulumi-vault>=7.14,<8'` in a uv "
        "project, else `pip install 'pulumi-vault>=7.14,<8'`"
    )
    assert fake.created == []


@pytest.mark.parametrize("pyproject", ["[tool.ruff]\nline-length = 100\n", "[project\n"])
def test_the_component_judges_sdks_by_what_its_own_python_imports(
    pyproject: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In another team's project, whatever its pyproject.toml declares (tool settings only) or
    even if it cannot be read, the component runs in the Python that deploys: an importable
    SDK is there, and the project's files are not the component's to judge."""
    monkeypatch.setattr("breeze_infra.project.find_install", REAL_FIND_INSTALL)
    (tmp_path / "Pulumi.yaml").write_text(
        "name: team-ai\nruntime:\n  name: python\n  options:\n    toolchain: uv\n",
        encoding="utf-8",
    )
    (tmp_path / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    run = run_under_mocks(
        delivery_program([{"backend": "vault", "mount": "secret", "path": "team/dev"}])
    )
    assert run.outputs == {"apiKeyRefs": ["vault:secret/team/dev#apiKey"]}
