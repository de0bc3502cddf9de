"""The setup card: GPT Breeze's words, each backend's place for the key, never the key."""

from __future__ import annotations

from typing import Any

import pytest

from breeze_infra.config import parse_config
from breeze_infra.consumers import audience_manifest, audiences
from breeze_infra.handover import build_card, render_html, render_markdown
from tests.conftest import minimal_values

KEY = "cfat_" + "S3cr3tKeyValue" * 3
VAULT = {"backend": "vault", "mount": "kv", "path": "breeze/{stack}/{consumer}"}
ONEPASSWORD = {
    "backend": "onepassword",
    "vault": "abcdefghijklmnopqrstuvwxyz",
    "title": "AI {consumer}",
}
KUBERNETES = {"backend": "kubernetes", "name": "ai-{consumer}", "namespace": "team"}


def cards(**overrides: Any) -> dict[str | None, Any]:
    values = minimal_values(
        models=[{"id": "@cf/meta/llama-3.1-8b-instruct", "displayName": "Llama <b>|fast|</b>"}],
        consumers=[
            {
                "name": "alice",
                "contact": {"email": "alice@example.com", "slack": "U012AB3CDE"},
                "rotationDays": 28,
            }
        ],
        secrets=[VAULT, ONEPASSWORD, KUBERNETES],
        **overrides,
    )
    config = parse_config(values, "x", "prod")
    result = {}
    for audience in audiences(config):
        manifest = audience_manifest(config, "prod", audience, "2027-01-08T00:00:00Z")
        result[audience.name] = build_card(
            manifest,
            audience.secrets,
            rotation_days=audience.token.rotation_days,
            contact=audience.contact,
        )
    return result


def test_the_card_says_what_to_add_in_gpt_breezes_words() -> None:
    card = cards()["alice"]
    text = render_markdown(card)
    assert "Settings → Credentials → Add → Custom (OpenAI-compatible)" in text
    assert "Settings → Custom Models → Add model" in text
    assert "| Name | Cloudflare Workers AI (prod) |" in text
    assert "`https://api.cloudflare.com/client/v4/accounts/" in text
    assert "`@cf/meta/llama-3.1-8b-instruct`" in text
    assert "e-mail alice@example.com, Slack U012AB3CDE" in text


def test_the_card_names_each_backends_place_for_this_person() -> None:
    places = cards()["alice"].key_places
    assert places[0].startswith("Vault: mount kv, path breeze/prod/alice, key apiKey")
    assert places[1].startswith(
        "1Password: vault abcdefghijklmnopqrstuvwxyz, item 'AI alice', field 'password'"
    )
    assert places[2].startswith("Kubernetes: namespace team, secret ai-alice, key apiKey")


def test_the_card_says_when_the_key_stops_and_that_only_the_key_changes() -> None:
    card = cards()["alice"]
    assert (card.expires_on, card.next_key_on, card.rotation_days) == (
        "2027-01-08T00:00:00Z",
        "2026-12-11T00:00:00Z",
        28,
    )
    text = render_markdown(card)
    assert "works until 2027-01-08 00:00 UTC" in text
    assert "the next one from 2026-12-11 00:00 UTC" in text
    assert "Only the credential's API key changes at rotation; the models stay" in text


def test_values_from_the_stack_file_cannot_change_the_cards_structure() -> None:
    card = cards()["alice"]
    assert "Llama \\<b\\>\\|fast\\|\\</b\\>" in render_markdown(card)
    page = render_html(card)
    assert "<b>" not in page
    assert "Llama &lt;b&gt;|fast|&lt;/b&gt;" in page


def test_a_manifest_holding_the_key_makes_no_card() -> None:
    config = parse_config(minimal_values(), "x", "prod")
    (audience,) = audiences(config)
    manifest = audience_manifest(config, "prod", audience, "2027-01-08T00:00:00Z")
    with pytest.raises(ValueError, match="without the key"):
        build_card(manifest.with_api_key(KEY), audience.secrets, rotation_days=30)
