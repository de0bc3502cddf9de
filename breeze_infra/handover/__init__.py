"""The handover to a person: the setup card that says, in GPT Breeze's words, what to paste where.

GPT Breeze has no import format, so a person reads a card, not the manifest. The modules:

- ``_card``: the card's content, built from a consumer's manifest and its secrets entries;
- ``_render``: the card as Markdown and as a standalone HTML page.

Pure: no Pulumi, no network; the CLI, the program (notes beside the key) and the reminders share it.
"""

from breeze_infra.handover._card import (
    CREDENTIAL_STEPS,
    MODEL_STEPS,
    PROVIDER_TYPE,
    Card,
    CardModel,
    build_card,
    key_places,
)
from breeze_infra.handover._render import card_file_name, render_html, render_markdown

__all__ = [
    "CREDENTIAL_STEPS",
    "MODEL_STEPS",
    "PROVIDER_TYPE",
    "Card",
    "CardModel",
    "build_card",
    "card_file_name",
    "key_places",
    "render_html",
    "render_markdown",
]
