"""How any value given to us is quoted back in a message: short, on one line, and never a token.

Messages end up in CI logs and terminals, where a newline can forge a second line (a GitHub
Actions ``::error`` command) and an escape sequence can rewrite the screen, and where a Cloudflare
token pasted into the wrong key must not be echoed.
"""

from __future__ import annotations

import base64
import re
from typing import Any, Final

from breeze_infra.permissions import LEGACY_TOKEN, PREFIXED_TOKEN

HIDDEN = "[value hidden: it looks like a Cloudflare token]"
"""Stands for a value that looks like a token, wherever it came from."""
REDACTED = "[REDACTED]"
"""Stands for the very token a client or the emulator holds, in text quoted back from the wire."""
REDACTED_REPR = "<redacted>"
"""What ``repr()`` shows of an object holding a token, so a traceback's locals cannot leak it."""
LIMIT = 80


def masked(text: str) -> str:
    """Cloudflare tokens (``cfat_``/``cfut_``-prefixed, or the older 40 characters) hidden."""
    return LEGACY_TOKEN.sub(HIDDEN, PREFIXED_TOKEN.sub(HIDDEN, text))


HELD_RUN: Final = 16
"""Characters of a held token that, found in a row, count as an echo of it: a half of the
shortest token (40 characters), and long enough not to hide ordinary words."""


_ASCII_LOWER: Final = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


class HeldToken:
    """A token a client holds, and how its echoes are found in text from the wire.

    How far we go against a server echoing it back: the token in any case (``CFAT_...``), its
    base64 (standard and URL-safe, with or without padding, in any case), and any run of
    ``HELD_RUN`` or more of its characters in a row (a half, a third of a 53-character token).
    Not attempted: other encodings (hex, reversed, characters interleaved), which no Cloudflare
    answer has been seen to use; the output filter still masks anything shaped like a token.
    A value shorter than ``HELD_RUN`` (a test's ``"x"``) is hidden only as itself.
    """

    __slots__ = ("_encoded", "_grams", "_lower", "_value")

    def __init__(self, value: str) -> None:
        self._value = value
        self._lower = value.translate(_ASCII_LOWER)
        self._grams = {self._lower[i : i + HELD_RUN]: i for i in range(len(value) - HELD_RUN + 1)}
        raw = value.encode()
        encoded = {base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()}
        forms = sorted(encoded | {form.rstrip("=") for form in encoded}, key=len, reverse=True)
        self._encoded = re.compile("|".join(re.escape(f) for f in forms), re.IGNORECASE)

    def redact(self, text: str) -> str:
        """``text`` with every echo replaced by ``REDACTED``, before anything cuts it: a cut
        could leave a part that no longer looks like the whole."""
        if len(self._value) < HELD_RUN:
            return text.replace(self._value, REDACTED) if self._value else text
        text = self._encoded.sub(REDACTED, text)
        low = text.translate(_ASCII_LOWER)
        out: list[str] = []
        start = last = 0
        while start <= len(low) - HELD_RUN:
            at = self._grams.get(low[start : start + HELD_RUN])
            if at is None:
                start += 1
                continue
            end, held_at = start + HELD_RUN, at + HELD_RUN
            while (
                end < len(low) and held_at < len(self._lower) and low[end] == self._lower[held_at]
            ):
                end, held_at = end + 1, held_at + 1
            out += [text[last:start], REDACTED]
            start = last = end
        return "".join([*out, text[last:]])

    def __repr__(self) -> str:
        return REDACTED_REPR


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


def looks_like_token(text: str) -> bool:
    """Whether ``text`` holds anything :func:`masked` would hide."""
    return masked(text) != text


def printable(value: object) -> str:
    """Any value from outside (config, Cloudflare, analytics, argv, environment) as it goes into
    a printed line, a report row or a chart label: tokens masked, newlines and control
    characters escaped, never cut. The one place such a value becomes text: a newline in it can
    never start a second line (a forged ``::error::`` in a CI log)."""
    return one_line(masked(str(value)))


def safe_line(text: str) -> str:
    """A whole printed line: masked and escaped, never cut short (it is ours, not a quote)."""
    return printable(text)


class SafeStream:
    """A text stream that passes each complete line through :func:`safe_line` on its way out.

    The CLI puts it in front of stdout and stderr, so no line it prints, whatever it quotes (a
    stack file, an outputs JSON, Cloudflare's answers), can carry a token, a forged second line
    or a terminal escape. Lines are held until their newline, so a token split across writes is
    still recognised.
    """

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self._pending = ""

    def write(self, text: str) -> int:
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        if lines:
            self.stream.write("".join(safe_line(line) + "\n" for line in lines))
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self.stream.write(safe_line(self._pending))
            self._pending = ""
        self.stream.flush()

    def isatty(self) -> bool:
        return bool(self.stream.isatty())

    @property
    def encoding(self) -> str:
        return str(getattr(self.stream, "encoding", "utf-8"))
