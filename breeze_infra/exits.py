"""The exit codes every ``breeze-infra`` command shares, and the one error type that carries one.

CI branches on the code: 2 means a person must change something they gave (a stack file, a flag,
a variable, an outputs JSON), 1 means nothing they gave is wrong (Cloudflare, the network or a
check failed). Kept free of httpx, pydantic and Pulumi so that any module may raise these.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["CommandError", "ExitCode", "UserError"]


class ExitCode(IntEnum):
    """What a command's exit status tells its caller."""

    OK = 0
    FAILED = 1
    BAD_INPUT = 2
    INTERRUPTED = 130
    """Ctrl-C, as a shell reports a process ended by SIGINT (128 + 2)."""


class CommandError(Exception):
    """A failure already worded for the user, printed line by line without a traceback.

    ``exit_code`` is ``BAD_INPUT`` when the user's input must change and ``FAILED`` when it need
    not; the CLI's ``main`` is the one place that prints it and turns it into the exit status.
    """

    def __init__(self, message: str, exit_code: ExitCode = ExitCode.FAILED) -> None:
        super().__init__(message)
        self.exit_code = ExitCode(exit_code)

    def lines(self) -> list[str]:
        return str(self).splitlines()


class UserError(Exception):
    """Something the user gave is wrong, and the message already says where: exit 2, no traceback.

    The base of every reader's own error (``ConfigError``, ``ProjectError``...): the CLI's
    ``main`` maps this one class to ``BAD_INPUT``, so a new kind of bad input is a subclass here,
    never a name to remember there.
    """
