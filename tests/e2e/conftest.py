"""The real Pulumi engine, offline: one copy of the project, a file backend, the fake plugins.

The engine is ``BREEZE_PULUMI`` or ``.engine/bin/pulumi`` (``engine/build.sh`` builds it, and so does
this file under ``BREEZE_E2E=1`` when Go is there). Without either, every test here skips with one line saying how to run them; with
``BREEZE_E2E=1`` (as in .ci/run) a missing engine fails instead. The set-up is done once per
session: a copy of the tracked files in a temp folder, the install as Pulumi's uv toolchain does it
(``uv sync``), the fake plugins in a private PULUMI_HOME, and the Cloudflare emulator on 127.0.0.1.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest

from breeze_infra.sandbox.emulator import DEFAULT_TOKEN, CloudflareEmulator

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT_ID = "0123456789abcdef0123456789abcdef"
NOW = "2026-11-25T09:00:00Z"
"""BREEZE_NOW for every run unless a test moves the clock (window 692 of 30 days)."""
NOW_MOMENT = datetime.fromisoformat(NOW)
"""NOW as the emulator's clock: where it stands unless a test moves it (and puts it back), so no
token expires with the wall clock."""
PASSPHRASE = "e2e-passphrase"
HOW_TO_RUN = (
    "tests/e2e: no Pulumi engine: run `bash engine/build.sh` (needs Go) or set "
    "BREEZE_PULUMI=/path/to/pulumi; BREEZE_E2E=1 makes this a failure"
)


def _find_engine() -> Path | None:
    given = os.environ.get("BREEZE_PULUMI")
    if given:
        return Path(given)
    built = ROOT / ".engine" / "bin" / "pulumi"
    if built.is_file():
        return built
    wanted = os.environ.get("BREEZE_E2E") == "1"
    if wanted and (shutil.which("go") or Path("/usr/local/go/bin/go").is_file()):
        subprocess.run(["bash", str(ROOT / "engine" / "build.sh")], check=True)
        return built
    return None


def _find_uv() -> str | None:
    beside = Path(sys.executable).parent / "uv"
    return str(beside) if beside.is_file() else shutil.which("uv")


@pytest.fixture(scope="session")
def engine() -> Path:
    found = _find_engine()
    if found is None or not found.is_file():
        if os.environ.get("BREEZE_E2E") == "1":
            pytest.fail(HOW_TO_RUN, pytrace=False)
        pytest.skip(HOW_TO_RUN)
    return found


@dataclass
class Sandbox:
    """The copy, its environment and a transcript of everything the commands printed."""

    project: Path
    pulumi: Path
    env: dict[str, str]
    emulator: CloudflareEmulator
    transcript: list[str] = field(default_factory=list)

    @property
    def python(self) -> str:
        return str(self.project / ".venv" / "bin" / "python")

    def run(
        self,
        command: Sequence[str],
        *,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        input: str | None = None,
        check: bool = True,
        record: bool = True,
        timeout: float = 300,
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            list(command),
            cwd=cwd or self.project,
            env={**self.env, **(env or {})},
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if record:
            self.transcript.append(done.stdout + done.stderr)
        if check and done.returncode != 0:
            raise AssertionError(
                f"{' '.join(command)} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
            )
        return done

    def pulumi_cmd(self, *args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
        """A pulumi command; one that runs the program goes through the inline language server."""
        command = [self.python, "-m", "breeze_infra.sandbox.inline", str(self.pulumi), *args]
        return self.run(command, **kwargs)  # type: ignore[arg-type]

    def cli(self, *args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
        command = [str(self.project / ".venv" / "bin" / "breeze-infra"), *args]
        return self.run(command, **kwargs)  # type: ignore[arg-type]

    def outputs_json(self, stack: str) -> str:
        """``pulumi stack output --json --show-secrets``: holds the key, so it is not recorded."""
        return self.pulumi_cmd(
            "stack", "output", "--json", "--show-secrets", "--stack", stack, record=False
        ).stdout


def _copy_tracked(destination: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


@pytest.fixture(scope="session")
def sandbox(engine: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    uv = _find_uv()
    if uv is None:
        pytest.fail("tests/e2e: needs uv (pip install uv), as Pulumi.yaml's toolchain", False)
    base = tmp_path_factory.mktemp("e2e")
    project, home, state = base / "project", base / "pulumi-home", base / "state"
    for folder in (project, home, state):
        folder.mkdir()
    _copy_tracked(project)
    with CloudflareEmulator(account_id=ACCOUNT_ID, clock=lambda: NOW_MOMENT) as emulator:
        path = os.pathsep.join([str(Path(uv).parent), str(engine.parent), os.environ["PATH"]])
        inherited = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("PULUMI_", "CLOUDFLARE_", "BREEZE_", "UV_", "VIRTUAL_ENV"))
        }
        env = {
            **inherited,
            "PATH": path,
            "PULUMI_HOME": str(home),
            "PULUMI_BACKEND_URL": f"file://{state}",
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_IGNORE_AMBIENT_PLUGINS": "true",
            "PULUMI_SKIP_CONFIRMATIONS": "true",
            "CLOUDFLARE_BASE_URL": emulator.base_url,
            "CLOUDFLARE_API_TOKEN": DEFAULT_TOKEN,
            "BREEZE_NOW": NOW,
            "UV_PROJECT_ENVIRONMENT": str(project / ".venv"),
            "NO_COLOR": "1",
        }
        yield Sandbox(project, engine, env, emulator)


@pytest.fixture(scope="session")
def installed(sandbox: Sandbox) -> Sandbox:
    """Every backend chosen the documented way (``uv add --group backends <sdk>``, which updates
    pyproject.toml and uv.lock), then ``pulumi install`` as the uv toolchain runs it (a plain
    ``uv sync``), then the fakes at the versions of the SDKs that install left."""
    from breeze_infra.backends import backend_classes

    chosen = [entry.requirement for entry in backend_classes().values() if entry.package]
    sandbox.run(["uv", "add", "-q", "--group", "backends", *chosen])
    sandbox.run(["uv", "sync"])
    sandbox.run(["uv", "sync", "--locked", "--check"])
    home = sandbox.env["PULUMI_HOME"]
    sandbox.run([sandbox.python, "-m", "breeze_infra.sandbox.plugins", str(sandbox.pulumi), home])
    return sandbox
