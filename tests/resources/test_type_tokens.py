"""Every component's type token, pinned.

A type token is part of each resource's URN: renamed, every stack's components and their
children would be read as new resources, deleted and created again, tokens included. A change
here is a migration (aliases), never a rename in passing.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from breeze_infra.resources.delivery import TYPE_DELIVERY, SecretsDelivery
from breeze_infra.resources.gateway import TYPE_GATEWAY, WorkersAiGateway
from breeze_infra.resources.token import TYPE_TOKEN, WorkersAiToken
from breeze_infra.sandbox.mocks import SynthResult
from tests.conftest import ROOT, minimal_values

PINNED = {
    "breeze:index:WorkersAiToken": WorkersAiToken,
    "breeze:index:SecretsDelivery": SecretsDelivery,
    "breeze:index:WorkersAiGateway": WorkersAiGateway,
}
VAULT = {"backend": "vault", "mount": "kv", "path": "breeze/{stack}/{consumer}"}
Synth = Callable[..., SynthResult]


def test_the_type_tokens_are_the_pinned_ones() -> None:
    assert {TYPE_TOKEN, TYPE_DELIVERY, TYPE_GATEWAY} == set(PINNED)


def test_no_module_declares_a_component_type_outside_the_pinned_ones() -> None:
    declared = {
        token
        for path in (ROOT / "breeze_infra").rglob("*.py")
        for token in re.findall(r"breeze:index:[A-Za-z]+", path.read_text(encoding="utf-8"))
    }
    assert declared <= set(PINNED)


def test_a_stack_using_every_component_registers_each_under_its_token(synth: Synth) -> None:
    values = minimal_values(
        gateway={"perConsumer": True},
        consumers=[{"name": "alice"}, {"name": "bob"}],
        secrets=[VAULT],
    )
    result = synth(values)
    registered = {r.type for r in result.components}
    assert registered == set(PINNED)


def test_every_provider_resource_is_the_child_of_a_component(synth: Synth) -> None:
    values = minimal_values(gateway={}, consumers=[{"name": "alice"}], secrets=[VAULT])
    result = synth(values)
    types = {r.urn: r.type for r in result.registrations}
    for registration in result.registrations:
        if registration.type.startswith("breeze:"):
            continue
        assert types.get(registration.parent) in PINNED, registration.urn
