"""Issue 20, G (and issue 9, 8): rules neither too weak nor too strict, and types as strict as
the engine's: a bool is not a number, JSON is read as the engine reads it, and every error names
a key that is in the file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import CliRun
from tests.hostile._harness import (
    CJ,
    CONFIG_JSON,
    MODEL,
    RESOLVED,
    STACK,
    VALIDATE,
    Case,
    assert_kept_promise,
    bare,
    c,
    config_json,
    models_yaml,
    project,
    run_case,
    stack_yaml,
)

RULES = [  # 8. rules neither too weak nor too strict
    c(
        "allow-every-address",
        *VALIDATE,
        expect="breeze-infra:token.allowedCidrs: '0.0.0.0/0' is every IPv4 address",
        stack=stack_yaml("  breeze-infra:token: {allowedCidrs: [0.0.0.0/0, '::/0']}"),
    ),
    c(
        "deny-every-ipv6-address",
        *VALIDATE,
        expect="breeze-infra:token.deniedCidrs: '::/0' is every IPv6 address",
        stack=stack_yaml("  breeze-infra:token: {deniedCidrs: ['::/0']}"),
    ),
    c(
        "allowed-inside-denied",
        *VALIDATE,
        expect="allowed 10.1.0.0/16 lies wholly inside denied 10.0.0.0/8: usable from nowhere",
        stack=stack_yaml(
            "  breeze-infra:token: {allowedCidrs: [10.1.0.0/16], deniedCidrs: [10.0.0.0/8]}"
        ),
    ),
    c(
        "consumer-allowed-inside-stack-denied",
        *VALIDATE,
        expect="breeze-infra:consumers[0]: allowed 2001:db8::/48 lies wholly inside denied",
        stack=stack_yaml(
            "  breeze-infra:token: {deniedCidrs: ['2001:db8::/32']}",
            "  breeze-infra:consumers:",
            "    - {name: alice, allowedCidrs: ['2001:db8::/48']}",
        ),
    ),
    c(
        "scoped-ipv6",
        *VALIDATE,
        expect="'fe80::%eth0/64' is a scoped IPv6 address",
        stack=stack_yaml("  breeze-infra:token: {allowedCidrs: ['fe80::%eth0/64']}"),
    ),
    c(
        "blank-display-name",
        *VALIDATE,
        expect="breeze-infra:models[0].displayName: is blank",
        stack=stack_yaml(models=models_yaml("   ")),
    ),
    c(
        "bell-in-a-credential-name",
        *VALIDATE,
        expect="breeze-infra:credentialName: holds the control or format character U+0007",
        stack=stack_yaml('  breeze-infra:credentialName: "GPT\\a"'),
    ),
    c(
        "look-alike-display-names-by-case",
        *VALIDATE,
        expect="display name 'llama' is already used by another model ('Llama'",
        stack=stack_yaml(models=models_yaml("Llama", "llama")),
    ),
    c(
        "look-alike-display-names-by-nfkc",
        *VALIDATE,
        expect="breeze-infra:models[1].displayName: display name '\uff2c\uff4c\uff41\uff4d\uff41'",
        stack=stack_yaml(models=models_yaml("Llama", "\uff2c\uff4c\uff41\uff4d\uff41")),
    ),
    c(
        "context-length-beyond-2-to-the-53",
        *VALIDATE,
        expect="breeze-infra:models[0].contextLength: Input should be less than or equal to 10000000",
        stack=stack_yaml(models=f"    - {{id: '{MODEL}', contextLength: {2**53 + 1}}}"),
    ),
    c(
        "generation-unbounded",
        *VALIDATE,
        expect="breeze-infra:token.generation: Input should be less than or equal to 999999",
        stack=stack_yaml("  breeze-infra:token: {generation: 10000000000}"),
    ),
    c(
        "consumer-named-dot-dot-in-a-stack",
        *VALIDATE,
        expect="breeze-infra:consumers[0].name: '..' is not a consumer name",
        stack=stack_yaml("  breeze-infra:consumers:", "    - name: '..'"),
    ),
    c(
        "stack-name-with-a-slash",
        "validate",
        "--stack",
        "../stacks/dev",
        expect="stack '../stacks/dev': not a stack name Pulumi accepts",
        names="stack",
    ),
    c(
        "stack-name-too-long",
        "manifest",
        "--stack",
        "d" * 101,
        expect="not a stack name Pulumi accepts",
        names="stack",
    ),
    c(
        "stack-file-named-with-a-space",
        "validate",
        expect="stack 'a b': not a stack name Pulumi accepts",
        files={"stacks/Pulumi.a b.yaml": stack_yaml()},
        stack=None,
        names="stack",
    ),
    c(
        "online-without-a-token-still-shows-offline-errors",
        "validate",
        "--online",
        expect="CLOUDFLARE_API_TOKEN is not set",
        files={"stacks/Pulumi.bad.yaml": stack_yaml("  breeze-infra:tokn: 1")},
        env={"CLOUDFLARE_API_TOKEN": ""},
        lines=2,
        names="validate --online",
    ),
]


TEMPLATES = "\n".join(
    [
        "  breeze-infra:consumers:",
        "    - name: alice",
        "    - name: carol",
        "    - {name: bob, revoked: true}",
    ]
)
"""Three consumers that copy the stack's secrets entries (templates) and write none of their own."""

KEYS_IN_THE_FILE = [  # issue 20, G: every error names a key that is in the file, once
    c(
        "a-problem-in-a-template-is-said-once-at-the-template",
        *VALIDATE,
        expect="breeze-infra:secrets[0].colour: unknown key",
        stack=stack_yaml(
            "  breeze-infra:secrets:",
            "    - {backend: vault, mount: secret, path: 'b/{consumer}', colour: red}",
            TEMPLATES,
        ),
    ),
    c(
        "a-template-without-consumer-is-named-at-the-template",
        *VALIDATE,
        expect="breeze-infra:secrets[0]: writes to the same vault target 'secret/b/dev' as "
        "consumer 'alice'; put {consumer} in it",
        stack=stack_yaml(
            "  breeze-infra:secrets:",
            "    - {backend: vault, mount: secret, path: 'b/{stack}'}",
            TEMPLATES,
        ),
    ),
    c(
        "a-consumers-own-entry-keeps-its-key",
        *VALIDATE,
        expect="breeze-infra:consumers[1].secrets[0].path: required key is missing",
        stack=stack_yaml(
            "  breeze-infra:secrets:",
            "    - {backend: vault, mount: secret, path: 'b/{consumer}'}",
            "  breeze-infra:consumers:",
            "    - name: alice",
            "    - {name: carol, secrets: [{backend: vault, mount: secret}]}",
        ),
    ),
]

LAX_TYPES = [  # issue 20, G: a bool is not a number; JSON as the engine reads it
    *(
        c(
            f"true-as-{label}",
            *VALIDATE,
            expect=f"breeze-infra:{key}: true is not a number",
            stack=stack_yaml(line),
        )
        for label, key, line in [
            (
                "requests",
                "gateway.rateLimit.requests",
                "  breeze-infra:gateway: {rateLimit: {requests: true}}",
            ),
            (
                "dollars",
                "gateway.spendLimit.dollars",
                "  breeze-infra:gateway: {spendLimit: {dollars: true}}",
            ),
            ("rotation-days", "token.rotationDays", "  breeze-infra:token: {rotationDays: true}"),
        ]
    ),
    c(
        "config-json-duplicate-key",
        *CONFIG_JSON,
        expect="c.json: breeze-infra:accountId: given twice; keep one",
        files=config_json(f'{{{RESOLVED}, "breeze-infra:accountId": {{"value": "{"f" * 32}"}}}}'),
        names=CJ,
    ),
    c(
        "config-json-nan",
        *CONFIG_JSON,
        expect="c.json: NaN is not a JSON number",
        files=config_json(
            f'{{{RESOLVED}, "breeze-infra:token": {{"objectValue": {{"rotationDays": NaN}}}}}}'
        ),
        names=CJ,
    ),
    c(
        "config-json-1e400",
        *CONFIG_JSON,
        expect="c.json: 1e400 is out of the range of a number",
        files=config_json(
            f'{{{RESOLVED}, "breeze-infra:token": {{"objectValue": {{"rotationDays": 1e400}}}}}}'
        ),
        names=CJ,
    ),
]


TABLE = [
    *(pytest.param(case, id=f"8-rules-{case.id}") for case in RULES),
    *(pytest.param(case, id=f"20G-lax-{case.id}") for case in LAX_TYPES),
    *(pytest.param(case, id=f"20G-keys-{case.id}") for case in KEYS_IN_THE_FILE),
]


@pytest.mark.parametrize("case", TABLE)
def test_hostile_input(case: Case, cli: CliRun, tmp_path: Path) -> None:
    run_case(case, cli, tmp_path)


def test_8_a_fifo_named_like_a_stack_file_does_not_hang_validate(root: Path) -> None:
    os.mkfifo(root / "stacks" / "Pulumi.pipe.yaml")
    result = bare("validate", cwd=root)
    assert result.returncode == 2
    assert "stacks/Pulumi.pipe.yaml: is not a regular file" in result.stderr
    assert "stacks/Pulumi.dev.yaml: ok" in result.stdout


@pytest.mark.parametrize(
    "now", ["2026-11-25 09:30:00Z", "2026-11-25t09:30:00z", "2026-11-25 10:30:00.5+01:00"]
)
def test_8_breeze_now_takes_rfc3339_as_pulumi_does(root: Path, now: str, cli: CliRun) -> None:
    result = cli("manifest", "--stack", "dev", env={"BREEZE_NOW": now}, cwd=root)
    assert result.returncode == 0, result.stderr


def test_8_yaml_merge_keys_and_hex_are_read_as_pulumi_reads_them(root: Path, cli: CliRun) -> None:
    (root / STACK).write_text(stack_yaml("  breeze-infra:token:", "    <<: {rotationDays: 0x1E}"))
    result = cli("validate", "--stack", "dev", cwd=root)
    assert result.returncode == 0, result.stderr


def test_8_the_production_ip_rule_takes_a_slash_zero_for_no_allow_list() -> None:
    from breeze_guardrails.facts import ACCOUNT_TOKEN
    from breeze_guardrails.rules import prod_ip_allow_list

    def props(*cidrs: str) -> dict[str, object]:
        return {"condition": {"requestIp": {"ins": list(cidrs)}}}

    assert prod_ip_allow_list(ACCOUNT_TOKEN, props("0.0.0.0/0"), "prod")
    assert prod_ip_allow_list(ACCOUNT_TOKEN, props("192.0.2.0/24", "::/0"), "prod")
    assert prod_ip_allow_list(ACCOUNT_TOKEN, props("not a network"), "prod")
    assert not prod_ip_allow_list(ACCOUNT_TOKEN, props("192.0.2.0/24"), "prod")


@pytest.mark.parametrize("case", LAX_TYPES[-3:], ids=lambda case: case.id)
def test_20_config_json_problems_still_print_the_json_document(
    case: Case, cli: CliRun, tmp_path: Path
) -> None:
    """``--config-json`` with NaN or 1e400 used to exit 1 with no ``--json`` document."""
    root = project(tmp_path, case)
    result = cli(*case.args, "--json", cwd=root)
    assert_kept_promise(result, 2)
    document = json.loads(result.stdout)
    assert document["exitCode"] == 2
    assert [f["message"] for f in document["findings"]] == [case.expect]


def test_20_gateway_null_is_off_as_the_schema_allows(root: Path, cli: CliRun) -> None:
    """Issue 20, G: the schema allowed `gateway: null` and validate refused it, naming a class."""
    (root / STACK).write_text(stack_yaml("  breeze-infra:gateway: null"))
    result = cli("validate", "--stack", "dev", cwd=root)
    assert result.returncode == 0, result.stderr
    synth = cli("synth", "--stack", "dev", cwd=root)
    assert synth.returncode == 0, synth.stderr
    assert "AiGateway" not in synth.stdout
