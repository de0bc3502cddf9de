"""The ``breeze-infra`` command: ``main`` parses and dispatches, one module per command.

``commands`` lists the command names; ``validate``, ``manifest``, ``doctor``, ``usage``,
``synth``, ``schema``, ``sandbox`` and ``completion`` each hold one command's help, its options
(``register``) and the function that runs it, taking typed values; ``common`` holds what they
share. Exit codes are ``breeze_infra.exits.ExitCode``. ``parser`` builds the parser of the one
command that runs, and each command imports what it needs when it runs, so ``manifest`` and
``validate`` never load Pulumi or httpx, nor the other commands.
"""

from breeze_infra.cli.main import main

__all__ = ["main"]
