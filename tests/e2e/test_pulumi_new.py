"""``pulumi new`` from this repository, as docs/deploying.md gives it, with the CLI built here.

Pulumi 3.274.0 copies a local template folder whole, every file but ``.git``
(``pkg/cmd/pulumi/templates/project_templates.go``, ``walkFiles``), and a git URL's template is
a ``git clone`` of it (``retrieveURLTemplates``), so only committed files. The page therefore
says: from a copy on disk, give ``pulumi new`` a fresh clone, never the working checkout. Here
the working checkout holds what a user's does (a virtualenv, the engine link, a sandbox whose env
file holds its token, caches, build output); the new project must hold exactly the committed
files, the token in none of them, its stack files must read under the new name, pass
``validate``, and preview through the inline path against the emulator. The URL form runs against
a local HTTPS git server (Pulumi takes only ``https://`` and ``ssh://`` git URLs,
``IsGitRepoTemplateURL`` in the same file; a ``file://`` URL is looked up as a template name).

``pulumi new`` asks the language host for runtime-option prompts and a template step even with
``--generate-only``, and the CLI built here has no Python host. The stand-in below answers as
Pulumi's own ``pulumi-language-python`` does for this Pulumi.yaml: its plugin info; no runtime
prompt, since ``toolchain`` is set (``RuntimeOptionsPrompts`` asks only for a missing toolchain,
or a pip virtualenv); no ``Template`` method at all. Every other call is refused as
unimplemented, so a ``pulumi new`` that needed more would fail here.
"""

from __future__ import annotations

import os
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

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


@dataclass
class Setup:
    installed: Sandbox
    base: Path
    checkout: Path
    committed: set[str]
    bin_dir: Path

    def pulumi_new(self, template: str, into: Path, **env: str) -> str:
        into.mkdir()
        # The stand-in host is found on PATH, as Pulumi finds an installed one.
        path = os.pathsep.join([str(self.bin_dir), self.installed.env["PATH"]])
        done = self.installed.run(
            [
                str(self.installed.pulumi),
                "new",
                template,
                "--name",
                "acme-ai",
                "--generate-only",
                "--yes",
                "--non-interactive",
            ],
            cwd=into,
            env={"PULUMI_IGNORE_AMBIENT_PLUGINS": "false", "PATH": path, **env},
            check=False,
        )
        return f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"

    def assert_new_project(self, project: Path) -> None:
        """Exactly the committed files, the token in none, the new name, and ``validate`` passes
        on every stack file as it came."""
        assert _files(project) == self.committed
        for name in self.committed:
            assert TOKEN.encode() not in (project / name).read_bytes(), name
        pulumi_yaml = (project / "Pulumi.yaml").read_text(encoding="utf-8")
        assert pulumi_yaml.startswith("name: acme-ai\n") and "\ntemplate:" not in pulumi_yaml
        validate = self.installed.cli("validate", cwd=project)
        assert validate.stdout.splitlines() == [
            f"{Path('stacks') / f'Pulumi.{stack}.yaml'}: ok" for stack in ("dev", "prod", "staging")
        ], validate.stdout + validate.stderr


@pytest.fixture
def setup(installed: Sandbox, tmp_path: Path) -> Setup:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    host = bin_dir / "pulumi-language-python"
    host.write_text(STAND_IN.format(python=installed.python), encoding="utf-8")
    host.chmod(0o755)
    checkout = _working_checkout(tmp_path, installed.pulumi)
    listed = subprocess.run(
        ["git", "ls-files"], cwd=checkout, capture_output=True, text=True, check=True
    ).stdout
    return Setup(installed, tmp_path, checkout, set(listed.split()), bin_dir)


def test_pulumi_new_from_a_fresh_clone_copies_nothing_ignored_and_previews(setup: Setup) -> None:
    installed = setup.installed
    # What the page says not to do, and why: Pulumi copies the working checkout's ignored files.
    whole = setup.base / "from-checkout"
    setup.pulumi_new(str(setup.checkout), whole)
    assert TOKEN in (whole / ".breeze-sandbox" / "env").read_text(encoding="utf-8")

    template = setup.base / "template"
    subprocess.run(["git", "clone", "-q", str(setup.checkout), str(template)], check=True)
    project = setup.base / "acme-ai"
    said = setup.pulumi_new(str(template), project)
    assert said.startswith("exit 0"), said
    setup.assert_new_project(project)

    installed.pulumi_cmd("stack", "init", "dev", cwd=project)
    installed.pulumi_cmd("config", "set", "accountId", ACCOUNT_ID, "--stack", "dev", cwd=project)
    written = (project / "stacks" / "Pulumi.dev.yaml").read_text(encoding="utf-8")
    assert f"acme-ai:accountId: {ACCOUNT_ID}" in written
    installed.cli("validate", "--stack", "dev", cwd=project)
    preview = installed.pulumi_cmd("preview", "--stack", "dev", "--diff", cwd=project)
    assert "acme-ai dev slot-" in preview.stdout, preview.stdout[-3000:]
    assert "urn:pulumi:dev::acme-ai::" in preview.stdout
    assert all(TOKEN not in said for said in installed.transcript)


class _GitOverHttps(BaseHTTPRequestHandler):
    """Git's smart HTTP protocol, served by ``git http-backend`` (a CGI program) under TLS."""

    root: Path

    def do_GET(self) -> None:
        self._backend()

    def do_POST(self) -> None:
        self._backend()

    def _backend(self) -> None:
        path, _, query = self.path.partition("?")
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        env = {
            "PATH": os.environ["PATH"],
            "GIT_PROJECT_ROOT": str(self.root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "REQUEST_METHOD": self.command,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
            "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
        }
        out = subprocess.run(
            ["git", "http-backend"], input=body, env=env, capture_output=True, check=False
        ).stdout
        head, _, payload = out.partition(b"\r\n\r\n")
        status, headers = 200, []
        for line in head.decode().split("\r\n"):
            key, _, value = line.partition(":")
            if key.lower() == "status":
                status = int(value.split()[0])
            elif key:
                headers.append((key, value.strip()))
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def git_server(setup: Setup) -> Iterator[tuple[str, Path]]:
    """The working checkout pushed to a local HTTPS git server; its URL and certificate."""
    root = setup.base / "served"
    subprocess.run(
        [
            "git",
            "clone",
            "-q",
            "--bare",
            str(setup.checkout),
            str(root / "acme" / "breeze-infra.git"),
        ],
        check=True,
    )
    cert, key = setup.base / "cert.pem", setup.base / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        capture_output=True,
        check=True,
    )
    handler = type("Handler", (_GitOverHttps,), {"root": root})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/acme/breeze-infra.git", cert
    finally:
        server.shutdown()
        server.server_close()


def test_pulumi_new_from_the_git_url_copies_only_committed_files(
    setup: Setup, git_server: tuple[str, Path]
) -> None:
    """The URL form: Pulumi clones the repository, so the working checkout's ignored files,
    which never reach a commit, cannot arrive."""
    url, cert = git_server
    project = setup.base / "acme-ai"
    said = setup.pulumi_new(url, project, SSL_CERT_FILE=str(cert))
    assert said.startswith("exit 0"), said
    setup.assert_new_project(project)
