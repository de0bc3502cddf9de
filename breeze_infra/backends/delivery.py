"""The Pulumi side of the backends: where each entry's ``write`` runs.

Every backend's resources are children of one ``breeze:index:SecretsDelivery`` component per
consumer; a consumer whose only backend is the stack's own outputs registers no component at all. Resource names derive from where each entry writes,
never from the key, the token or the entry's position: a rotation updates the same resources,
and reordering entries changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

from breeze_infra.backends.base import API_KEY, BASE_URL, Delivery, Entry

TYPE_DELIVERY = "breeze:index:SecretsDelivery"


class SecretsDelivery(pulumi.ComponentResource):
    """The parent of every backend resource."""

    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE_DELIVERY, name, None, opts)


@dataclass(frozen=True)
class Delivered:
    references: list[str]
    """Each entry's reference, primary first: the first is the manifest's ``apiKeyRef``."""
    stack_outputs: dict[str, Any]


def deliver(
    entries: Sequence[Entry],
    stack: str,
    base_url: str,
    api_key: pulumi.Output[str],
    name: str = "secrets",
) -> Delivered:
    """Write ``base_url`` and the secret ``api_key`` to every entry."""
    key: pulumi.Output[str] = pulumi.Output.secret(api_key)
    document: pulumi.Output[str] = pulumi.Output.secret(
        key.apply(lambda value: json.dumps({BASE_URL: base_url, API_KEY: value}))
    )
    parent = SecretsDelivery(name) if any(entry.registers for entry in entries) else None
    outputs: dict[str, Any] = {}
    for entry in entries:
        suffix = f"-{entry.target}" if entry.target else ""
        delivery = Delivery(
            stack=stack,
            base_url=base_url,
            api_key=key,
            document=document,
            name=f"{name}-{entry.backend}{suffix}",
            opts=pulumi.ResourceOptions(parent=parent),
        )
        outputs.update(entry.write(delivery))
    references = [entry.reference(stack) for entry in entries]
    if parent is not None:
        parent.register_outputs({"apiKeyRefs": references})
    return Delivered(references, outputs)
