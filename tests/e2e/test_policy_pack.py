"""The guard-rails pack under the real engine's analyzer: ``pulumi preview --policy-pack policy``.

The pack gets its own virtualenv exactly as the workflows build it
(``uv sync --locked --project policy``, into policy/.venv). Without a Python language host the engine cannot start a pack folder, so
``--policy-pack`` is given an executable that starts ``policy/`` as the host would. A clean stack passes; a program with an over-scoped or a non-expiring token is
blocked, naming the rule.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from breeze_guardrails.facts import WORKERS_AI_READ
from breeze_guardrails.rules import EXPIRY, LEAST_PRIVILEGE
from breeze_infra.sandbox import plugins
from breeze_infra.sandbox.emulator import PERMISSION_GROUPS
from tests.e2e.conftest import ACCOUNT_ID, Sandbox

SCRIPTS_READ = next(g["id"] for g in PERMISSION_GROUPS if g["name"] == "Workers Scripts Read")

BAD_PROGRAM = f'''
import json

import pulumi_cloudflare as cloudflare

resources = json.dumps({{"com.cloudflare.api.account.{ACCOUNT_ID}": "*"}})


def token(name, groups, expires_on):
    cloudflare.AccountToken(
        name,
        account_id="{ACCOUNT_ID}",
        name=name,
        expires_on=expires_on,
        policies=[
            cloudflare.AccountTokenPolicyArgs(
                effect="allow",
                permission_groups=[
                    cloudflare.AccountTokenPolicyPermissionGroupArgs(id=g) for g in groups
                ],
                resources=resources,
            )
        ],
    )


token("over-scoped", ["{WORKERS_AI_READ}", "{SCRIPTS_READ}"], "2026-12-20T00:00:00Z")
token("never-expires", ["{WORKERS_AI_READ}"], None)
'''


@pytest.fixture(scope="module")
def pack(installed: Sandbox) -> Path:
    folder = installed.project / "policy"
    installed.run(
        ["uv", "sync", "--locked", "--quiet", "--project", str(folder)],
        env={"UV_PROJECT_ENVIRONMENT": str(folder / ".venv")},
    )
    return plugins.policy_launcher(folder, installed.project.parent / "policy-launcher")


def test_a_clean_stack_passes_the_guard_rails(installed: Sandbox, pack: Path) -> None:
    stack = "guarded"
    installed.pulumi_cmd("stack", "init", stack)
    installed.pulumi_cmd("config", "set", "--stack", stack, "breeze-infra:accountId", ACCOUNT_ID)
    installed.pulumi_cmd(
        "config",
        "set",
        "--stack",
        stack,
        "--path",
        "breeze-infra:models[0].id",
        "@cf/meta/llama-3.1-8b-instruct",
    )
    preview = installed.pulumi_cmd("preview", "--stack", stack, "--policy-pack", str(pack))
    assert "breeze-infra-guardrails" in preview.stdout, preview.stdout
    assert "mandatory" not in preview.stdout.lower()


def test_over_scoped_and_non_expiring_tokens_are_blocked(
    installed: Sandbox, pack: Path, tmp_path: Path
) -> None:
    project = tmp_path / "bad-token"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(
        "name: bad-token\nruntime:\n  name: python\n", encoding="utf-8"
    )
    (project / "__main__.py").write_text(textwrap.dedent(BAD_PROGRAM), encoding="utf-8")
    installed.pulumi_cmd("stack", "init", "bad", cwd=project)
    preview = installed.pulumi_cmd(
        "preview", "--stack", "bad", "--policy-pack", str(pack), cwd=project, check=False
    )
    text = preview.stdout + preview.stderr
    assert preview.returncode != 0, text
    assert LEAST_PRIVILEGE in text and EXPIRY in text, text
    assert "over-scoped" in text and "never-expires" in text, text
