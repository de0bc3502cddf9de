"""A setup card as Markdown (for a repository or a wiki) and as one standalone HTML page.

Every value from the stack file is escaped for the format: a display name cannot add a table
column, a link or a script.
"""

from __future__ import annotations

import html
import re
from typing import Literal

from breeze_infra.handover._card import CREDENTIAL_STEPS, MODEL_STEPS, Card

CardFormat = Literal["md", "html"]
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


def card_file_name(card: Card, form: CardFormat) -> str:
    """``<stack>-<consumer>.<md|html>``, or ``<stack>.<md|html>`` for a stack without consumers,
    as ``manifest --all-consumers`` names its files."""
    stem = f"{card.environment}-{card.consumer}" if card.consumer else card.environment
    return f"{stem}.{form}"


def _when(moment: str) -> str:
    """``2027-01-08T00:00:00Z`` as a person reads it: ``2027-01-08 00:00 UTC``."""
    return f"{moment[:10]} {moment[11:16]} UTC"


def _title(card: Card) -> str:
    who = card.consumer or "everyone"
    return f"GPT Breeze setup for {who} ({card.environment})"


def _steps(card: Card) -> dict[str, list[str]]:
    """The card's sentences, shared by both formats (values still raw)."""
    return {
        "rotation": [
            f"The key you paste now works until {_when(card.expires_on)}.",
            f"Every {card.rotation_days} days a new key appears in the same places; the next "
            f"one from {_when(card.next_key_on)}. Paste it by {_when(card.expires_on)} into "
            f"Settings → Credentials → {card.credential_name} → API key.",
            "Only the credential's API key changes at rotation; the models stay as they are.",
        ]
    }


def _md(text: str) -> str:
    """Text that stays text: no emphasis, link, HTML or extra table column can come of it."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def _code(text: str) -> str:
    """A value to copy, as a code span when it can be one (no backtick or table bar in it)."""
    return f"`{text}`" if "`" not in text and "|" not in text else _md(text)


def render_markdown(card: Card) -> str:
    lines = [f"# {_md(_title(card))}", ""]
    if card.contact:
        lines += [f"For {_md(card.contact)}.", ""]
    lines += [
        "## 1. Add the credential (once)",
        "",
        f"In GPT Breeze: {CREDENTIAL_STEPS}.",
        "",
        "| Field | Value |",
        "|---|---|",
        f"| Provider type | {_md(card.provider_type)} |",
        f"| Name | {_md(card.credential_name)} |",
        f"| Base URL | {_code(card.base_url)} |",
        "| API key | your key, from one of the places below |",
        "",
        "Your key is in:",
        "",
        *[f"- {_md(place)}" for place in card.key_places],
        "",
        "## 2. Add the models (once)",
        "",
        f"In GPT Breeze: {MODEL_STEPS}, once per row.",
        "",
        "| Model ID | Display name | Credential |",
        "|---|---|---|",
        *[
            f"| {_code(m.model_id)} | {_md(m.display_name)} | {_md(m.credential)} |"
            for m in card.models
        ],
        "",
        f"## 3. At each rotation (every {card.rotation_days} days)",
        "",
        *[f"- {_md(sentence)}" for sentence in _steps(card)["rotation"]],
        "",
    ]
    return "\n".join(lines)


_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;"
    "color:#1a1a1a}table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}"
    "th,td{border:1px solid #ccc;padding:.4rem .6rem;text-align:left;vertical-align:top}"
    "th{background:#f3f3f3}code{background:#f3f3f3;padding:0 .2rem;word-break:break-all}"
    ".steps{color:#444}"
)


def render_html(card: Card) -> str:
    e = html.escape
    rows = "".join(
        f"<tr><th>{e(name)}</th><td><code>{e(value)}</code></td></tr>"
        for name, value in (
            ("Provider type", card.provider_type),
            ("Name", card.credential_name),
            ("Base URL", card.base_url),
        )
    )
    rows += "<tr><th>API key</th><td>your key, from one of the places below</td></tr>"
    places = "".join(f"<li><code>{e(place)}</code></li>" for place in card.key_places)
    models = "".join(
        f"<tr><td><code>{e(m.model_id)}</code></td><td>{e(m.display_name)}</td>"
        f"<td>{e(m.credential)}</td></tr>"
        for m in card.models
    )
    rotation = "".join(f"<li>{e(sentence)}</li>" for sentence in _steps(card)["rotation"])
    contact = f"<p>For {e(card.contact)}.</p>" if card.contact else ""
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{e(_title(card))}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{e(_title(card))}</h1>{contact}"
        "<h2>1. Add the credential (once)</h2>"
        f'<p class="steps">In GPT Breeze: {e(CREDENTIAL_STEPS)}.</p>'
        f"<table>{rows}</table><p>Your key is in:</p><ul>{places}</ul>"
        "<h2>2. Add the models (once)</h2>"
        f'<p class="steps">In GPT Breeze: {e(MODEL_STEPS)}, once per row.</p>'
        "<table><tr><th>Model ID</th><th>Display name</th><th>Credential</th></tr>"
        f"{models}</table>"
        f"<h2>3. At each rotation (every {card.rotation_days} days)</h2><ul>{rotation}</ul>"
        "</body></html>\n"
    )
