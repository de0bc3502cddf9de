"""Issue 20, C (and issue 9, 7): no value from outside forges an output line.

A newline, a terminal escape or a workflow command in a value, an argument or Cloudflare's own
answer stays inside its line, escaped, and no line starts ``::``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from breeze_infra.sandbox.emulator import CloudflareEmulator, Fault, TokenInfo
from tests.conftest import ACCOUNT_ID, CliRun
from tests.hostile._harness import (
    CJ,
    CONFIG_JSON,
    MODEL,
    OUT,
    PYTHON_LEAK,
    RESOLVED,
    VALIDATE,
    Case,
    c,
    config_json,
    consumer_outputs,
    manifest_json,
    models_yaml,
    run_case,
    stack_yaml,
)
from tests.online_cli import OnlineCli

MESSAGES = [  # 7. messages cannot be turned against CI
    c(
        "newline-in-a-consumer-argument",
        "manifest",
        "--stack",
        "dev",
        "--consumer",
        "a\n::error::x",
        expect="no active consumer 'a\\n::error::x'",
        names="consumer",
    ),
    c(
        "newline-in-an-outputs-file-name",
        "manifest",
        "--from-outputs",
        "gone\n::error::x",
        expect="gone\\n::error::x: cannot be read",
        names="gone",
    ),
    c(
        "newline-in-an-outputs-consumer-key",
        "manifest",
        "--from-outputs",
        OUT,
        "--all-consumers",
        "-o",
        "out",
        expect="outputs.json: consumers.a\\n::error::x.manifest.environment: Input should be",
        files={
            OUT: consumer_outputs({"a\n::error::x": manifest_json(1, "x")}),
            "out/.keep": "",
        },
    ),
    c(
        "newline-and-workflow-command-in-a-key",
        *VALIDATE,
        expect="config: 'breeze-infra:x\\n::error title=forged::pwned': Pulumi cannot read this key",
        stack=stack_yaml('  "breeze-infra:x\\n::error title=forged::pwned": 1'),
    ),
    c(
        "terminal-escape-in-an-account-id",
        *VALIDATE,
        expect="breeze-infra:accountId: '\\x1b[2J\\x1b[31mok' is not a Cloudflare account id",
        stack=stack_yaml('  breeze-infra:accountId: "\\e[2J\\e[31mok"').replace(
            f"  breeze-infra:accountId: {ACCOUNT_ID}\n", "", 1
        ),
    ),
    c(
        "right-to-left-override-in-a-display-name",
        *VALIDATE,
        expect="holds the control or format character U+202E",
        stack=stack_yaml(models=models_yaml("Llama\u202egnp.exe")),
    ),
    c(
        "carriage-return-in-a-stack-name",
        "validate",
        "--stack",
        "dev\r::error::x",
        expect="stack 'dev\\r::error::x': not a stack name Pulumi accepts",
        names="stack",
    ),
]


FORGED_LINES = [  # issue 20, C: a newline in any value never starts a second line
    c(
        "newline-in-a-config-json-key",
        *CONFIG_JSON,
        expect="c.json: breeze-infra:x\\n::error::y: unknown key",
        files=config_json(f'{{{RESOLVED}, "breeze-infra:x\\n::error::y": {{"value": "1"}}}}'),
        names=CJ,
    ),
    c(
        "newline-in-a-config-json-account-id",
        *CONFIG_JSON,
        expect="breeze-infra:accountId: '0123\\n::error::z' is not a Cloudflare account id",
        files=config_json(
            '{"breeze-infra:accountId": {"value": "0123\\n::error::z"}, '
            f'"breeze-infra:models": {{"objectValue": [{{"id": "{MODEL}"}}]}}}}'
        ),
        names=CJ,
    ),
]


TABLE = [
    *(pytest.param(case, id=f"7-messages-{case.id}") for case in MESSAGES),
    *(pytest.param(case, id=f"20C-forged-{case.id}") for case in FORGED_LINES),
]


@pytest.mark.parametrize("case", TABLE)
def test_hostile_input(case: Case, cli: CliRun, tmp_path: Path) -> None:
    run_case(case, cli, tmp_path)


# 7. Cloudflare's answers are untrusted too: what doctor and validate --online echo of them.

BOOT = "cfat_HOSTILEbootstrap7d1f0c2a9b8e4d6f1a3c5e7b9d0f2a4"
KEY = "cfat_HOSTILEdeployed3c5e7b9d0f2a4c7d1f0c2a9b8e4d6f1"
FORGED = f"line one\n::error title=forged::pwned \x1b[2J\u202e {KEY}"


@pytest.fixture
def emulator_tokens() -> list[TokenInfo]:
    return [TokenInfo(BOOT), TokenInfo(KEY)]


def test_7_cloudflare_messages_are_escaped_and_masked_on_stdout(
    emu: CloudflareEmulator, stacks_dir: Path
) -> None:
    online = OnlineCli(emu, stacks_dir)
    online.stack("dev")
    emu.inject(
        f"/accounts/{emu.account_id}/ai/", [Fault.status(400, code=5006, message=FORGED)] * 8
    )
    doctor = online("doctor", "--stack", "dev", BREEZE_API_KEY=KEY, CLOUDFLARE_API_TOKEN=BOOT)
    emu.clear_faults()
    emu.inject("/accounts", [Fault.status(400, code=5006, message=FORGED)] * 8)
    validate = online("validate", "--online", "--stack", "dev", CLOUDFLARE_API_TOKEN=BOOT)
    for run in (doctor, validate):
        assert run.returncode in (1, 2)
        text = run.stdout + run.stderr
        assert "line one\\n::error" in text
        assert "\x1b" not in text and "\u202e" not in text
        assert "HOSTILE" not in text
        for line in text.splitlines():
            assert line.isprintable() and not line.startswith("::"), line
        assert not PYTHON_LEAK.search(run.stderr), run.stderr


def test_7_the_filter_holds_a_token_split_across_writes() -> None:
    import io

    from breeze_infra.messages import SafeStream

    sink = io.StringIO()
    stream = SafeStream(sink)
    stream.write("key " + KEY[:10])
    stream.write(KEY[10:] + " \x1b[31m\nnext")
    stream.flush()
    assert KEY not in sink.getvalue()
    assert sink.getvalue().startswith("key [value hidden") and "\\x1b[31m\nnext" in sink.getvalue()
