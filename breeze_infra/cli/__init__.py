"""The ``breeze-infra`` command: ``main`` parses and dispatches, one module per command.

``parser`` declares every command's options and help; ``validate``, ``manifest``, ``doctor``,
``synth``, ``schema``, ``sandbox`` and ``completion`` each hold the function that runs one, taking
typed values; ``common`` holds what they share. Exit codes are ``breeze_infra.exits.ExitCode``.
Importing this package loads argparse and nothing slow: each command imports what it needs when
it runs, so ``manifest`` and ``validate`` never load Pulumi or httpx.
"""

from breeze_infra.cli.main import main

__all__ = ["main"]
