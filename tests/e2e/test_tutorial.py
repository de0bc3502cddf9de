"""docs/tutorial.md, "Your first hour": every command on the page runs, exactly as written.

The ``sh`` blocks are read from the page, in order, as ``.ci/run`` reads the README's: the one
that starts the sandbox runs in the background (shell 1); every other block runs, in one bash
session with ``set -e`` (shell 2), in the copy of the checkout. The clone is the copy itself (the
page gives it in prose). Afterwards ``git status`` must show nothing.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
from pathlib import Path

from tests.e2e.conftest import ROOT, Sandbox
from tests.e2e.test_sandbox import _git_snapshot

PAGE = ROOT / "docs" / "tutorial.md"
SANDBOX = ".venv/bin/breeze-infra sandbox"


def blocks(page: Path = PAGE) -> list[str]:
    return re.findall(r"^```sh\n(.*?)^```", page.read_text(encoding="utf-8"), re.M | re.S)


def test_the_page_has_the_steps_the_first_hour_promises() -> None:
    text = "\n".join(blocks())
    for step in (
        SANDBOX,
        "source .breeze-sandbox/env",
        "pulumi stack init dev",
        "pulumi config set",
        "pulumi preview",
        "pulumi up",
        "breeze-infra doctor",
        "breeze-infra manifest",
        "consumers[1].name",
        "token.generation",
        "revoked",
        "gateway",
        "breeze-infra usage",
        "pulumi destroy",
    ):
        assert step in text, step


def test_every_command_of_the_tutorial_runs_and_leaves_the_checkout_clean(
    installed: Sandbox,
) -> None:
    project = installed.project
    # The page starts from a fresh clone: the stack files as committed, no sandbox yet, whatever
    # the session's earlier tests did to this shared copy.
    for committed in (ROOT / "stacks").glob("Pulumi.*.yaml"):
        shutil.copyfile(committed, project / "stacks" / committed.name)
    shutil.rmtree(project / ".breeze-sandbox", ignore_errors=True)
    shutil.rmtree(project / ".git", ignore_errors=True)
    _git_snapshot(project)
    git_status = ["git", "status", "--porcelain"]
    before = subprocess.run(git_status, cwd=project, capture_output=True, text=True, check=True)
    assert before.stdout == ""
    steps = blocks()
    (start,) = [b for b in steps if b.strip() == SANDBOX]
    env = {
        k: v
        for k, v in installed.env.items()
        if not k.startswith(("PULUMI_", "CLOUDFLARE_", "BREEZE_"))
    }
    sandbox = subprocess.Popen(
        ["bash", "-c", "exec " + start.strip()],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert sandbox.stdout is not None
        line = sandbox.stdout.readline().strip()
        assert line == "source .breeze-sandbox/env", (line, sandbox.stderr)
        script = "set -euxo pipefail\n" + "\n".join(b for b in steps if b is not start)
        done = subprocess.run(
            ["bash", "-c", script],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=1200,
            check=False,
        )
        assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-6000:]
    finally:
        sandbox.send_signal(signal.SIGINT)
        sandbox.communicate(timeout=60)
    assert sandbox.returncode == 0
    after = subprocess.run(git_status, cwd=project, capture_output=True, text=True, check=True)
    assert after.stdout == "", "the tutorial changed the checkout"
