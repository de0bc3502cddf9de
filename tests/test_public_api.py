"""What another team's Pulumi program may import from breeze_infra, and what importing it costs."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import breeze_infra
from tests.conftest import ROOT


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
