"""An unknown key gets the closest key accepted at its place, or the plain "(a typo?)"."""

from __future__ import annotations

import pytest

from breeze_infra.config import ConfigError, load_settings

ACCOUNT = "0123456789abcdef0123456789abcdef"
MODELS = '[{"id": "@cf/meta/llama-3.1-8b-instruct"}]'


def _problems(settings: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as refused:
        load_settings(settings, namespace="acme-ai", source="s.yaml", stack="dev")
    return refused.value.lines()


@pytest.mark.parametrize(
    ("settings", "line"),
    [
        (
            {"acme-ai:acountId": ACCOUNT, "acme-ai:models": MODELS},
            "s.yaml: acme-ai:acountId: unknown key (did you mean `accountId`?)",
        ),
        (
            {
                "acme-ai:accountId": ACCOUNT,
                "acme-ai:models": MODELS,
                "acme-ai:token": '{"rotationDay": 7}',
            },
            "s.yaml: acme-ai:token.rotationDay: unknown key (did you mean `rotationDays`?)",
        ),
        (
            {"acme-ai:accountId": ACCOUNT, "acme-ai:models": MODELS, "acme-ai:zzzqqq": "1"},
            "s.yaml: acme-ai:zzzqqq: unknown key (a typo?)",
        ),
    ],
)
def test_unknown_keys_suggest_the_closest_known_one(settings: dict[str, str], line: str) -> None:
    assert line in _problems(settings)


def test_the_docs_placeholder_account_id_is_a_warning_naming_the_key() -> None:
    from breeze_infra.config import placeholder_account

    config = load_settings(
        {"acme-ai:accountId": "0123456789abcdef0123456789abcdef", "acme-ai:models": MODELS},
        namespace="acme-ai",
        source="s.yaml",
        stack="dev",
    )
    ((key, message),) = placeholder_account(config)
    assert key == "acme-ai:accountId" and "no Cloudflare account has it" in message
    mine = load_settings(
        {"acme-ai:accountId": "fedcba9876543210fedcba9876543210", "acme-ai:models": MODELS},
        namespace="acme-ai",
        source="s.yaml",
        stack="dev",
    )
    assert placeholder_account(mine) == []
