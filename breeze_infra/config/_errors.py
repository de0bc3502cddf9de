"""How config problems are told: every problem of a stack at once, each pinned to one key."""

from __future__ import annotations

from breeze_infra.exits import UserError
from breeze_infra.messages import short


class ConfigError(UserError):
    """Every problem of one stack's config at once, each as ``<source>: <key>: <message>``."""

    def __init__(self, source: str, problems: list[tuple[str | None, str]]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        """One line per problem; a token pasted into the wrong key is not quoted back."""
        return [
            short(f"{self.source}: {key}: {message}" if key else f"{self.source}: {message}", 400)
            for key, message in self.problems
        ]


class UncheckedConfig(ConfigError):
    """Only keys that the stack's ESC environments may provide are missing: nothing is known to
    be wrong, but the config could not be checked whole."""


class KeyedError(ValueError):
    """A cross-field problem that still points at one key, relative to where it was raised."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
