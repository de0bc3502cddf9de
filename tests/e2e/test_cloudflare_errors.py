"""Cloudflare refusing the program's look-ups during ``pulumi up``: one line, printed once.

The real engine runs the program against the emulator; each scenario makes the permission-group
look-up fail the way Cloudflare would (a token it does not know, one without the permission, an
account the token cannot see, a failing API), and the output must be one ``error:`` diagnostic
naming what to check, with no traceback and no raw invoke error.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from breeze_infra.sandbox.emulator import Fault
from tests.e2e.conftest import ACCOUNT_ID, Sandbox

STACK = "cf-errors"
GROUPS = f"/accounts/{ACCOUNT_ID}/tokens/permission_groups"
NARROW_TOKEN = "cfat_" + "n" * 43
"""A bootstrap token the emulator knows, holding Workers AI Read only."""


@pytest.fixture(scope="module")
def stack(installed: Sandbox) -> Iterator[str]:
    path = installed.project / "stacks" / f"Pulumi.{STACK}.yaml"
    path.write_text(
        "config:\n"
        f"  breeze-infra:accountId: {ACCOUNT_ID}\n"
        "  breeze-infra:models:\n"
        '    - id: "@cf/meta/llama-3.1-8b-instruct"\n',
        encoding="utf-8",
    )
    installed.pulumi_cmd("stack", "init", STACK)
    installed.emulator.add_token(NARROW_TOKEN, permissions=["Workers AI Read"])
    yield STACK
    installed.emulator.clear_faults()
    installed.pulumi_cmd("stack", "rm", "--yes", "--force", STACK, check=False)
    path.unlink(missing_ok=True)


def _errors(sandbox: Sandbox, stack: str, **env: str) -> list[str]:
    done = sandbox.pulumi_cmd("preview", "--stack", stack, check=False, env=env)
    sandbox.emulator.clear_faults()
    text = done.stdout + done.stderr
    assert done.returncode != 0, text
    assert "Traceback" not in text and "invoke of" not in text, text
    # The engine shows each diagnostic on the resource's progress row and once in "Diagnostics:";
    # the program must have raised exactly one (an "an unhandled error occurred" is a second).
    lines = [line.strip() for line in text.splitlines() if line.strip().startswith("error:")]
    assert len(lines) == 1, f"expected one error, once:\n{text}"
    return lines


def test_an_unknown_bootstrap_token_is_one_line_naming_the_token(
    sandbox: Sandbox, stack: str
) -> None:
    (line,) = _errors(sandbox, stack, CLOUDFLARE_API_TOKEN="cfat_" + "u" * 43)
    assert "Cloudflare refused the look-up of permission group" in line
    assert "(HTTP 401, code 10000)" in line
    assert "check CLOUDFLARE_API_TOKEN or cloudflare:apiToken" in line
    assert "u" * 43 not in line


def test_a_token_without_the_permission_is_one_line_naming_it(sandbox: Sandbox, stack: str) -> None:
    (line,) = _errors(sandbox, stack, CLOUDFLARE_API_TOKEN=NARROW_TOKEN)
    assert "(HTTP 403" in line and "it needs Account API Tokens Write" in line


def test_an_account_the_token_cannot_see_is_one_line_naming_the_account_id(
    sandbox: Sandbox, stack: str
) -> None:
    other = "fedcba9876543210fedcba9876543210"
    sandbox.pulumi_cmd("config", "set", "breeze-infra:accountId", other, "--stack", stack)
    try:
        (line,) = _errors(sandbox, stack)
    finally:
        sandbox.pulumi_cmd("config", "set", "breeze-infra:accountId", ACCOUNT_ID, "--stack", stack)
    # The catalog check, first, finds it: the same line as validate --online.
    assert line.startswith(f"error: stacks/Pulumi.{stack}.yaml: breeze-infra:accountId:")
    assert f"could not route to /accounts/{other}" in line


def test_a_404_on_the_look_up_is_one_line_naming_the_account_id(
    sandbox: Sandbox, stack: str
) -> None:
    sandbox.emulator.inject(GROUPS, [Fault.status(404, code=7003, message="Could not route")] * 4)
    (line,) = _errors(sandbox, stack)
    assert "(HTTP 404, code 7003)" in line and "check breeze-infra:accountId" in line


def test_a_failing_cloudflare_is_one_line_saying_to_try_again(sandbox: Sandbox, stack: str) -> None:
    sandbox.emulator.inject(GROUPS, [Fault.status(503)] * 4)
    (line,) = _errors(sandbox, stack)
    assert "(HTTP 503" in line and "run pulumi up again in a few minutes" in line


def test_a_misspelled_model_stops_the_run_with_the_online_checks_did_you_mean(
    installed: Sandbox, stack: str
) -> None:
    model = "breeze-infra:models[0].id"
    typo = "@cf/meta/llama-3.1-8b-instrct"
    installed.pulumi_cmd("config", "set", "--path", model, typo, "--stack", stack)
    try:
        done = installed.pulumi_cmd("up", "--yes", "--stack", stack, check=False)
        online = installed.cli("validate", "--online", "--stack", stack, check=False)
    finally:
        installed.pulumi_cmd(
            "config", "set", "--path", model, "@cf/meta/llama-3.1-8b-instruct", "--stack", stack
        )
    text = done.stdout + done.stderr
    assert done.returncode != 0, text
    errors = [line.strip() for line in text.splitlines() if line.strip().startswith("error:")]
    (said,) = [line for line in online.stderr.splitlines() if "did you mean" in line]
    assert errors == [f"error: {said}"], text
    assert "(did you mean `@cf/meta/llama-3.1-8b-instruct`?)" in said
    assert installed.emulator.minted_tokens() == [] or all(
        "cf-errors" not in str(t.record) for t in installed.emulator.minted_tokens()
    ), "a token was minted for a stack whose model is unknown"


def test_a_token_that_cannot_read_the_catalog_deploys_and_says_once_the_models_went_unchecked(
    installed: Sandbox, stack: str
) -> None:
    deployer = "cfat_" + "d" * 43
    installed.emulator.add_token(
        deployer, permissions=["Account API Tokens Read", "Account API Tokens Write"]
    )
    env = {"CLOUDFLARE_API_TOKEN": deployer}
    try:
        done = installed.pulumi_cmd("up", "--yes", "--stack", stack, env=env)
    finally:
        installed.pulumi_cmd("destroy", "--yes", "--stack", stack, env=env, check=False)
    text = done.stdout + done.stderr
    warnings = [line.strip() for line in text.splitlines() if line.strip().startswith("warning:")]
    unchecked = [w for w in warnings if "were not checked against the Workers AI catalog" in w]
    assert len(unchecked) == 1, text
    assert "lacks Workers AI Read" in unchecked[0]
    assert f"breeze-infra validate --online --stack {stack}" in unchecked[0]
