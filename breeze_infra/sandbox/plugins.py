"""Install the fake provider plugins into a private PULUMI_HOME, at the installed SDKs' versions.

Each ``pulumi_*`` SDK ships a ``pulumi-plugin.json`` naming its plugin and (but for
pulumi-onepassword, whose SDK uses its package version) its version; the SDK asks the engine for
exactly that plugin, so the fakes are installed under the same names and versions with
``pulumi plugin install resource NAME VERSION --file LAUNCHER``. A launcher is a two-line script
that execs this Python on ``breeze_infra.sandbox.provider``.

Python policy packs are started by the language host, which cannot be built here (the engine
3.274 no longer falls back to a ``policy-python`` analyzer plugin). ``policy_launcher`` writes an
executable that starts a pack as the host does (``python -u -m pulumi.policy ENGINE PACK`` with the
pack's virtualenv, in the pack's folder); ``pulumi preview --policy-pack LAUNCHER`` runs it as a
binary analyzer, under the engine's real analyzer protocol.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import shlex
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

__all__ = ["PROVIDER_PACKAGES", "install", "plugin_versions", "policy_launcher", "write_launchers"]


def provider_packages() -> tuple[str, ...]:
    """The provider SDKs the program may use: cloudflare's, then each backend's ``Entry.package``
    (the registry is their one home, so a new backend's plugin is faked without a line here)."""
    from breeze_infra.backends import backend_classes

    packages = (entry.package for entry in backend_classes().values())
    return ("pulumi_cloudflare", *(package for package in packages if package))


PROVIDER_PACKAGES = provider_packages()


class PluginError(RuntimeError):
    """A plugin could not be found or installed: the message names it."""


def plugin_versions(
    packages: tuple[str, ...] = PROVIDER_PACKAGES,
    required: tuple[str, ...] = ("pulumi_cloudflare",),
) -> dict[str, str]:
    """Plugin name -> version, read from each installed SDK's ``pulumi-plugin.json``.

    The packages are located, not imported (importing the big SDKs takes seconds). A backend SDK
    that is not installed gets no plugin (the program cannot use that backend anyway).
    """
    found: dict[str, str] = {}
    for package in packages:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            if package in required:
                raise PluginError(f"{package} is not installed in {sys.prefix}")
            continue
        path = Path(next(iter(spec.submodule_search_locations))) / "pulumi-plugin.json"
        info = json.loads(path.read_text(encoding="utf-8"))
        # pulumi-onepassword's file names no version: its SDK asks for its package's version.
        version = info.get("version") or importlib.metadata.version(package)
        found[str(info["name"])] = str(version)
    return found


def _launcher(python: str, name: str, version: str) -> str:
    command = [python, "-m", "breeze_infra.sandbox.provider", name, version]
    return "#!/bin/sh\nexec " + " ".join(shlex.quote(part) for part in command) + ' "$@"\n'


_POLICY_LAUNCHER = """#!/bin/sh
# Started by the engine as: LAUNCHER ENGINE_ADDRESS
cd %(pack)s || exit 1
exec %(python)s -u -m pulumi.policy "$1" %(pack)s
"""


def write_launchers(
    folder: Path, versions: Mapping[str, str], python: str = sys.executable
) -> dict[str, Path]:
    """One executable launcher per provider; name -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for name, version in versions.items():
        path = folder / f"pulumi-resource-{name}"
        path.write_text(_launcher(python, name, version), encoding="utf-8")
        path.chmod(0o755)
        written[name] = path
    return written


def policy_launcher(pack: Path, folder: Path) -> Path:
    """An executable that starts the policy pack in ``pack`` (with the ``pack/.venv`` that
    ``uv sync --project <pack>`` makes, when present)."""
    python = pack / ".venv" / "bin" / "python"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{pack.name}-policy-pack"
    path.write_text(
        _POLICY_LAUNCHER
        % {
            "pack": shlex.quote(str(pack)),
            "python": shlex.quote(str(python) if python.exists() else sys.executable),
        },
        encoding="utf-8",
    )
    path.chmod(0o755)
    return path


def install(
    pulumi: str,
    home: Path,
    *,
    python: str = sys.executable,
    environ: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Install every fake into ``home`` (a PULUMI_HOME); returns plugin name -> version."""
    versions = plugin_versions()
    launchers = write_launchers(home / "launchers", versions, python)
    env = {**(os.environ if environ is None else environ), "PULUMI_HOME": str(home)}
    env.setdefault("PULUMI_SKIP_UPDATE_CHECK", "true")
    for name, version in versions.items():
        kind = "resource"
        command = [pulumi, "plugin", "install", kind, name, version, "--file", str(launchers[name])]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise PluginError(
                f"pulumi plugin install {kind} {name} {version} failed: "
                f"{(done.stderr or done.stdout).strip()}"
            )
    return versions


def main(argv: list[str] | None = None) -> int:
    """``python -m breeze_infra.sandbox.plugins PULUMI PULUMI_HOME``, with the program's Python."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m breeze_infra.sandbox.plugins PULUMI PULUMI_HOME", file=sys.stderr)
        return 2
    try:
        versions = install(args[0], Path(args[1]))
    except PluginError as error:
        print(f"breeze-infra sandbox: {error}", file=sys.stderr)
        return 1
    for name, version in versions.items():
        print(f"{name} {version}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
