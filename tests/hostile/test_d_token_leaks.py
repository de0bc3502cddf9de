"""Issue 20, D (and issue 9, 4): a token where a token does not belong is refused, never printed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import CliRun
from tests.hostile._harness import (
    LEGACY,
    PREFIXED,
    VALIDATE,
    Case,
    c,
    models_yaml,
    run_case,
    stack_yaml,
)

TOKENS_IN_PLACE = [  # 4. a token where a token does not belong is refused, never printed
    c(
        "token-as-display-name",
        *VALIDATE,
        expect="breeze-infra:models[0].displayName: '[value hidden",
        stack=stack_yaml(models=models_yaml(PREFIXED)),
    ),
    c(
        "legacy-token-as-credential-name",
        *VALIDATE,
        expect="breeze-infra:credentialName: '[value hidden",
        stack=stack_yaml(f"  breeze-infra:credentialName: {LEGACY}"),
    ),
    c(
        "token-in-a-backend-path",
        *VALIDATE,
        expect="breeze-infra:secrets[0].path: '[value hidden",
        stack=stack_yaml(
            "  breeze-infra:secrets:", f"    - {{backend: vault, mount: secret, path: {PREFIXED}}}"
        ),
    ),
    c(
        "token-in-a-consumer-cidr-list",
        *VALIDATE,
        expect="[value hidden",
        stack=stack_yaml(
            "  breeze-infra:consumers:", f"    - {{name: alice, allowedCidrs: ['{PREFIXED}']}}"
        ),
    ),
    c(
        "token-as-a-yaml-key",
        *VALIDATE,
        expect="unknown key",
        stack=stack_yaml(f"  breeze-infra:{PREFIXED}: 1"),
    ),
    c(
        "token-as-breeze-now",
        "manifest",
        "--stack",
        "dev",
        expect="BREEZE_NOW (value not shown) is not an RFC 3339 time",
        env={"BREEZE_NOW": PREFIXED},
        names="BREEZE_NOW",
    ),
    c(
        "token-in-cloudflare-base-url",
        "validate",
        "--online",
        "--stack",
        "dev",
        expect="CLOUDFLARE_BASE_URL must be an http(s) URL, got 'https://[value hidden",
        env={"CLOUDFLARE_API_TOKEN": "x", "CLOUDFLARE_BASE_URL": f"https://{PREFIXED}:99999"},
        names="CLOUDFLARE_BASE_URL",
    ),
    c(
        "token-as-stack-name",
        "validate",
        "--stack",
        PREFIXED,
        expect="[value hidden: it looks like a Cloudflare token].yaml: no such stack file",
        names="stacks/Pulumi.",
    ),
    c(
        "token-in-an-invalid-stack-name",
        "validate",
        "--stack",
        f"{PREFIXED}/x",
        expect="stack '[value hidden: it looks like a Cloudflare token]/x': not a stack name",
        names="stack",
    ),
]


TABLE = [pytest.param(case, id=f"4-token-{case.id}") for case in TOKENS_IN_PLACE]


@pytest.mark.parametrize("case", TABLE)
def test_hostile_input(case: Case, cli: CliRun, tmp_path: Path) -> None:
    run_case(case, cli, tmp_path)
