"""``breeze-infra sandbox``: a local Cloudflare and fake provider plugins for a real ``pulumi up``."""

from __future__ import annotations

from pathlib import Path

from breeze_infra.cli.common import BAD_INPUT_HELP, Help
from breeze_infra.exits import CommandError, ExitCode

HELP = Help(
    summary="serve a local Cloudflare emulator and fake provider plugins for a real pulumi up",
    description="Start a local Cloudflare emulator and print `export` lines; pasted into "
    "another shell,\n`pulumi up` and `breeze-infra doctor` run against it. Runs until "
    "interrupted.",
    examples=(
        "breeze-infra sandbox",
        "breeze-infra sandbox --reset --env-file .breeze-sandbox/env",
    ),
    env=(),
    exits=(
        (ExitCode.OK, "stopped"),
        (ExitCode.FAILED, "the sandbox could not start"),
        BAD_INPUT_HELP,
        (ExitCode.INTERRUPTED, "interrupted (Ctrl-C)"),
    ),
)


def sandbox(folder: Path, *, port: int, env_file: Path | None, reset: bool) -> int:
    """Serve until interrupted; a sandbox that cannot start is one line, exit 1."""
    from breeze_infra.sandbox.plugins import PluginError
    from breeze_infra.sandbox.session import SandboxError, run

    try:
        return run(folder, port=port, env_file=env_file, reset=reset)
    except (SandboxError, PluginError) as exc:
        raise CommandError(str(exc), ExitCode.FAILED) from None
