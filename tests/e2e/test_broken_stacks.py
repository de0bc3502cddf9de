"""A corpus of stack files: ``breeze-infra validate`` and the real ``pulumi preview`` agree.

On each, both reject naming the same key, or both accept. The offline validator is what the README
tells users to run before ``pulumi up``; a stack it passes that the engine refuses (or the other
way round) is a broken promise.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import ACCOUNT_ID, Sandbox

MODELS = '  breeze-infra:models:\n    - id: "@cf/meta/llama-3.1-8b-instruct"\n'
ACCOUNT = f"  breeze-infra:accountId: {ACCOUNT_ID}\n"

CORPUS: dict[str, tuple[str, str | None]] = {
    # name: (config lines, key both must name; None = both accept)
    "no-account": (MODELS, "breeze-infra:accountId"),
    "short-account": ("  breeze-infra:accountId: 0123abcd\n" + MODELS, "breeze-infra:accountId"),
    "no-models": (ACCOUNT + "  breeze-infra:models: []\n", "breeze-infra:models"),
    "typo-key": (
        ACCOUNT + MODELS + "  breeze-infra:rotationDays: 7\n",
        "breeze-infra:rotationDays",
    ),
    "zero-days": (
        ACCOUNT + MODELS + "  breeze-infra:token:\n    rotationDays: 0\n",
        "breeze-infra:token.rotationDays",
    ),
    "admin-permission": (
        ACCOUNT + MODELS + "  breeze-infra:token:\n    permissions: [admin]\n",
        "breeze-infra:token.permissions",
    ),
    "bad-cidr": (
        ACCOUNT + MODELS + "  breeze-infra:token:\n    allowedCidrs: [203.0.113.0/33]\n",
        "breeze-infra:token.allowedCidrs",
    ),
    "numbers-as-text": (
        ACCOUNT + MODELS + '  breeze-infra:token:\n    rotationDays: "7"\n    generation: "2"\n',
        None,
    ),
    "valid-write": (
        ACCOUNT + MODELS + "  breeze-infra:token:\n    permissions: [read, write]\n",
        None,
    ),
}


def _first_line_naming(text: str, key: str) -> str | None:
    return next((line for line in text.splitlines() if key in line), None)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_validate_and_the_engine_agree(installed: Sandbox, name: str) -> None:
    lines, key = CORPUS[name]
    stack = f"corpus-{name}"
    path = installed.project / "stacks" / f"Pulumi.{stack}.yaml"
    path.write_text("config:\n" + lines, encoding="utf-8")
    validate = installed.cli("validate", "--stack", stack, check=False)
    installed.pulumi_cmd("stack", "init", stack)
    preview = installed.pulumi_cmd("preview", "--stack", stack, check=False)
    engine_text = preview.stdout + preview.stderr
    validate_text = validate.stdout + validate.stderr
    if key is None:
        assert validate.returncode == 0, validate_text
        assert preview.returncode == 0, engine_text
        return
    assert validate.returncode != 0, f"validate accepted {name}"
    assert preview.returncode != 0, f"the engine accepted {name}:\n{engine_text}"
    said = _first_line_naming(validate_text, key)
    assert said is not None, validate_text
    assert key in engine_text, engine_text
    # The program reports the validator's own message, not a traceback. (Quoting of the value
    # may differ: validate shows rotationDays: 0 as "0", the program, given JSON, as 0.)
    message = re.sub(r"^.*?" + re.escape(key) + r":\s*", "", said)
    assert message.split(";")[0].split(" (got")[0] in engine_text, (said, engine_text)
    assert "Traceback" not in engine_text
