"""How any value given to us is quoted back in a message: short, on one line, and never a token.

Messages end up in CI logs and terminals, where a newline can forge a second line (a GitHub
Actions ``::error`` command) and an escape sequence can rewrite the screen, and where a Cloudflare
token pasted into the wrong key must not be echoed.
"""

from __future__ import annotations

from typing import Any

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
