"""Run a ``pulumi`` command with this Python serving the program to the real engine.

    python -m breeze_infra.sandbox.inline PULUMI [PULUMI ARGS...]

The Go module proxy serves no build of Pulumi's Python language host, so nothing can start the
program the way ``pulumi up`` normally does. The Python SDK implements the language protocol
itself (the Automation API's inline programs): this starts that server around the project's
``__main__.py`` (run as a script, as the language host runs it) and hands its address to the real
CLI with ``--client``, exactly as ``pulumi.automation`` does. The engine, its diffs, state,
secrets and plugins are the real ones. Commands that run no program are passed straight through.

In a sandbox shell, ``pulumi`` is a shim that runs this (``breeze-infra sandbox`` writes it), and
a command run in the checkout the sandbox serves works on the sandbox's copy of Pulumi.yaml and
stacks/ (``pulumi -C <copy>``), so the checkout is never written. Outside a sandbox, or with its
sandbox stopped, it says in one line what to start first.
"""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from concurrent import futures
from pathlib import Path
from typing import Any

__all__ = ["PROGRAM_COMMANDS", "main"]

PROGRAM_COMMANDS = frozenset({"up", "update", "preview", "refresh", "destroy"})
_CWD_FLAGS = frozenset({"-C", "--cwd"})
START_FIRST = (
    "start `breeze-infra sandbox` in another shell and paste the line it prints "
    "(or install the Pulumi CLI)"
)


def _program(entry: Path) -> None:
    runpy.run_path(str(entry), run_name="__main__")


def _command(args: list[str]) -> tuple[str | None, Path]:
    """The pulumi command among ``args`` (its first word that is not a flag) and the folder it
    runs in (``-C``/``--cwd`` as pulumi reads them)."""
    folder = Path.cwd()
    skip = False
    for index, arg in enumerate(args):
        if skip:
            skip = False
            continue
        if arg in _CWD_FLAGS and index + 1 < len(args):
            folder = folder / args[index + 1]
            skip = True
        elif arg.startswith(("--cwd=", "-C=")):
            folder = folder / arg.partition("=")[2]
        elif not arg.startswith("-"):
            return arg, folder
    return None, folder


def _sandbox_stopped() -> str | None:
    """The line to print when this shell's sandbox is not running, else None."""
    from breeze_infra.endpoints import SANDBOX_DIR_ENV
    from breeze_infra.sandbox.session import is_running

    folder = os.environ.get(SANDBOX_DIR_ENV)
    if not folder or is_running(Path(folder)):
        return None
    return (
        f"breeze-infra sandbox: the sandbox of this shell ({folder}) is not running; start it "
        f"again with `breeze-infra sandbox --dir {folder}` (its stacks and tokens are kept)"
    )


def _project_root(folder: Path) -> Path | None:
    """The folder of the nearest Pulumi.yaml, the checkout's own (not a sandbox's copy)."""
    for candidate in (folder, *folder.parents):
        if (candidate / "Pulumi.yaml").is_file():
            return candidate
    return None


def _language_server(entry: Path) -> Any:
    """The Automation API's language server, bailing on a ``RunError`` as the real host does.

    Pulumi's own host runs the program with ``pulumi-language-python-exec``, which logs a
    ``RunError`` and exits 32 ("an error message was displayed to the user"), and the host answers
    ``bail``, so the engine prints the message once. The Automation API's server logs it and also
    returns it as the run's error, which the engine prints a second time as "an unhandled error
    occurred"; this answers ``bail`` instead.
    """
    import pulumi
    from pulumi.automation._server import LanguageServer

    class _Server(LanguageServer):
        def __init__(self) -> None:
            self.bailed = False
            super().__init__(self._run)

        def _run(self) -> None:
            self.bailed = False
            try:
                _program(entry)
            except pulumi.RunError:
                self.bailed = True
                raise

        def Run(self, request: Any, context: Any) -> Any:
            result = super().Run(request, context)  # type: ignore[no-untyped-call]
            if self.bailed and result.error:
                result.error = ""
                result.bail = True
            return result

    return _Server()


def _with_program(pulumi: str, args: list[str], entry: Path) -> int:
    import grpc
    from pulumi.runtime.proto import language_pb2_grpc

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(_language_server(entry), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        client = [f"--client=127.0.0.1:{port}", "--exec-kind", "auto.inline"]
        return subprocess.run([pulumi, *args, *client], check=False).returncode
    finally:
        server.stop(0)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m breeze_infra.sandbox.inline PULUMI [ARGS...]", file=sys.stderr)
        return 2
    pulumi, rest = args[0], args[1:]
    from breeze_infra.project import sandbox_copy

    command, folder = _command(rest)
    root = _project_root(folder.resolve())
    copy = sandbox_copy(root) if root is not None else None
    # Last, so that it wins over a -C given before: pulumi takes the last value of a flag.
    redirect = ["-C", str(copy)] if copy is not None else []
    if command in PROGRAM_COMMANDS:
        stopped = _sandbox_stopped()
        if stopped is not None:
            print(stopped, file=sys.stderr)
            return 1
    try:
        if command not in PROGRAM_COMMANDS:
            return subprocess.run([pulumi, *rest, *redirect], check=False).returncode
        return _with_program(pulumi, [*rest, *redirect], (root or folder) / "__main__.py")
    except (FileNotFoundError, PermissionError):
        print(f"breeze-infra: cannot run {pulumi}: {START_FIRST}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
