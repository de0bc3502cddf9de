"""The plugin ``pulumi install`` would download for each locked SDK exists at that version.

A Python SDK names its plugin in ``pulumi-plugin.json``; when the file gives no version, the SDK
asks the engine for its own package version, which must then be a release of the provider's
repository (``server``). pulumi-onepassword 1.2.0 and 1.2.1 are such SDKs, and the provider's tags
stop at v1.1.4 (1Password/pulumi-onepassword, tags read 2026-12-04; issue #39 there), so no plugin
exists for them: the lock pins 1.1.3, PyPI's newest release that has a tag.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
from pathlib import Path

import pytest

from breeze_infra.sandbox.plugins import PROVIDER_PACKAGES

RELEASED: dict[str, frozenset[str]] = {
    "github://api.github.com/1Password/pulumi-onepassword": frozenset(
        f"v{v}" for v in ("1.0.0", "1.0.1", "1.0.2", "1.1.0", "1.1.1", "1.1.2", "1.1.3", "1.1.4")
    ),
}
"""Tags of the providers whose SDK names no version, as their repositories list them."""


def _plugin_file(package: str) -> dict[str, object] | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "pulumi-plugin.json"
    return dict(json.loads(path.read_text(encoding="utf-8")))


def resolvable(info: dict[str, object], package_version: str) -> str | None:
    """Why ``pulumi install`` would find no plugin for this SDK; None when it would."""
    if info.get("version"):
        return None
    server = str(info.get("server") or "")
    if not server:
        return f"{info.get('name')}: no version and no server in pulumi-plugin.json"
    if f"v{package_version}" not in RELEASED.get(server, frozenset()):
        return f"{info.get('name')}: no release v{package_version} at {server}"
    return None


@pytest.mark.parametrize("package", PROVIDER_PACKAGES)
def test_each_installed_sdks_plugin_has_a_resolvable_version(package: str) -> None:
    info = _plugin_file(package)
    assert info is not None, f"{package} is not installed: run uv sync --locked --all-groups"
    assert info.get("resource") is True and info.get("name")
    assert resolvable(info, importlib.metadata.version(package)) is None


def test_an_sdk_naming_no_version_and_an_untagged_release_is_refused() -> None:
    server = "github://api.github.com/1Password/pulumi-onepassword"
    info: dict[str, object] = {"resource": True, "name": "onepassword", "server": server}
    assert resolvable(info, "1.2.1") == f"onepassword: no release v1.2.1 at {server}"
    assert resolvable(info, "1.1.3") is None
    assert resolvable({"name": "x"}, "1.0.0") is not None
