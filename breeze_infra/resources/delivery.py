"""The Pulumi side of the backends: where each entry's ``write`` runs.

Every backend's resources are children of one ``breeze:index:SecretsDelivery`` component per
consumer; a consumer whose only backend is the stack's own outputs registers no component at all
(``deliver``). Resource names derive from where each entry writes, never from the key, the token
or the entry's position: a rotation updates the same resources, and reordering entries changes
nothing. The base URL is an argument, not derived from the token: a gateway in front of Workers AI
has a URL of its own.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import pulumi
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from breeze_infra.backends import SecretsEntries, missing_sdks
from breeze_infra.backends.base import API_KEY, BASE_URL, Delivery, Entry
from breeze_infra.backends.pulumi_stack import PulumiStackEntry
from breeze_infra.fields import Matches
from breeze_infra.messages import short
from breeze_infra.resources.args import ArgsError, PlainText, StackName, checked

TYPE_DELIVERY = "breeze:index:SecretsDelivery"


@dataclass(frozen=True)
class SecretsDeliveryArgs:
    """Where the base URL and the key go: entries as in ``breeze-infra:secrets``.

    An entry is a mapping as the stack file holds it (``{"backend": "vault", "mount": ...}``) or
    an entry model; either way it is validated by the same rules, its SDK's presence included.
    """

    api_key: pulumi.Input[str]
    base_url: str
    secrets: Sequence[Entry | Mapping[str, Any]] = (PulumiStackEntry(),)
    stack: str | None = None
    """Fills references such as ``pulumi-stack://<project>/<stack>/...``; default
    ``pulumi.get_stack()``."""
    note: str | None = None
    """Text kept beside the key where a backend can hold a note (the setup card); never a key."""


def _key(value: Any) -> Any:
    """The key as text or a Pulumi output of it; never quoted back, whatever it is."""
    if (isinstance(value, str) and value.strip()) or isinstance(value, pulumi.Output):
        return value
    if inspect.isawaitable(value):
        return value
    raise ValueError("expected the key as non-empty text or a pulumi.Output such as token.value")


BaseUrl = Annotated[
    PlainText,
    Matches(
        r"https?://[^\s/?#]+(?:/\S*)?",
        "an http(s) URL such as workers_ai_base_url(account_id) or a gateway's",
    ),
]


class _CheckedArgs(BaseModel):
    """``SecretsDeliveryArgs`` as the stack file's rules and Pulumi's take them, Python's types
    strictly (``resources.args``)."""

    model_config = ConfigDict(strict=True, frozen=True, arbitrary_types_allowed=True)

    api_key: Annotated[Any, AfterValidator(_key)]
    base_url: BaseUrl
    secrets: SecretsEntries = Field(min_length=1)
    stack: StackName
    note: PlainText | None = None


def check_args(name: str, args: SecretsDeliveryArgs, opts: object = None) -> _CheckedArgs:
    """The args as the stack file's entries would be validated, each backend's SDK importable
    (the component runs in the very Python that deploys, whatever installed it); ArgsError
    otherwise."""
    checked_args = checked(
        "SecretsDelivery",
        name,
        args,
        SecretsDeliveryArgs,
        _CheckedArgs,
        {"stack": pulumi.get_stack()},
        opts,
    )
    keyed = [(f"secrets[{i}].backend", entry) for i, entry in enumerate(checked_args.secrets)]
    missing = missing_sdks(keyed, None)
    if missing:
        source = f"SecretsDelivery '{short(name)}'"
        raise ArgsError("\n".join(f"{source}: {key}: {message}" for key, message in missing))
    return checked_args


class SecretsDelivery(pulumi.ComponentResource):
    """The base URL and the secret key written to every entry, under one parent.

    ``stack_outputs`` holds what entries that write nothing themselves (``pulumi-stack``) leave
    for the program to export; ``api_key_refs`` says where each entry keeps the key, primary first.
    """

    api_key_refs: pulumi.Output[list[str]]
    references: list[str]
    stack_outputs: dict[str, Any]

    def __init__(
        self, name: str, args: SecretsDeliveryArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        checked_args = check_args(name, args, opts)
        entries, stack = checked_args.secrets, checked_args.stack
        super().__init__(TYPE_DELIVERY, name, None, opts)
        self.stack_outputs = _write(
            entries,
            stack,
            checked_args.base_url,
            checked_args.api_key,
            name,
            self,
            checked_args.note,
        )
        self.references = [_reference(entry, stack) for entry in entries]
        self.api_key_refs = pulumi.Output.from_input(self.references)
        self.register_outputs({"apiKeyRefs": self.references})


def _reference(entry: Entry, stack: str) -> str:
    if isinstance(entry, PulumiStackEntry):
        return entry.reference(stack, pulumi.get_project())
    return entry.reference(stack)


@dataclass(frozen=True)
class Delivered:
    references: list[str]
    """Each entry's reference, primary first: the first is the manifest's ``apiKeyRef``."""
    stack_outputs: dict[str, Any]


def deliver(
    entries: Sequence[Entry],
    stack: str,
    base_url: str,
    api_key: pulumi.Input[str],
    name: str = "secrets",
    note: str | None = None,
) -> Delivered:
    """A ``SecretsDelivery`` when some entry registers resources; none when the key only goes to
    the stack's outputs, so such a stack holds nothing but its tokens."""
    if any(entry.registers for entry in entries):
        component = SecretsDelivery(
            name, SecretsDeliveryArgs(api_key, base_url, tuple(entries), stack, note)
        )
        return Delivered(component.references, component.stack_outputs)
    outputs = _write(entries, stack, base_url, api_key, name, None)
    return Delivered([_reference(entry, stack) for entry in entries], outputs)


def _write(
    entries: Sequence[Entry],
    stack: str,
    base_url: str,
    api_key: pulumi.Input[str],
    name: str,
    parent: pulumi.Resource | None,
    note: str | None = None,
) -> dict[str, Any]:
    key: pulumi.Output[str] = pulumi.Output.secret(api_key)
    document: pulumi.Output[str] = pulumi.Output.secret(
        key.apply(lambda value: json.dumps({BASE_URL: base_url, API_KEY: value}))
    )
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
            note=note,
        )
        outputs.update(entry.write(delivery))
    return outputs
