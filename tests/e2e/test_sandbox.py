"""``breeze-infra sandbox``: its export lines are all a shell needs for a real ``pulumi up``.

The sandbox runs as a user runs it (a foreground process, stopped with Ctrl-C); the test runs
pulumi and breeze-infra under nothing but the variables it printed, then restarts it to see the
minted token survive, and checks the one-line refusals.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from breeze_infra.sandbox.session import DEFAULT_ACCOUNT_ID, MARKER
from tests.e2e.conftest import Sandbox

STACK = "sandbox-trial"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _exports(text: str) -> dict[str, str]:
    found = {}
    for line in text.splitlines():
        if line.startswith("export "):
            key, _, value = line[len("export ") :].partition("=")
            found[key] = value.strip("'")
    return found


class Running:
    def __init__(self, installed: Sandbox, folder: Path, port: int, *extra: str) -> None:
        self.env_file = folder.parent / f"{folder.name}.env"
        self.env_file.unlink(missing_ok=True)
        base = {
            k: v for k, v in installed.env.items() if not k.startswith(("PULUMI_", "CLOUDFLARE_"))
        }
        self.process = subprocess.Popen(
            [
                str(installed.project / ".venv" / "bin" / "breeze-infra"),
                "sandbox",
                "--dir",
                str(folder),
                "--port",
                str(port),
                "--env-file",
                str(self.env_file),
                *extra,
            ],
            cwd=installed.project,
            env=base,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while not self.env_file.is_file() or not self.env_file.read_text():
            assert self.process.poll() is None, self.process.communicate()
            assert time.monotonic() < deadline, "the sandbox did not start in 60 s"
            time.sleep(0.2)
        self.env = _exports(self.env_file.read_text())

    def stop(self) -> tuple[int, str, str]:
        self.process.send_signal(signal.SIGINT)
        out, err = self.process.communicate(timeout=30)
        return self.process.returncode, out, err


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "sandbox"


def test_a_shell_with_the_sandbox_exports_runs_pulumi_up_and_doctor(
    installed: Sandbox, folder: Path
) -> None:
    port = _free_port()
    running = Running(installed, folder, port)
    env = {**{k: v for k, v in os.environ.items() if k in ("HOME", "LANG")}, **running.env}
    assert set(running.env) >= {
        "PATH",
        "PULUMI_HOME",
        "PULUMI_BACKEND_URL",
        "PULUMI_CONFIG_PASSPHRASE",
        "CLOUDFLARE_BASE_URL",
        "CLOUDFLARE_API_TOKEN",
    }
    assert running.env["CLOUDFLARE_BASE_URL"] == f"http://127.0.0.1:{port}/client/v4"
    project = installed.project
    python = str(project / ".venv" / "bin" / "python")

    def run(*args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            list(args),
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            input=input,
        )
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done

    inline = [python, "-m", "breeze_infra.sandbox.inline", "pulumi"]
    run(*inline, "stack", "init", STACK)
    run(*inline, "config", "set", "breeze-infra:accountId", DEFAULT_ACCOUNT_ID)
    run(*inline, "config", "set", "--path", "breeze-infra:models[0].id", "@cf/openai/gpt-oss-20b")
    run(*inline, "up", "--yes")
    outputs = run("pulumi", "stack", "output", "--json", "--show-secrets").stdout
    doctor = [str(project / ".venv" / "bin" / "breeze-infra"), "doctor", "--stack", STACK]
    run(*doctor, "--from-outputs", "-", input=outputs)
    code, _out, err = running.stop()
    assert code == 0, err
    assert (folder / MARKER).is_file() and (folder / "state").is_dir()

    again = Running(installed, folder, port)
    assert again.env == running.env
    run(*doctor, "--from-outputs", "-", input=outputs)  # the emulator still knows the token
    run(*inline, "destroy", "--yes")
    assert again.stop()[0] == 0
    tokens = json.loads((folder / "emulator-tokens.json").read_text())
    assert [t["value"] for t in tokens if t["record"]] == [], "destroy left a live token"


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
