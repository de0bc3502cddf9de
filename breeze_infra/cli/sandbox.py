"""``breeze-infra sandbox``: a local Cloudflare and fake provider plugins for a real ``pulumi up``."""

from __future__ import annotations

from pathlib import Path

from breeze_infra.exits import CommandError, ExitCode


def sandbox(folder: Path, *, port: int, env_file: Path | None, reset: bool) -> int:
    """Serve until interrupted; a sandbox that cannot start is one line, exit 1."""
    from breeze_infra.sandbox.plugins import PluginError
    from breeze_infra.sandbox.session import SandboxError, run

    try:
        return run(folder, port=port, env_file=env_file, reset=reset)
    except (SandboxError, PluginError) as exc:
        raise CommandError(str(exc), ExitCode.FAILED) from None
