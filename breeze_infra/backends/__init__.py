"""Where the base URL and the key are delivered: ``breeze-infra:secrets``, one entry per backend.

Each entry is a pydantic model with two faces. ``reference(stack)`` is pure and offline: it tells a
reader where the key lives (the manifest's ``apiKeyRef``) without credentials. ``write(delivery)``
runs inside the Pulumi program (see ``delivery.SecretsDelivery``) and registers the backend's
resources. A backend's provider SDK is imported inside its ``write`` only, so a stack pays for the
SDKs it uses and ``breeze-infra manifest`` for none.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, get_args

from pydantic import Field

from breeze_infra.backends.aws import AwsSecretsManagerEntry
from breeze_infra.backends.azure import AzureKeyVaultEntry
from breeze_infra.backends.base import Delivery, Entry
from breeze_infra.backends.esc import EscEntry
from breeze_infra.backends.gcp import GcpSecretManagerEntry
from breeze_infra.backends.github import GitHubActionsEntry
from breeze_infra.backends.kubernetes import KubernetesEntry
from breeze_infra.backends.onepassword import OnePasswordEntry
from breeze_infra.backends.pulumi_stack import PulumiStackEntry
from breeze_infra.backends.vault import VaultEntry

if TYPE_CHECKING:
    from breeze_infra.config import StackConfig

SecretsEntry = Annotated[
    PulumiStackEntry
    | VaultEntry
    | AwsSecretsManagerEntry
    | GcpSecretManagerEntry
    | AzureKeyVaultEntry
    | GitHubActionsEntry
    | EscEntry
    | OnePasswordEntry
    | KubernetesEntry,
    Field(discriminator="backend"),
]

BACKENDS: dict[str, type[Entry]] = {
    get_args(entry.model_fields["backend"].annotation)[0]: entry
    for entry in (
        PulumiStackEntry,
        VaultEntry,
        AwsSecretsManagerEntry,
        GcpSecretManagerEntry,
        AzureKeyVaultEntry,
        GitHubActionsEntry,
        EscEntry,
        OnePasswordEntry,
        KubernetesEntry,
    )
}
"""Backend name -> entry model, in the order of the documentation."""

_FIELD = "secrets"


def backends_for(config: StackConfig) -> Sequence[Entry]:
    """The stack's backends, primary first."""
    return config.secrets


def duplicate(entries: Sequence[Entry]) -> tuple[str, str] | None:
    """The first entry that writes where an earlier one does, as (key, message)."""
    seen: dict[tuple[str, tuple[str | None, ...]], int] = {}
    for index, entry in enumerate(entries):
        where = (entry.backend, entry.location)
        if where in seen:
            place = f" '{entry.target}'" if entry.target else ""
            return (
                f"[{index}]",
                f"writes to the same {entry.backend} target{place} as {_FIELD}[{seen[where]}]",
            )
        seen[where] = index
    return None


def locate(error: Any) -> tuple[tuple[str | int, ...], str | None]:
    """An entry's error located as the user wrote it, and a message for a bad ``backend`` tag.

    Pydantic puts the union's tag in the location ('secrets', 1, 'vault', 'mount'); the stack
    file says ``secrets[1].mount``.
    """
    full: tuple[str | int, ...] = tuple(error["loc"])
    starts = [i for i in range(len(full) - 1) if full[i] == _FIELD and isinstance(full[i + 1], int)]
    if not starts:
        return full, None
    head, loc = full[: starts[0]], full[starts[0] :]
    if len(loc) > 2 and loc[2] in BACKENDS:
        return (*head, *loc[:2], *loc[3:]), None
    names = ", ".join(BACKENDS)
    if len(loc) == 2 and error["type"] == "model_attributes_type":
        return full, f"expected a mapping with a 'backend' key (one of {names})"
    if error["type"] == "union_tag_not_found":
        return (*full, "backend"), f"required key is missing; one of {names}"
    if error["type"] == "union_tag_invalid":
        tag = error.get("ctx", {}).get("tag")
        return (*full, "backend"), f"'{tag}' is not a secrets backend; expected one of {names}"
    return full, None


__all__ = [
    "BACKENDS",
    "AwsSecretsManagerEntry",
    "AzureKeyVaultEntry",
    "Delivery",
    "Entry",
    "EscEntry",
    "GcpSecretManagerEntry",
    "GitHubActionsEntry",
    "KubernetesEntry",
    "OnePasswordEntry",
    "PulumiStackEntry",
    "SecretsEntry",
    "VaultEntry",
    "backends_for",
    "duplicate",
    "locate",
]
