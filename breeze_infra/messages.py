"""How any value given to us is quoted back in a message: short, on one line, and never a token.

Messages end up in CI logs and terminals, where a newline can forge a second line (a GitHub
Actions ``::error`` command) and an escape sequence can rewrite the screen, and where a Cloudflare
token pasted into the wrong key must not be echoed.
"""

from __future__ import annotations

from breeze_infra.policy import LEGACY_TOKEN, PREFIXED_TOKEN

HIDDEN = "[value hidden: it looks like a Cloudflare token]"
LIMIT = 80


def masked(text: str) -> str:
    """Cloudflare tokens (``cfat_``/``cfut_``-prefixed, or the older 40 characters) hidden."""
    return LEGACY_TOKEN.sub(HIDDEN, PREFIXED_TOKEN.sub(HIDDEN, text))


def one_line(text: str) -> str:
    """Control characters (newlines, escapes) shown as escapes, so a message stays one line."""
    return "".join(
        char if char.isprintable() or char == " " else char.encode("unicode_escape").decode()
        for char in text
    )


def short(text: str, limit: int = LIMIT) -> str:
    """A value as it is quoted inside a message: masked, one line, at most ``limit`` characters."""
    flat = one_line(masked(text))
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
