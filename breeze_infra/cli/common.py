"""What every command shares: the global options, the chosen stack, the clock, printing, and
the shape of a command's help.

Only the standard library and ``breeze_infra.exits`` at import time: each command loads what it
needs itself, so that ``manifest`` and ``validate`` never pay for Pulumi or httpx.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from breeze_infra.endpoints import BASE_URL_ENV, NOW_ENV, STACK_ENV, TOKEN_ENV
from breeze_infra.exits import CommandError, ExitCode

if TYPE_CHECKING:
    from datetime import datetime

"""Pulumi's own variable for the stack to use when ``--stack`` is not given."""


@dataclass(frozen=True)
class Globals:
    """The options accepted before or after any command (``--stacks-dir``, ``--debug``, ``-C``)."""

    stacks_dir: Path | None = None
    debug: bool = False

    def stacks_folder(self) -> Path:
        """``--stacks-dir``, else the ``stackConfigDir`` of the nearest Pulumi.yaml."""
        from breeze_infra.stacks import default_stacks_dir

        return self.stacks_dir if self.stacks_dir is not None else default_stacks_dir()


def bad_input(message: str) -> CommandError:
    return CommandError(message, ExitCode.BAD_INPUT)


def chosen_stack(
    given: str | None, command: str, environ: Mapping[str, str], *, required: bool = True
) -> str | None:
    """``--stack``, else ``PULUMI_STACK`` as Pulumi would use it, said on stderr so that a stack
    picked up from a forgotten variable is never a surprise."""
    if given is not None:
        return given
    from_env = environ.get(STACK_ENV, "").strip()
    if from_env:
        from breeze_infra.messages import short
        from breeze_infra.stacks import stack_name_problem

        problem = stack_name_problem(from_env)
        if problem is not None:
            raise bad_input(f"{STACK_ENV}: stack '{short(from_env)}': {problem}")
        print(f"using stack {short(from_env)} (from {STACK_ENV})", file=sys.stderr)
        return from_env
    if required:
        raise bad_input(f"breeze-infra {command}: --stack NAME is required (or set {STACK_ENV})")
    return None


def print_lines(text: str) -> None:
    """A message on stderr, one line at a time (each goes through the masking filter)."""
    for line in text.splitlines():
        print(line, file=sys.stderr)


def quoted(value: str) -> str:
    """A name read from a file or given by the user, as a message quotes it."""
    from breeze_infra.messages import short

    return short(value)


def now() -> datetime:
    """The current time (``BREEZE_NOW`` when set); a malformed clock is bad input."""
    from breeze_infra.rotation import ClockError, current_time

    try:
        return current_time()
    except ClockError as exc:
        raise bad_input(str(exc)) from None


def bootstrap_token(what: str) -> str:
    """CLOUDFLARE_API_TOKEN, asked for only by the commands that call Cloudflare."""
    from breeze_infra.cloudflare import bootstrap_token as from_environ

    return from_environ(os.environ, what)


def log_debug_to_stderr() -> None:
    """breeze-infra's own records only: they redact the token, third-party ones make no promise."""
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("debug: %(name)s: %(message)s"))
    logger = logging.getLogger("breeze_infra")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)


def change_directory(folder: Path | None) -> None:
    """``-C DIR``: every relative path after this is relative to DIR, as with ``pulumi -C``."""
    if folder is None:
        return
    try:
        os.chdir(folder)
    except OSError as exc:
        from breeze_infra.messages import short

        raise CommandError(
            f"breeze-infra: -C {short(str(folder), 200)}: cannot run there ({exc.strerror or exc})",
            ExitCode.BAD_INPUT,
        ) from None


@dataclass(frozen=True)
class Help:
    """What ``--help`` of a command says beyond its options."""

    summary: str
    description: str
    examples: tuple[str, str]
    env: tuple[tuple[str, str], ...]
    exits: tuple[tuple[int, str], ...]

    def epilog(self) -> str:
        lines = ["examples:", *(f"  {example}" for example in self.examples), ""]
        lines.append("environment variables:")
        lines += [f"  {name:<22}{what}" for name, what in self.env] or ["  none"]
        lines += ["", "exit codes:", *(f"  {int(code):<4}{what}" for code, what in self.exits)]
        return "\n".join(lines)


OK_HELP = (ExitCode.OK, "success")
BAD_INPUT_HELP = (
    ExitCode.BAD_INPUT,
    "bad input: a flag, a file or a variable to fix (one line each)",
)
CLOCK = (NOW_ENV, "the current time, RFC 3339 (default: the system clock)")
STACK = (STACK_ENV, "the stack when --stack is not given (said on stderr)")
BOOTSTRAP = (TOKEN_ENV, "with --online: a token with Workers AI Read")
BASE_URL = (
    BASE_URL_ENV,
    "the Cloudflare API root (default: Cloudflare's; tests, sandbox)",
)
