"""The deploy's own catalog check (``online.check_for_deploy``, run by the program in
``pulumi up``): the same findings as ``validate --online``, or one warning when it cannot run."""

from __future__ import annotations

import pytest

from breeze_infra.config import load_settings
from breeze_infra.online import DeployCheck, check_for_deploy
from breeze_infra.sandbox.emulator import DEFAULT_TOKEN, CloudflareEmulator
from tests.conftest import NOW

SOURCE = "stacks/Pulumi.dev.yaml"
CATALOG_BLIND = "cfat_" + "b" * 43


@pytest.fixture
def pointed(emu: CloudflareEmulator, monkeypatch: pytest.MonkeyPatch) -> CloudflareEmulator:
    monkeypatch.setenv("CLOUDFLARE_BASE_URL", emu.base_url)
    emu.add_token(CATALOG_BLIND, permissions=["Account API Tokens Write"])
    return emu


def _check(emu: CloudflareEmulator, model: str, token: str = DEFAULT_TOKEN) -> DeployCheck:
    config = load_settings(
        {
            "breeze-infra:accountId": emu.account_id,
            "breeze-infra:models": f'[{{"id": "{model}"}}]',
        },
        namespace="breeze-infra",
        source=SOURCE,
        stack="dev",
    )
    return check_for_deploy(
        config,
        source=SOURCE,
        stack="dev",
        namespace="breeze-infra",
        token=token,
        now=NOW,
        timeout=10,
    )


def test_a_misspelled_model_is_an_error_with_did_you_mean(pointed: CloudflareEmulator) -> None:
    found = _check(pointed, "@cf/meta/llama-3.1-8b-instrct")
    assert found.warnings == ()
    (error,) = found.errors
    assert error.startswith(f"{SOURCE}: breeze-infra:models[0].id:")
    assert error.endswith("(did you mean `@cf/meta/llama-3.1-8b-instruct`?)")
    assert pointed.count(f"/accounts/{pointed.account_id}/ai/models/search") == 1


def test_a_known_model_passes(pointed: CloudflareEmulator) -> None:
    found = _check(pointed, "@cf/meta/llama-3.1-8b-instruct")
    assert (found.errors, found.warnings) == ((), ())


def test_a_token_without_workers_ai_read_is_one_warning_saying_how_to_check(
    pointed: CloudflareEmulator,
) -> None:
    found = _check(pointed, "@cf/meta/llama-3.1-8b-instrct", token=CATALOG_BLIND)
    assert found.errors == ()
    (warning,) = found.warnings
    assert "were not checked against the Workers AI catalog" in warning
    assert "lacks Workers AI Read" in warning
    assert "`breeze-infra validate --online --stack dev`" in warning
    assert CATALOG_BLIND not in warning
