"""``breeze-infra sandbox``: the e2e harness as a product, for trying a real ``pulumi up`` locally.

It starts the Cloudflare emulator on 127.0.0.1, installs the fake provider plugins into a private
PULUMI_HOME under ``--dir``, prints the ``export`` lines under which ``pulumi`` and ``breeze-infra``
in a shell run against it, and serves in the foreground until interrupted. The folder keeps the
file backend's state and the emulator's tokens across runs (``--reset`` starts empty); a folder
that is not a sandbox's is refused, never emptied.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import socket
import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

from breeze_infra.sandbox import plugins
from breeze_infra.sandbox.emulator import DEFAULT_TOKEN, CloudflareEmulator, TokenInfo

__all__ = ["MARKER", "SandboxError", "environment", "prepare", "run"]

MARKER = ".breeze-sandbox"
TOKENS_FILE = "emulator-tokens.json"
DEFAULT_PORT = 8790
PASSPHRASE = "breeze-sandbox"
DEFAULT_ACCOUNT_ID = "0123456789abcdef0123456789abcdef"


class SandboxError(Exception):
    """Refused (busy port, foreign folder, no pulumi): one line saying what to do."""


def prepare(folder: Path, reset: bool) -> None:
    """Create or reuse ``folder``; refuse one that holds anything but a sandbox."""
    if folder.exists() and not folder.is_dir():
        raise SandboxError(f"breeze-infra sandbox: {folder} is a file, not a folder")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / MARKER).is_file():
        raise SandboxError(
            f"breeze-infra sandbox: {folder} is not empty and is not a sandbox folder "
            f"(no {MARKER} in it); give another --dir"
        )
    if reset and folder.is_dir():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text("breeze-infra sandbox\n", encoding="utf-8")
    for name in ("pulumi-home", "state"):
        (folder / name).mkdir(exist_ok=True)


def check_port(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise SandboxError(
                f"breeze-infra sandbox: port {port} on 127.0.0.1 is busy; give another --port"
            ) from None


def find_pulumi(root: Path, environ: Mapping[str, str]) -> tuple[str, list[str]]:
    """The pulumi to install plugins with, and the PATH entries to put first."""
    built = root / ".engine" / "bin"
    first = [str(built)] if (built / "pulumi").is_file() else []
    path = os.pathsep.join([*first, environ.get("PATH", "")])
    found = shutil.which("pulumi", path=path)
    if found is None:
        raise SandboxError(
            "breeze-infra sandbox: no pulumi on PATH; install the Pulumi CLI or build one with "
            "`bash engine/build.sh`"
        )
    return found, first


def environment(
    folder: Path, base_url: str, path_first: list[str], environ: Mapping[str, str]
) -> dict[str, str]:
    return {
        "PATH": os.pathsep.join([*path_first, environ.get("PATH", "")]),
        "PULUMI_HOME": str(folder / "pulumi-home"),
        "PULUMI_BACKEND_URL": f"file://{folder / 'state'}",
        "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "CLOUDFLARE_BASE_URL": base_url,
        "CLOUDFLARE_AI_GATEWAY_BASE_URL": base_url.removesuffix("/client/v4") + "/ai-gateway/v1",
        "CLOUDFLARE_API_TOKEN": DEFAULT_TOKEN,
    }


def export_lines(env: Mapping[str, str]) -> str:
    return "".join(f"export {key}={shlex.quote(value)}\n" for key, value in env.items())


def _load_tokens(folder: Path) -> list[TokenInfo]:
    path = folder / TOKENS_FILE
    if not path.is_file():
        return [TokenInfo(DEFAULT_TOKEN)]
    saved: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    tokens = []
    for item in saved:
        permissions = item.pop("permissions")
        tokens.append(
            TokenInfo(**item, permissions=None if permissions is None else frozenset(permissions))
        )
    return tokens


def _save_tokens(folder: Path, emulator: CloudflareEmulator) -> None:
    minted = emulator.minted_tokens()
    saved = [TokenInfo(DEFAULT_TOKEN), *minted]
    items = []
    for token in saved:
        item = asdict(token)
        item["permissions"] = None if token.permissions is None else sorted(token.permissions)
        items.append(item)
    path = folder / TOKENS_FILE
    path.write_text(json.dumps(items), encoding="utf-8")
    path.chmod(0o600)


def run(
    folder: Path,
    *,
    port: int = DEFAULT_PORT,
    env_file: Path | None = None,
    reset: bool = False,
    root: Path | None = None,
    account_id: str = DEFAULT_ACCOUNT_ID,
    ready: Callable[[CloudflareEmulator], None] | None = None,
    stop: threading.Event | None = None,
    print_line: Callable[[str], None] = print,
) -> int:
    """Serve until SIGINT/SIGTERM (or ``stop``); the tokens are saved in ``folder`` on the way out."""
    folder = folder.resolve()
    check_port(port)
    pulumi, path_first = find_pulumi(root or Path.cwd(), os.environ)
    prepare(folder, reset)
    emulator = CloudflareEmulator(account_id=account_id, tokens=_load_tokens(folder), port=port)
    plugins.install(pulumi, folder / "pulumi-home")
    stopping = stop or threading.Event()
    with emulator:
        env = environment(folder, emulator.base_url, path_first, os.environ)
        lines = export_lines(env)
        if env_file is not None:
            env_file.write_text(lines, encoding="utf-8")
            env_file.chmod(0o600)
        print_line(lines.rstrip("\n"))
        print_line(
            f"# breeze-infra sandbox: Cloudflare emulator on {emulator.base_url} (account "
            f"{account_id}); Ctrl-C stops it, the state stays in {folder}"
        )
        if ready is not None:
            ready(emulator)
        previous = signal.getsignal(signal.SIGTERM) if stop is None else None
        if stop is None:
            signal.signal(signal.SIGTERM, lambda *_: stopping.set())
        try:
            while not stopping.wait(0.5):
                _save_tokens(folder, emulator)
        except KeyboardInterrupt:
            pass
        finally:
            _save_tokens(folder, emulator)
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
    return 0
