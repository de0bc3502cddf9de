"""The commands, in the order ``--help`` lists them: a name here, and one module in this package.

A command's module holds its ``HELP`` (summary, description, two examples, the environment
variables read, the exit codes), its ``register`` (its options, and the adapter from them to its
function's arguments) and the function that runs it, taking typed values. Adding a command is
that module and its name here; the parser imports only the module of the command that runs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from breeze_infra.cli.options import Subparsers

COMMANDS: Final = (
    "validate",
    "manifest",
    "card",
    "doctor",
    "usage",
    "rotation",
    "remind",
    "synth",
    "sandbox",
    "schema",
    "completion",
)
"""Every command, in the order ``--help`` lists them."""


def register(commands: Subparsers, name: str) -> None:
    """Add one command's parser, importing its module (and nothing of the others)."""
    importlib.import_module(f"breeze_infra.cli.{name}").register(commands)
