"""Where the base URL and the key are delivered: ``breeze-infra:secrets``, one entry per backend.

Each entry is a pydantic model with two faces. ``reference(stack)`` is pure and offline: it tells a
reader where the key lives (the manifest's ``apiKeyRef``) without credentials. ``write(delivery)``
runs inside the Pulumi program (see ``delivery.SecretsDelivery``) and registers the backend's
resources. A backend's provider SDK is imported inside its ``write`` only, so a stack pays for the
SDKs it uses and ``breeze-infra manifest`` for none.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Annotated, Any, Union

from pydantic import (
    Field,
    GetJsonSchemaHandler,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    WrapValidator,
)
from pydantic_core import ErrorDetails, InitErrorDetails, PydanticCustomError, core_schema

from breeze_infra.backends.base import Delivery, Entry, missing_sdks
from breeze_infra.backends.pulumi_stack import PulumiStackEntry
from breeze_infra.messages import short

_MODULES: dict[str, tuple[str, str]] = {
    "pulumi-stack": ("pulumi_stack", "PulumiStackEntry"),
    "vault": ("vault", "VaultEntry"),
    "aws-secrets-manager": ("aws", "AwsSecretsManagerEntry"),
    "gcp-secret-manager": ("gcp", "GcpSecretManagerEntry"),
    "azure-key-vault": ("azure", "AzureKeyVaultEntry"),
    "github-actions": ("github", "GitHubActionsEntry"),
    "esc": ("esc", "EscEntry"),
    "onepassword": ("onepassword", "OnePasswordEntry"),
    "kubernetes": ("kubernetes", "KubernetesEntry"),
}
NAMES = tuple(_MODULES)
"""Backend names, in the order of the documentation."""
_FIELD = "secrets"


def entry_class(name: str) -> type[Entry]:
    """The entry model of one backend, its module imported on first use: a stack pays only for
    the entry models it names, which keeps ``breeze-infra manifest`` quick."""
    module, attribute = _MODULES[name]
    entry: type[Entry] = getattr(importlib.import_module(f"{__name__}.{module}"), attribute)
    return entry


def backend_classes() -> dict[str, type[Entry]]:
    """Every backend's entry model (imports them all: for schemas, docs and tests)."""
    return {name: entry_class(name) for name in NAMES}


ENTRY_ERROR_KINDS = frozenset(
    {"entry_type", "backend_missing", "backend_unknown", "duplicate_target"}
)
"""The error kinds the entries' dispatch raises; each message already says what was given, so
whoever words a problem quotes no input after it."""


def _validate_entries(value: Any, handler: Any, info: ValidationInfo) -> Any:
    """Dispatch each entry to its backend's model by its ``backend`` tag, as a discriminated union
    would, with errors located as the user wrote them (``secrets[1].mount``)."""
    if not isinstance(value, list | tuple):
        return handler(value)
    entries: list[Any] = []
    errors: list[InitErrorDetails] = []
    for index, raw in enumerate(value):
        entry = _entry(index, raw, info, errors)
        if entry is not None:
            entries.append(entry)
    if not errors:
        clash = duplicate(entries)
        if clash:
            errors.append(_error((clash[0],), "duplicate_target", clash[1], value[clash[0]]))
    if errors:
        raise ValidationError.from_exception_data(_FIELD, errors)
    return handler(tuple(entries))


def _entry(index: int, raw: Any, info: ValidationInfo, errors: list[InitErrorDetails]) -> Any:
    """One entry validated by its backend's model; None, with ``errors`` told why, if it is not."""
    if isinstance(raw, Entry):
        return raw
    names = ", ".join(NAMES)
    if not isinstance(raw, dict):
        message = f"expected a mapping with a 'backend' key (one of {names})"
        errors.append(_error((index,), "entry_type", message, raw))
        return None
    if "backend" not in raw:
        message = f"required key is missing; one of {names}"
        errors.append(_error((index, "backend"), "backend_missing", message, raw))
        return None
    given = raw["backend"]
    if not isinstance(given, str) or given not in _MODULES:
        shown = f"'{short(given)}'" if isinstance(given, str) else f"a {_kind(given)}"
        message = f"{shown} is not a secrets backend; expected one of {names}"
        errors.append(_error((index, "backend"), "backend_unknown", message, given))
        return None
    try:
        return entry_class(given).model_validate(raw, context=info.context)
    except ValidationError as exc:
        errors.extend(_located(index, error) for error in exc.errors())
        return None


def _error(loc: tuple[str | int, ...], kind: str, message: str, given: Any) -> InitErrorDetails:
    return InitErrorDetails(type=PydanticCustomError(kind, message), loc=loc, input=given)


def _located(index: int, error: ErrorDetails) -> InitErrorDetails:
    """A backend model's error, moved under the entry's index in the list."""
    context = {k: v for k, v in (error.get("ctx") or {}).items() if isinstance(v, int | str)}
    return InitErrorDetails(
        type=PydanticCustomError(error["type"], error["msg"], context or None),
        loc=(index, *error["loc"]),
        input=error.get("input"),
    )


class _EntriesSchema:
    """The published JSON Schema lists every backend's entry, discriminated by ``backend``."""

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        classes = tuple(backend_classes().values())
        union = Annotated[Union[classes], Field(discriminator="backend")]  # type: ignore[valid-type]  # noqa: UP007
        result: dict[str, Any] = handler(TypeAdapter(tuple[union, ...]).core_schema)
        return result


SecretsEntries = Annotated[tuple[Entry, ...], WrapValidator(_validate_entries), _EntriesSchema()]
"""``breeze-infra:secrets`` (and a consumer's ``secrets``): entries, each validated by the model
its ``backend`` names."""


def _kind(value: Any) -> str:
    """How a YAML value that is not a string reads to its author."""
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    return "number" if isinstance(value, int | float) and not isinstance(value, bool) else "value"


def duplicate(entries: Sequence[Entry]) -> tuple[int, str] | None:
    """The first entry that writes where an earlier one does, as (index, message)."""
    seen: dict[tuple[str, tuple[str | None, ...]], int] = {}
    for index, entry in enumerate(entries):
        where = (entry.backend, entry.location)
        if where in seen:
            place = f" '{entry.target}'" if entry.target else ""
            return (
                index,
                f"writes to the same {entry.backend} target{place} as {_FIELD}[{seen[where]}]",
            )
        seen[where] = index
    return None


__all__ = [
    "ENTRY_ERROR_KINDS",
    "NAMES",
    "Delivery",
    "Entry",
    "PulumiStackEntry",
    "SecretsEntries",
    "backend_classes",
    "duplicate",
    "entry_class",
    "missing_sdks",
]
