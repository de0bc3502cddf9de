"""The whole program for one environment: outputs, secrecy of the key, and config errors."""

from __future__ import annotations

import json
from collections.abc import Callable

import pulumi
import pytest

from breeze_infra.rotation import plan_rotation, timestamp
from breeze_infra.sandbox.mocks import (
    FakeCloudflare,
    SynthResult,
    redact,
    synthesize,
)
from tests.conftest import (
    ACCOUNT_ID,
    EXAMPLE_STACKS,
    NOW,
    example_values,
    minimal_values,
)

Synth = Callable[..., SynthResult]


def test_outputs_name_the_endpoint_the_key_and_the_token(synth: Synth) -> None:
    result = synth(minimal_values(token={"rotationDays": 7}))
    plan = plan_rotation(NOW, 7)
    outputs = result.outputs
    assert outputs["baseUrl"] == f"https://api.cloudflare.com/client/v4/accounts/{ACCOUNT_ID}/ai/v1"
    assert outputs["apiKey"] == result.issued[f"workers-ai-slot-{plan.current.name}"]
    assert outputs["apiKey"].startswith("cfat_")
    assert outputs["expiresOn"] == timestamp(plan.current.expires_on)
    assert outputs["tokenName"] == f"breeze-infra dev slot-{plan.current.name} w{plan.window} g0"
    assert outputs["apiKeyRef"] == "pulumi-stack://breeze-infra/dev/outputs/apiKey"
    assert outputs["manifest"]["credentials"][0]["apiKeyRef"] == outputs["apiKeyRef"]
    assert outputs["tokenId"]


def test_the_api_key_output_is_a_pulumi_secret(synth: Synth) -> None:
    result = synth(minimal_values())
    assert result.secret_outputs == {"apiKey"}


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_the_key_is_never_in_plaintext_outside_a_secret(synth: Synth, stack: str) -> None:
    result = synth(example_values(stack), stack=stack)
    known = set(result.issued.values())
    assert len(known) == 2
    visible = json.dumps(
        {
            "inputs": [redact(r.inputs) for r in result.registrations],
            "outputs": result.redacted_outputs(),
        }
    )
    assert not any(value in visible for value in known)


def test_invalid_config_stops_before_any_resource_with_validates_words() -> None:
    fake = FakeCloudflare()
    with pytest.raises(pulumi.RunError) as caught:
        synthesize("nofile", minimal_values(models=[{"id": "llama"}], colour="blue"), NOW, fake)
    assert str(caught.value).splitlines() == [
        "stack 'nofile': breeze-infra:models[0].id: 'llama' is not a Workers AI model id; "
        "expected @cf/<author>/<model> or @hf/<author>/<model>",
        "stack 'nofile': breeze-infra:colour: unknown key (a typo?)",
    ]
    assert fake.created == []
    assert fake.lookups == []


def test_errors_name_the_stack_file_when_there_is_one() -> None:
    with pytest.raises(pulumi.RunError, match=r"^stacks/Pulumi.dev.yaml: breeze-infra:accountId: "):
        synthesize("dev", minimal_values(accountId="x"), NOW)


def test_secret_config_values_are_refused_without_being_shown() -> None:
    fake = FakeCloudflare()
    values = minimal_values(credentialName="cfat_" + "S" * 40)
    with pytest.raises(pulumi.RunError) as caught:
        synthesize("nofile", values, NOW, fake, secret_keys=["credentialName"])
    assert str(caught.value) == (
        "stack 'nofile': breeze-infra:credentialName: is an encrypted (secure) value; "
        "breeze-infra settings are not secret, set it in plain text"
    )
    assert fake.created == []


def test_token_names_carry_the_project_name_and_stay_the_same_for_breeze_infra() -> None:
    """Two projects' ``dev`` tokens are told apart; a project named breeze-infra keeps the names
    its deployed tokens have (a new name would replace them)."""
    from breeze_infra.sandbox.mocks import synthesize
    from tests.conftest import NOW, minimal_values

    def names(project: str) -> list[str]:
        result = synthesize("dev", minimal_values(), NOW, project=project)
        return sorted(
            r.inputs["name"] for r in result.registrations if r.type.endswith("AccountToken")
        )

    ours, theirs = names("breeze-infra"), names("acme-ai")
    assert ours == ["breeze-infra dev slot-a w692 g0", "breeze-infra dev slot-b w691 g0"]
    assert theirs == [name.replace("breeze-infra ", "acme-ai ", 1) for name in ours]
