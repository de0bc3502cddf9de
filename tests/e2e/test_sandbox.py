"""``breeze-infra sandbox``: its export lines are all a shell needs for a real ``pulumi up``.

The sandbox runs as a user runs it (a foreground process, stopped with Ctrl-C); the test pastes
the line it printed into a shell with a bare PATH and types plain ``pulumi`` (the CLI built here,
through the sandbox's shim), restarts it to see the minted token survive, tears down, and finds
the checkout as it was; then the one-line refusals.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
from pathlib import Path

from breeze_infra.sandbox.session import MARKER
from tests.e2e.conftest import Sandbox

STACK = "sandbox-trial"
ACCOUNT_ID = "fedcba9876543210fedcba9876543210"
"""A user's own account id, not the emulator's default: the sandbox answers for it."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Running:
    """``breeze-infra sandbox`` in the foreground, as a user starts it; ``line`` is what it
    printed to paste."""

    def __init__(self, installed: Sandbox, folder: Path | None, port: int, *extra: str) -> None:
        base = {
            k: v
            for k, v in installed.env.items()
            if not k.startswith(("PULUMI_", "CLOUDFLARE_", "BREEZE_"))
        }
        where = ["--dir", str(folder)] if folder is not None else []
        self.process = subprocess.Popen(
            [
                str(installed.project / ".venv" / "bin" / "breeze-infra"),
                "sandbox",
                *where,
                "--port",
                str(port),
                *extra,
            ],
            cwd=installed.project,
            env=base,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.line = self.process.stdout.readline().rstrip("\n")
        assert self.line.startswith("source "), (self.line, self.process.stderr)

    def stop(self) -> tuple[int, str, str]:
        self.process.send_signal(signal.SIGINT)
        out, err = self.process.communicate(timeout=30)
        return self.process.returncode, out, err


def _git_snapshot(project: Path) -> None:
    """The copy as a fresh clone: a git repository with everything committed."""
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    subprocess.run([*git, "add", "-A"], cwd=project, check=True)
    subprocess.run([*git, "commit", "-qm", "clone"], cwd=project, check=True)


def test_pasting_the_printed_line_then_plain_pulumi_up_works_and_leaves_the_checkout_clean(
    installed: Sandbox,
) -> None:
    project = installed.project
    if not (project / ".git").is_dir():
        _git_snapshot(project)
    port = _free_port()
    running = Running(installed, None, port)
    assert running.line == "source .breeze-sandbox/env"
    shell_env = {
        **{k: v for k, v in os.environ.items() if k in ("HOME", "LANG")},
        "PATH": "/usr/bin:/bin",
    }

    def run(script: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            ["bash", "-c", f"{running.line} && {script}"],
            cwd=project,
            env=shell_env,
            capture_output=True,
            text=True,
            check=False,
            input=input,
        )
        assert done.returncode == 0, (script, done.stdout, done.stderr)
        return done

    run(f"pulumi stack init {STACK}")
    run(f"pulumi config set breeze-infra:accountId {ACCOUNT_ID}")
    run("pulumi config set --path 'breeze-infra:models[0].id' @cf/openai/gpt-oss-20b")
    run("pulumi up --yes")
    outputs = run("pulumi stack output --json --show-secrets").stdout
    run(f"breeze-infra doctor --stack {STACK} --from-outputs -", input=outputs)
    code, _out, err = running.stop()
    assert code == 0, err
    folder = project / ".breeze-sandbox"
    assert (folder / MARKER).is_file() and (folder / "state").is_dir()

    again = Running(installed, None, port)
    run(f"breeze-infra doctor --stack {STACK} --from-outputs -", input=outputs)
    run("pulumi destroy --yes")
    run(f"pulumi stack rm --yes {STACK}")
    assert again.stop()[0] == 0
    tokens = json.loads((folder / "emulator-tokens.json").read_text())
    assert [t["value"] for t in tokens if t["record"]] == [], "destroy left a live token"
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=project, capture_output=True, text=True, check=True
    )
    assert status.stdout == "", "the sandbox changed the checkout"


def test_a_busy_port_and_a_foreign_folder_are_refused_in_one_line(
    installed: Sandbox, tmp_path: Path
) -> None:
    command = [str(installed.project / ".venv" / "bin" / "breeze-infra"), "sandbox"]
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        done = installed.run([*command, "--dir", str(tmp_path / "s"), "--port", port], check=False)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"breeze-infra sandbox: port {port} on 127.0.0.1 is busy; give another --port"
    ]
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "cat.jpg").write_bytes(b"\xff\xd8")
    done = installed.run(
        [*command, "--dir", str(foreign), "--port", str(_free_port()), "--reset"], check=False
    )
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1 and "not a sandbox folder" in done.stderr
    assert (foreign / "cat.jpg").is_file(), "--reset emptied a folder that was not a sandbox's"
