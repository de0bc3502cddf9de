"""``breeze-infra sandbox``: the e2e harness as a product, for trying a real ``pulumi up`` locally.

It starts the Cloudflare emulator on 127.0.0.1, installs the fake provider plugins into a private
PULUMI_HOME under ``--dir``, writes ``<dir>/env`` and prints the one line to paste
(``source <dir>/env``), and serves in the foreground until interrupted. In a shell that sourced it,
plain ``pulumi`` is the sandbox's shim (``<dir>/bin/pulumi``: program commands go through
``breeze_infra.sandbox.inline``), ``breeze-infra`` is the project's, and both work on the sandbox's
copy of Pulumi.yaml and stacks/ (``<dir>/project``), so the checkout stays as it was.

The folder keeps the file backend's state and the emulator's tokens across runs (``--reset``
starts empty); the tokens are saved whole after every token write, before Cloudflare's answer is
sent. One sandbox at a time holds a folder (a lock); a folder that is not a sandbox's is refused,
never emptied; every argument is checked before anything is created.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shlex
import shutil
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict
from pathlib import Path
from typing import IO, Any

from breeze_infra.endpoints import SANDBOX_DIR_ENV, SANDBOX_PROJECT_ENV, SANDBOX_ROOT_ENV
from breeze_infra.messages import short
from breeze_infra.output import WriteError, write_one
from breeze_infra.project import find_project
from breeze_infra.sandbox import plugins
from breeze_infra.sandbox.emulator import DEFAULT_TOKEN, CloudflareEmulator, TokenInfo

__all__ = [
    "ENV_FILE",
    "LOCK_FILE",
    "MARKER",
    "SandboxError",
    "environment",
    "is_running",
    "prepare",
    "run",
]

MARKER = ".breeze-sandbox"
TOKENS_FILE = "emulator-tokens.json"
ENV_FILE = "env"
LOCK_FILE = "lock"
PROJECT_COPY = "project"
BIN = "bin"
DEFAULT_PORT = 8790
PASSPHRASE = "breeze-sandbox"
DEFAULT_ACCOUNT_ID = "0123456789abcdef0123456789abcdef"
_TOKEN_KEYS = frozenset(
    {"value", "id", "status", "kind", "expires_on", "not_before", "permissions", "record"}
)


class SandboxError(Exception):
    """Refused (busy port, foreign or locked folder, no pulumi): one line saying what to do."""


def check_folder(folder: Path) -> None:
    """Refuse a file, or a folder that holds anything but a sandbox; creates nothing."""
    if folder.exists() and not folder.is_dir():
        raise SandboxError(f"breeze-infra sandbox: {folder} is a file, not a folder")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / MARKER).is_file():
        raise SandboxError(
            f"breeze-infra sandbox: {folder} is not empty and is not a sandbox folder "
            f"(no {MARKER} in it); give another --dir"
        )


def check_env_file(env_file: Path | None) -> None:
    """``--env-file`` must be writable where it points; checked before anything is created."""
    if env_file is None:
        return
    if env_file.is_dir():
        raise SandboxError(f"breeze-infra sandbox: --env-file {env_file} is a folder; give a file")
    if not env_file.parent.is_dir():
        raise SandboxError(
            f"breeze-infra sandbox: --env-file {env_file}: folder {env_file.parent} does not exist"
        )
    if not os.access(env_file.parent, os.W_OK):
        raise SandboxError(
            f"breeze-infra sandbox: --env-file {env_file}: folder {env_file.parent} is not writable"
        )


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold ``<folder>/lock`` for the sandbox's life: a second sandbox on it is refused."""
    handle: IO[str] = (folder / LOCK_FILE).open("a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = short(handle.read().strip() or "another process")
            raise SandboxError(
                f"breeze-infra sandbox: {folder} is in use by a running sandbox ({holder}); "
                "stop it first or give another --dir"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}\n")
        handle.flush()
        yield
    finally:
        handle.close()


def is_running(folder: Path) -> bool:
    """Whether a sandbox holds ``folder`` now (its lock is taken)."""
    try:
        handle = (folder / LOCK_FILE).open("r", encoding="utf-8")
    except OSError:
        return False
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        return False


def prepare(folder: Path, reset: bool) -> None:
    """Under the lock: empty the folder on ``--reset`` (the lock stays), then mark it."""
    if reset:
        for item in folder.iterdir():
            if item.name == LOCK_FILE:
                continue
            if item.is_dir() and not item.is_symlink():
                shutil.rmtree(item)
            else:
                item.unlink()
    (folder / MARKER).write_text("breeze-infra sandbox\n", encoding="utf-8")
    for name in ("pulumi-home", "state", BIN, PROJECT_COPY):
        (folder / name).mkdir(exist_ok=True)


def copy_project(root: Path, folder: Path) -> Path:
    """Pulumi.yaml (always fresh) and each stack file the copy lacks (the copy's own config and
    encryption salt are kept across runs): the checkout itself is never written."""
    project = find_project(root)
    copy = folder / PROJECT_COPY
    source = project.root / "Pulumi.yaml"
    if source.is_file():
        shutil.copyfile(source, copy / "Pulumi.yaml")
    stacks = copy / project.stack_config_dir
    stacks.mkdir(parents=True, exist_ok=True)
    if project.stacks_dir.is_dir():
        for stack_file in sorted(project.stacks_dir.glob("Pulumi.*.yaml")):
            target = stacks / stack_file.name
            if not target.exists():
                text = stack_file.read_text(encoding="utf-8")
                target.write_text(without_secrets_keys(text), encoding="utf-8")
    return copy


_SECRETS_KEYS = re.compile(r"^(?:encryptionsalt|encryptedkey|secretsprovider):[^\n]*\n?", re.M)


def without_secrets_keys(text: str) -> str:
    """A stack file without the secrets provider a real ``pulumi stack init`` wrote into it.

    The sandbox has its own state and passphrase: a salt made under the user's passphrase would
    make ``pulumi stack init`` in the sandbox fail with "incorrect passphrase".
    """
    return _SECRETS_KEYS.sub("", text)


def check_port(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As the emulator binds: a port left in TIME_WAIT by a killed sandbox is free again.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise SandboxError(
                f"breeze-infra sandbox: port {port} on 127.0.0.1 is busy; give another --port"
            ) from None


def find_pulumi(root: Path, environ: Mapping[str, str]) -> str:
    """The pulumi the shim runs: the one built here (``.engine/bin``) first, else PATH's."""
    built = root / ".engine" / "bin" / "pulumi"
    if built.is_file():
        return str(built)
    found = shutil.which("pulumi", path=environ.get("PATH", ""))
    if found is None:
        raise SandboxError(
            "breeze-infra sandbox: no pulumi on PATH; install the Pulumi CLI or build one with "
            "`bash engine/build.sh`"
        )
    return found


def write_shim(folder: Path, pulumi: str) -> None:
    """``<dir>/bin/pulumi``: plain ``pulumi`` through the inline language server, with this
    Python (the CLI built here has no Python language host)."""
    shim = folder / BIN / "pulumi"
    shim.write_text(
        "#!/bin/sh\n"
        "# breeze-infra sandbox: program commands go through breeze_infra.sandbox.inline\n"
        f"exec {shlex.quote(sys.executable)} -m breeze_infra.sandbox.inline "
        f'{shlex.quote(pulumi)} "$@"\n',
        encoding="utf-8",
    )
    shim.chmod(0o755)


def environment(folder: Path, root: Path, base_url: str) -> dict[str, str]:
    """The variables of a sandbox shell; PATH holds only what goes first (see ``env_text``)."""
    path_first = [str(folder / BIN), str(Path(sys.executable).parent)]
    return {
        "PATH": os.pathsep.join(path_first),
        "PULUMI_HOME": str(folder / "pulumi-home"),
        "PULUMI_BACKEND_URL": f"file://{folder / 'state'}",
        "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "CLOUDFLARE_BASE_URL": base_url,
        "CLOUDFLARE_AI_GATEWAY_BASE_URL": base_url.removesuffix("/client/v4") + "/ai-gateway/v1",
        # The emulator's own throwaway token, never a Cloudflare credential.
        "CLOUDFLARE_API_TOKEN": DEFAULT_TOKEN,
        SANDBOX_DIR_ENV: str(folder),
        SANDBOX_ROOT_ENV: str(root),
        SANDBOX_PROJECT_ENV: str(folder / PROJECT_COPY),
    }


def env_text(env: Mapping[str, str]) -> str:
    """``export`` lines a POSIX shell sources; PATH is prepended to the shell's own."""
    lines = []
    for key, value in env.items():
        if key == "PATH":
            lines.append(f'export PATH={shlex.quote(value)}:"$PATH"\n')
        else:
            lines.append(f"export {key}={shlex.quote(value)}\n")
    return "".join(lines)


def source_line(env_file: Path, cwd: Path) -> str:
    """The one line to paste: the env file, relative to where the sandbox was started."""
    try:
        shown = str(env_file.relative_to(cwd))
    except ValueError:
        shown = str(env_file)
    return f"source {shlex.quote(shown)}"


def _tokens_error(path: Path, why: str) -> SandboxError:
    return SandboxError(
        f"breeze-infra sandbox: {path}: {why}; remove the file or start with --reset "
        "(the emulator forgets the tokens it minted)"
    )


def load_tokens(folder: Path) -> list[TokenInfo]:
    """The tokens a previous run saved; a damaged file is one line naming it."""
    path = folder / TOKENS_FILE
    if not path.is_file():
        return [TokenInfo(DEFAULT_TOKEN)]
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise _tokens_error(
            path, f"not valid JSON (line {exc.lineno}, column {exc.colno})"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _tokens_error(path, f"cannot be read ({exc})") from None
    if not isinstance(saved, list) or not all(
        isinstance(item, dict) and set(item) == _TOKEN_KEYS and isinstance(item["value"], str)
        for item in saved
    ):
        raise _tokens_error(path, "not a list of saved tokens")
    tokens = []
    for item in saved:
        permissions = item.pop("permissions")
        try:
            tokens.append(
                TokenInfo(
                    **item, permissions=None if permissions is None else frozenset(permissions)
                )
            )
        except TypeError:
            raise _tokens_error(path, "not a list of saved tokens") from None
    return tokens


class _Saver:
    """Writes the tokens whole (temporary file renamed over the old), one save at a time."""

    def __init__(self, folder: Path) -> None:
        self._path = folder / TOKENS_FILE
        self._lock = threading.Lock()

    def __call__(self, emulator: CloudflareEmulator) -> None:
        with self._lock:
            items: list[dict[str, Any]] = []
            for token in [TokenInfo(DEFAULT_TOKEN), *emulator.minted_tokens()]:
                item = asdict(token)
                item["permissions"] = (
                    None if token.permissions is None else sorted(token.permissions)
                )
                items.append(item)
            write_one(str(self._path), json.dumps(items), private=True, stdout=sys.stdout)


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
    """Serve until SIGINT/SIGTERM (or ``stop``); the tokens are saved at every token write."""
    cwd = Path.cwd()
    folder = folder.resolve()
    root = (root or cwd).resolve()
    check_folder(folder)
    check_env_file(env_file)
    find_project(root)  # a Pulumi.yaml Pulumi would refuse is said before anything is created
    check_port(port)
    pulumi = find_pulumi(root, os.environ)
    folder.mkdir(parents=True, exist_ok=True)
    with locked(folder):
        if not reset:
            tokens = load_tokens(folder)
        prepare(folder, reset)
        if reset:
            tokens = load_tokens(folder)
        copy_project(root, folder)
        write_shim(folder, pulumi)
        saver = _Saver(folder)
        emulator = CloudflareEmulator(
            account_id=account_id,
            tokens=tokens,
            port=port,
            any_account=True,
            on_token_write=saver,
        )
        plugins.install(pulumi, folder / "pulumi-home")
        stopping = stop or threading.Event()
        with emulator:
            text = env_text(environment(folder, root, emulator.base_url))
            try:
                write_one(str(folder / ENV_FILE), text, private=True, stdout=sys.stdout)
                if env_file is not None:
                    write_one(str(env_file), text, private=True, stdout=sys.stdout)
            except WriteError as exc:
                raise SandboxError(f"breeze-infra sandbox: {exc}") from None
            print_line(source_line(folder / ENV_FILE, cwd))
            print_line(
                f"# breeze-infra sandbox: paste the line above into another shell; plain `pulumi` "
                f"and `breeze-infra` then run against the Cloudflare emulator on "
                f"{emulator.base_url} (any account id), with their stacks and state in {folder}. "
                "Ctrl-C stops it."
            )
            if ready is not None:
                ready(emulator)
            previous = signal.getsignal(signal.SIGTERM) if stop is None else None
            if stop is None:
                signal.signal(signal.SIGTERM, lambda *_: stopping.set())
            try:
                while not stopping.wait(1.0):
                    pass
            except KeyboardInterrupt:
                pass
            finally:
                saver(emulator)
                if previous is not None:
                    signal.signal(signal.SIGTERM, previous)
    return 0
