"""Issue 20, I: older probes that were still open."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pulumi
import pytest
import yaml

from breeze_infra.backends import backend_classes
from breeze_infra.config import ConfigError, parse_config
from breeze_infra.sandbox.mocks import synthesize
from tests.conftest import NOW, CliRun
from tests.hostile._harness import (
    STACK,
    Case,
    assert_kept_promise,
    c,
    project,
    run_case,
    stack_yaml,
)

UV_PROJECT = (
    '[project]\nname = "team-ai"\nversion = "1"\ndependencies = ["breeze-infra"]\n'
    '[dependency-groups]\nbackends = []\n[tool.uv]\ndefault-groups = ["backends"]\n'
)
"""A uv project whose Pulumi install (``uv sync``) installs no backend SDK."""
VAULT = backend_classes()["vault"]
ONE_SDK_MANY_CONSUMERS = stack_yaml(
    "  breeze-infra:secrets:",
    "    - {backend: vault, mount: secret, path: 'breeze/{stack}/{consumer}'}",
    "  breeze-infra:consumers:",
    "    - name: alice",
    "    - name: carol",
    "    - name: support-team",
    "    - {name: bob, revoked: true}",
)
"""The probe: one backend behind four consumers (one revoked) used to be reported at five
keys, four of them copies the file does not hold."""
VAULT_ONCE = (
    f"breeze-infra:secrets[0].backend: backend 'vault' needs pulumi-vault, which `uv sync` does "
    f"not install here: run `uv add --group backends '{VAULT.requirement}'`"
)

OLDER = [  # issue 20, I: older probes still open
    c(
        "empty-output-path",
        "manifest",
        "--stack",
        "dev",
        "-o",
        "",
        expect="breeze-infra manifest: -o: an empty path",
        names="-o",
    ),
    *(
        c(
            f"one-missing-sdk-once-{label}",
            *args,
            expect=VAULT_ONCE,
            stack=ONE_SDK_MANY_CONSUMERS,
            files={"pyproject.toml": UV_PROJECT},
        )
        for label, args in [
            ("validate", ("validate", "--stack", "dev")),
            ("synth", ("synth", "--stack", "dev")),
            ("manifest-one", ("manifest", "--stack", "dev", "--consumer", "alice")),
            ("manifest-all", ("manifest", "--stack", "dev", "--all-consumers", "-o", "out")),
        ]
    ),
]


TABLE = [pytest.param(case, id=f"20I-older-{case.id}") for case in OLDER]


@pytest.mark.parametrize("case", TABLE)
def test_hostile_input(case: Case, cli: CliRun, tmp_path: Path) -> None:
    run_case(case, cli, tmp_path)


MIXED = stack_yaml(
    "  breeze-infra:consumers:",
    "    - name: alice",
    "    - name: bob",
    "      secrets:",
    "        - {backend: aws-secrets-manager, name: 'breeze/{consumer}'}",
    "        - {backend: vault, mount: secret, path: 'breeze/{consumer}'}",
    "    - name: carol",
    "      secrets: [{backend: vault, mount: secret, path: 'team/{consumer}'}]",
    "    - name: dave",
    "      revoked: true",
    "      secrets: [{backend: gcp-secret-manager, secretId: 'breeze-{consumer}'}]",
)
"""alice keeps her key in the stack's outputs (no SDK); bob and carol need SDKs the install
lacks; dave is revoked, so his backend's SDK is needed by nobody."""


def test_20_a_command_for_one_consumer_needs_only_that_consumers_sdks(
    cli: CliRun, tmp_path: Path
) -> None:
    root = project(
        tmp_path, Case("mixed", (), "", stack=MIXED, files={"pyproject.toml": UV_PROJECT})
    )
    manifest = cli("manifest", "--stack", "dev", "--consumer", "alice", cwd=root)
    assert manifest.returncode == 0, manifest.stderr
    assert json.loads(manifest.stdout)["consumer"] == "alice"
    card = cli("card", "--stack", "dev", "--consumer", "alice", cwd=root)
    assert card.returncode == 0, card.stderr

    aws = backend_classes()["aws-secrets-manager"]
    expected = [
        f"{STACK}: breeze-infra:consumers[1].secrets[0].backend: backend 'aws-secrets-manager' "
        f"needs pulumi-aws, which `uv sync` does not install here: "
        f"run `uv add --group backends '{aws.requirement}'`",
        f"{STACK}: breeze-infra:consumers[1].secrets[1].backend: backend 'vault' needs "
        f"pulumi-vault, which `uv sync` does not install here: "
        f"run `uv add --group backends '{VAULT.requirement}'`",
    ]
    for args in (
        ("validate",),
        ("manifest", "--consumer", "bob"),
        ("card", "--all-consumers", "-o", "out"),
    ):
        result = cli(*args, "--stack", "dev", cwd=root)
        assert_kept_promise(result, 2)
        assert result.stderr.splitlines() == expected, args
    assert not (root / "out").exists()


def _probe_values() -> dict[str, object]:
    config = yaml.safe_load(ONE_SDK_MANY_CONSUMERS)["config"]
    return {key.removeprefix("breeze-infra:"): value for key, value in config.items()}


PIP_ONCE = (
    f"breeze-infra:secrets[0].backend: backend 'vault' needs pulumi-vault, which is not "
    f"installed where the program runs: run `uv add '{VAULT.requirement}'` in a uv project, "
    f"else `pip install '{VAULT.requirement}'`"
)


def test_20_an_sdk_that_cannot_be_imported_is_one_line_offline_and_under_the_program(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Outside a uv project (breeze_infra in another program) what imports counts: the SDK is
    made unimportable, as if never installed, and the config and the program each say so once."""
    assert VAULT.package is not None
    monkeypatch.setitem(sys.modules, VAULT.package, None)
    with pytest.raises(ConfigError) as offline:
        parse_config(_probe_values(), "x", "dev")
    assert offline.value.lines() == [f"x: {PIP_ONCE}"]
    with pytest.raises(pulumi.RunError) as program:
        synthesize("dev", _probe_values(), NOW)
    (line,) = str(program.value).splitlines()
    assert line.endswith(f": {PIP_ONCE}")
