"""Run a ``pulumi`` command with this Python serving the program to the real engine.

    python -m breeze_infra.sandbox.inline PULUMI COMMAND [ARGS...]

The Go module proxy serves no build of Pulumi's Python language host, so nothing can start the
program the way ``pulumi up`` normally does. The Python SDK implements the language protocol
itself (the Automation API's inline programs): this starts that server around the project's
``__main__.py`` (run as a script, as the language host runs it) and hands its address to the real
CLI with ``--client``, exactly as ``pulumi.automation`` does. The engine, its diffs, state,
secrets and plugins are the real ones. Commands that run no program are passed straight through.
Run it with the project's virtualenv Python, from the project's folder.
"""

from __future__ import annotations

import runpy
import subprocess
import sys
from concurrent import futures
from pathlib import Path

import grpc
from pulumi.automation._server import LanguageServer
from pulumi.runtime.proto import language_pb2_grpc

__all__ = ["PROGRAM_COMMANDS", "main"]

PROGRAM_COMMANDS = frozenset({"up", "update", "preview", "refresh", "destroy"})


def _program(entry: Path) -> None:
    runpy.run_path(str(entry), run_name="__main__")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2:
        print(
            "usage: python -m breeze_infra.sandbox.inline PULUMI COMMAND [ARGS...]", file=sys.stderr
        )
        return 2
    pulumi, command, rest = args[0], args[1], args[2:]
    if command not in PROGRAM_COMMANDS:
        return subprocess.run([pulumi, command, *rest], check=False).returncode
    entry = Path.cwd() / "__main__.py"
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(
        LanguageServer(lambda: _program(entry)), server
    )
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        client = [f"--client=127.0.0.1:{port}", "--exec-kind", "auto.inline"]
        return subprocess.run([pulumi, command, *rest, *client], check=False).returncode
    finally:
        server.stop(0)


if __name__ == "__main__":
    raise SystemExit(main())
