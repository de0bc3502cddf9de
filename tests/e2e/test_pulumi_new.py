"""``pulumi new`` from this repository, as docs/deploying.md gives it, with the CLI built here.

Pulumi 3.274.0 copies a local template folder whole, every file but ``.git``
(``pkg/cmd/pulumi/templates/project_templates.go``, ``walkFiles``), and a git URL's template is
a ``git clone`` of it (``retrieveURLTemplates``), so only committed files. The page therefore
says: from a copy on disk, give ``pulumi new`` a fresh clone, never the working checkout. Here
the working checkout holds what a user's does (a virtualenv, the engine link, a sandbox whose env
file holds its token, caches, build output); the new project must hold exactly the committed
files, the token in none of them, its stack files must read under the new name, pass
``validate``, and preview through the inline path against the emulator.

``pulumi new`` asks the language host for runtime-option prompts and a template step even with
``--generate-only``, and the CLI built here has no Python host. The stand-in below answers as
Pulumi's own ``pulumi-language-python`` does for this Pulumi.yaml: its plugin info; no runtime
prompt, since ``toolchain`` is set (``RuntimeOptionsPrompts`` asks only for a missing toolchain,
or a pip virtualenv); no ``Template`` method at all. Every other call is refused as
unimplemented, so a ``pulumi new`` that needed more would fail here.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.e2e.conftest import ACCOUNT_ID, Sandbox, _copy_tracked
from tests.e2e.test_sandbox import _git_snapshot

TOKEN = "sandbox-token-" + "0f1e2d3c" * 4
"""A known value in the working checkout's sandbox env file: it must reach no new file (built
here, so that this file, which the new project holds, does not spell it)."""

STAND_IN = '''#!{python}
"""Stand-in for pulumi-language-python: answers what `pulumi new --generate-only` asks."""
from concurrent import futures

import grpc
from pulumi.runtime.proto import language_pb2_grpc, plugin_pb2


class Host(language_pb2_grpc.LanguageRuntimeServicer):
    def GetPluginInfo(self, request, context):
        return plugin_pb2.PluginInfo(version="3.274.0")


server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
language_pb2_grpc.add_LanguageRuntimeServicer_to_server(Host(), server)
port = server.add_insecure_port("127.0.0.1:0")
server.start()
print(port, flush=True)
try:
    server.wait_for_termination()
except KeyboardInterrupt:
    pass
'''

IGNORED = (
    ".venv/bin/python",
    ".breeze-sandbox/env",
    ".conformance/run.log",
    "breeze_infra/__pycache__/program.cpython-311.pyc",
    ".mypy_cache/cache.json",
    "build/lib/breeze_infra/__init__.py",
    "dist/breeze_infra-0.2.0.tar.gz",
)


def _working_checkout(base: Path, engine: Path) -> Path:
    """A committed checkout plus everything a user's own holds that git ignores."""
    checkout = base / "checkout"
    checkout.mkdir()
    _copy_tracked(checkout)
    _git_snapshot(checkout)
    for name in IGNORED:
        (checkout / name).parent.mkdir(parents=True, exist_ok=True)
        (checkout / name).write_text(f"export CLOUDFLARE_API_TOKEN={TOKEN}\n", encoding="utf-8")
    (checkout / ".engine").symlink_to(engine.parent.parent, target_is_directory=True)
    ignored = subprocess.run(
        ["git", "status", "--porcelain", "--ignored"],
        cwd=checkout,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert ignored.count("!! ") >= 7 and "?? " not in ignored, ignored
    return checkout


def _files(folder: Path) -> set[str]:
    return {
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() or path.is_symlink()
    }


def _pulumi_new(installed: Sandbox, template: Path, into: Path, bin_dir: Path) -> str:
    into.mkdir()
    # The stand-in host is found on PATH, as Pulumi finds an installed one.
    env = {
        "PULUMI_IGNORE_AMBIENT_PLUGINS": "false",
        "PATH": os.pathsep.join([str(bin_dir), installed.env["PATH"]]),
    }
    done = installed.run(
        [
            str(installed.pulumi),
            "new",
            str(template),
            "--name",
            "acme-ai",
            "--generate-only",
            "--yes",
            "--non-interactive",
        ],
        cwd=into,
        env=env,
        check=False,
    )
    return f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"


def test_pulumi_new_from_a_fresh_clone_copies_nothing_ignored_and_previews(
    installed: Sandbox, tmp_path: Path
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    host = bin_dir / "pulumi-language-python"
    host.write_text(STAND_IN.format(python=installed.python), encoding="utf-8")
    host.chmod(0o755)
    checkout = _working_checkout(tmp_path, installed.pulumi)
    committed = set(
        subprocess.run(
            ["git", "ls-files"], cwd=checkout, capture_output=True, text=True, check=True
        ).stdout.split()
    )

    # What the page says not to do, and why: Pulumi copies the working checkout's ignored files.
    whole = tmp_path / "from-checkout"
    _pulumi_new(installed, checkout, whole, bin_dir)
    assert TOKEN in (whole / ".breeze-sandbox" / "env").read_text(encoding="utf-8")

    template = tmp_path / "template"
    subprocess.run(["git", "clone", "-q", str(checkout), str(template)], check=True)
    project = tmp_path / "acme-ai"
    said = _pulumi_new(installed, template, project, bin_dir)
    assert said.startswith("exit 0"), said
    assert _files(project) == committed
    for name in committed:
        assert TOKEN.encode() not in (project / name).read_bytes(), name
    pulumi_yaml = (project / "Pulumi.yaml").read_text(encoding="utf-8")
    assert pulumi_yaml.startswith("name: acme-ai\n") and "\ntemplate:" not in pulumi_yaml

    validate = installed.cli("validate", cwd=project)
    assert validate.stdout.splitlines() == [
        f"{Path('stacks') / f'Pulumi.{stack}.yaml'}: ok" for stack in ("dev", "prod", "staging")
    ], validate.stdout + validate.stderr

    installed.pulumi_cmd("stack", "init", "dev", cwd=project)
    installed.pulumi_cmd("config", "set", "accountId", ACCOUNT_ID, "--stack", "dev", cwd=project)
    written = (project / "stacks" / "Pulumi.dev.yaml").read_text(encoding="utf-8")
    assert f"acme-ai:accountId: {ACCOUNT_ID}" in written
    installed.cli("validate", "--stack", "dev", cwd=project)
    preview = installed.pulumi_cmd("preview", "--stack", "dev", "--diff", cwd=project)
    assert "acme-ai dev slot-" in preview.stdout, preview.stdout[-3000:]
    assert "urn:pulumi:dev::acme-ai::" in preview.stdout
    assert all(TOKEN not in said for said in installed.transcript)
