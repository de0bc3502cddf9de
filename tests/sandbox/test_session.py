"""``breeze-infra sandbox``: the line it prints works when pasted, its state is written whole at
every token write under a lock on its folder, and nothing is created before its arguments pass.

The engine is not needed: ``pulumi`` is a stand-in script and the plugin install is skipped (the
e2e suite, tests/e2e/test_sandbox.py, runs the real one).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from breeze_infra.sandbox import session
from breeze_infra.sandbox.emulator import DEFAULT_TOKEN, CloudflareEmulator
from tests.conftest import CliRun

ACCOUNT = "fedcba9876543210fedcba9876543210"
REAL_LOOKING = "cfat_" + "R" * 43


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder with a stand-in pulumi built "here", and no plugin install."""
    root = tmp_path / "checkout"
    (root / "stacks").mkdir(parents=True)
    (root / "Pulumi.yaml").write_text("name: acme-ai\nruntime: python\nstackConfigDir: stacks\n")
    (root / "stacks" / "Pulumi.dev.yaml").write_text("config:\n  acme-ai:accountId: x\n")
    engine = root / ".engine" / "bin" / "pulumi"
    engine.parent.mkdir(parents=True)
    engine.write_text('#!/bin/sh\necho stand-in pulumi "$@"\n')
    engine.chmod(0o755)
    monkeypatch.setattr("breeze_infra.sandbox.plugins.install", lambda *_: None)
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", REAL_LOOKING)
    return root


class Running:
    """``session.run`` in a thread, stopped by its event; its printed lines kept."""

    def __init__(self, folder: Path, root: Path, **kwargs: object) -> None:
        self.lines: list[str] = []
        self.ready = threading.Event()
        self.stop = threading.Event()
        self.emulator: CloudflareEmulator | None = None
        self.error: BaseException | None = None

        def ready(emulator: CloudflareEmulator) -> None:
            self.emulator = emulator
            self.ready.set()

        def target() -> None:
            try:
                session.run(
                    folder,
                    port=_free_port(),
                    root=root,
                    ready=ready,
                    stop=self.stop,
                    print_line=self.lines.append,
                    **kwargs,  # type: ignore[arg-type]
                )
            except BaseException as exc:
                self.error = exc
                self.ready.set()

        self.thread = threading.Thread(target=target)
        self.thread.start()
        self.ready.wait(30)
        if self.error is not None:
            raise self.error

    def close(self) -> None:
        self.stop.set()
        self.thread.join(30)


@pytest.fixture
def running(tmp_path: Path, checkout: Path) -> Iterator[Running]:
    sandbox = Running(tmp_path / "sb", checkout)
    yield sandbox
    sandbox.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _mint(emulator: CloudflareEmulator, name: str) -> str:
    answer = httpx.post(
        f"{emulator.base_url}/accounts/{ACCOUNT}/tokens",
        headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"},
        json={
            "name": name,
            "policies": [
                {
                    "effect": "allow",
                    "resources": {f"com.cloudflare.api.account.{ACCOUNT}": "*"},
                    "permission_groups": [{"id": session_read_group()}],
                }
            ],
        },
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["result"]["value"])


def session_read_group() -> str:
    from breeze_infra.permissions import PERMISSION_GROUP_IDS

    return PERMISSION_GROUP_IDS["read"]


def test_the_printed_line_sourced_in_a_shell_gives_the_sandbox_and_keeps_its_path(
    running: Running, tmp_path: Path, checkout: Path
) -> None:
    assert running.lines[0] == f"source {tmp_path / 'sb' / 'env'}"
    shell = subprocess.run(
        [
            "bash",
            "-c",
            running.lines[0] + ' && printf "%s\\n" "$PATH" "$CLOUDFLARE_API_TOKEN" '
            '"$BREEZE_SANDBOX_PROJECT" && command -v pulumi && pulumi about',
        ],
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        cwd=checkout,
        capture_output=True,
        text=True,
        check=True,
    )
    path, token, project, found, about = shell.stdout.splitlines()
    assert path.endswith(":/usr/bin:/bin"), "the shell's own PATH must stay, after the sandbox's"
    assert path.split(":")[0] == str(tmp_path / "sb" / "bin")
    assert token == DEFAULT_TOKEN
    assert found == str(tmp_path / "sb" / "bin" / "pulumi")
    # The shim runs the pulumi built here, in the sandbox's copy of the project.
    assert about == f"stand-in pulumi about -C {tmp_path / 'sb' / 'project'}"
    assert Path(project, "stacks", "Pulumi.dev.yaml").is_file()
    assert REAL_LOOKING not in Path(tmp_path / "sb" / "env").read_text(), "a real token leaked"


def test_a_minted_token_is_saved_before_its_answer_is_sent(
    running: Running, tmp_path: Path
) -> None:
    assert running.emulator is not None
    value = _mint(running.emulator, "breeze-infra dev slot-a w1 g0")
    saved = json.loads((tmp_path / "sb" / session.TOKENS_FILE).read_text())
    assert value in [item["value"] for item in saved]
    assert oct((tmp_path / "sb" / session.TOKENS_FILE).stat().st_mode & 0o777) == "0o600"


def test_the_emulator_of_a_sandbox_answers_for_the_account_id_the_stack_names(
    running: Running,
) -> None:
    assert running.emulator is not None
    assert running.emulator.account_id != ACCOUNT
    _mint(running.emulator, "any account")


def test_the_tests_emulator_still_refuses_another_account(emu: CloudflareEmulator) -> None:
    answer = httpx.get(
        f"{emu.base_url}/accounts/{ACCOUNT}/tokens",
        headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"},
        timeout=10,
    )
    assert answer.status_code == 400 and answer.json()["errors"][0]["code"] == 7003


def test_a_second_sandbox_on_the_same_folder_is_refused_in_one_line(
    running: Running, tmp_path: Path, checkout: Path
) -> None:
    with pytest.raises(session.SandboxError) as refused:
        Running(tmp_path / "sb", checkout)
    line = str(refused.value)
    assert "\n" not in line and "in use by a running sandbox" in line and str(tmp_path) in line
    assert session.is_running(tmp_path / "sb")


def test_a_truncated_tokens_file_is_one_line_naming_it(tmp_path: Path, checkout: Path) -> None:
    first = Running(tmp_path / "sb", checkout)
    first.close()
    tokens = tmp_path / "sb" / session.TOKENS_FILE
    tokens.write_text(tokens.read_text()[:40])
    with pytest.raises(session.SandboxError) as refused:
        Running(tmp_path / "sb", checkout)
    assert str(refused.value).startswith(f"breeze-infra sandbox: {tokens}: not valid JSON")
    assert not session.is_running(tmp_path / "sb")


def test_a_bad_env_file_leaves_nothing_behind(tmp_path: Path, checkout: Path) -> None:
    with pytest.raises(session.SandboxError, match="does not exist"):
        Running(tmp_path / "new", checkout, env_file=tmp_path / "missing" / "env")
    assert not (tmp_path / "new").exists()


def test_a_port_left_by_a_stopped_server_is_free_again(emu: CloudflareEmulator) -> None:
    port = emu.port
    with socket.create_connection(("127.0.0.1", port)) as conn:
        conn.sendall(b"GET /client/v4/user/tokens/verify HTTP/1.1\r\nHost: x\r\n\r\n")
        conn.recv(100)
        emu.stop()  # the server side closes first: its end of the connection is in TIME_WAIT
    session.check_port(port)
    with CloudflareEmulator(port=port):
        pass


@pytest.mark.parametrize("port", ["70000", "0", "-1", "http", "99999999999999999999"])
def test_sandbox_port_out_of_range_is_exit_2_naming_the_flag(cli: CliRun, port: str) -> None:
    done = cli("sandbox", "--port", port, "--dir", "/nonexistent/never-created")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"breeze-infra sandbox: argument --port: '{port}' is not a port number (1-65535)"
    ]


def test_the_wrapper_outside_a_sandbox_says_what_to_start(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BREEZE_SANDBOX")}
    done = subprocess.run(
        [f"{Path(sys.executable)}", "-m", "breeze_infra.sandbox.inline", "pulumi-nowhere", "up"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "breeze-infra: cannot run pulumi-nowhere: start `breeze-infra sandbox` in another shell "
        "and paste the line it prints (or install the Pulumi CLI)"
    ]


def test_the_wrapper_of_a_stopped_sandbox_says_to_start_it_again(
    tmp_path: Path, checkout: Path
) -> None:
    first = Running(tmp_path / "sb", checkout)
    first.close()
    env = {**os.environ, "BREEZE_SANDBOX_DIR": str(tmp_path / "sb")}
    done = subprocess.run(
        [sys.executable, "-m", "breeze_infra.sandbox.inline", "pulumi", "up"],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert len(done.stderr.splitlines()) == 1
    assert f"breeze-infra sandbox --dir {tmp_path / 'sb'}" in done.stderr


def test_the_copy_of_a_stack_deployed_for_real_drops_its_secrets_provider(checkout: Path) -> None:
    """A salt written by a real ``pulumi stack init`` under the user's passphrase would make the
    sandbox's own ``stack init`` fail with "incorrect passphrase"; the checkout keeps it."""
    deployed = (
        "# dev\nsecretsprovider: passphrase\nencryptionsalt: v1:abc:v1:def:ghi\n"
        "config:\n  acme-ai:accountId: x\nencryptedkey: xyz\n"
    )
    (checkout / "stacks" / "Pulumi.dev.yaml").write_text(deployed)
    folder = checkout / ".breeze-sandbox"
    (folder / session.PROJECT_COPY).mkdir(parents=True)
    copy = session.copy_project(checkout, folder)
    assert (copy / "stacks" / "Pulumi.dev.yaml").read_text() == (
        "# dev\nconfig:\n  acme-ai:accountId: x\n"
    )
    assert (checkout / "stacks" / "Pulumi.dev.yaml").read_text() == deployed
