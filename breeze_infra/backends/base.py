"""What every secrets backend entry shares: how it is validated, installed and handed its values.

Entries are validated offline with the rest of the stack config, so this module and the entry
modules import neither Pulumi nor any provider SDK at import time; ``write`` imports its SDK when a
stack actually uses the backend.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, field_validator
from pydantic.alias_generators import to_camel

from breeze_infra.fields import refuse_tokens

if TYPE_CHECKING:
    import pulumi

    from breeze_infra.project import Install

API_KEY = "apiKey"
BASE_URL = "baseUrl"
CARD = "card"
"""The setup card's name beside the key: Vault's field, and Kubernetes' annotation
``breeze-infra/card``."""


@dataclass(frozen=True)
class Delivery:
    """The values a backend writes, already secret where they carry the key, so that no backend
    can forget to wrap them. ``document`` is the JSON ``{"baseUrl", "apiKey"}`` that most stores
    hold. ``name`` is the entry's resource-name prefix: it derives from where the entry writes,
    never from the key or the token, so a rotation updates the same resources.
    """

    stack: str
    base_url: str
    api_key: pulumi.Output[str]
    document: pulumi.Output[str]
    name: str
    opts: pulumi.ResourceOptions
    note: str | None = None
    """The person's setup card (Markdown), for backends that keep a note beside the key
    (1Password: the item's note; Vault: a ``card`` field; Kubernetes: an annotation). Never
    holds the key."""


class Entry(BaseModel):
    """One item of ``breeze-infra:secrets``."""

    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, frozen=True, coerce_numbers_to_str=True
    )

    package: ClassVar[str | None] = None
    """The provider SDK's import name."""
    distribution: ClassVar[str] = ""
    requirement: ClassVar[str] = ""
    """The SDK with the versions the tests ran against, as ``uv add`` takes it."""
    registers: ClassVar[bool] = True
    """Whether ``write`` registers resources (every backend but the stack's own outputs)."""
    identity: ClassVar[tuple[str, ...]] = ()
    """The fields that say where the entry writes: two entries with equal ones collide."""

    backend: str

    @field_validator("*")
    @classmethod
    def _no_tokens(cls, value: Any) -> Any:
        return refuse_tokens(value)

    def missing_sdk(self, install: Install | None) -> str | None:
        """Why this backend's SDK would be missing when the program runs, with the command
        that fixes it; None when it would be there.

        Where Pulumi's install is a plain ``uv sync`` (``toolchain: uv`` and a pyproject.toml
        beside Pulumi.yaml, as in this repository and its copies), what it installs counts, and
        ``uv add`` is the fix, into the ``backends`` group where ``uv sync`` installs that group,
        else into the project's dependencies. Otherwise (a pip or Poetry toolchain, or
        breeze_infra used as a component by another program) what this Python can import
        counts, and the fix is named for both installers.
        """
        if not self.package:
            return None
        needs = f"backend '{self.backend}' needs {self.distribution}"
        if install is not None:
            if install.provides(self.distribution):
                return None
            group = "--group backends " if "backends" in install.groups else ""
            return (
                f"{needs}, which `uv sync` does not install here: "
                f"run `uv add {group}'{self.requirement}'`"
            )
        if find_spec(self.package) is not None:
            return None
        return (
            f"{needs}, which is not installed where the program runs: run "
            f"`uv add '{self.requirement}'` in a uv project, else `pip install '{self.requirement}'`"
        )

    @property
    def location(self) -> tuple[str | None, ...]:
        return tuple(getattr(self, name) for name in self.identity)

    @property
    def target(self) -> str:
        """Where the entry writes, as a readable, stable suffix for resource names."""
        return "/".join(part for part in self.location if part)

    def reference(self, stack: str) -> str:
        """Where a reader finds the key (the manifest's ``apiKeyRef``); never the key itself."""
        raise NotImplementedError

    def where(self, stack: str, consumer: str | None = None) -> str:
        """Where a person finds the key, in the words of the backend's own console or CLI; one
        line, never the key. Setup cards and reminders print it."""
        raise NotImplementedError

    def write(self, delivery: Delivery) -> dict[str, Any]:
        """Register the resources that hold the values; return the stack outputs it adds."""
        raise NotImplementedError


def missing_sdks(
    keyed: Iterable[tuple[str, Entry]], install: Install | None
) -> list[tuple[str, str]]:
    """Each SDK the entries need and the install lacks, once (one install fixes it), at the
    first key that names its backend: ``(key, message)`` in the order given."""
    problems: list[tuple[str, str]] = []
    seen: set[str] = set()
    for key, entry in keyed:
        message = None if entry.distribution in seen else entry.missing_sdk(install)
        if message is not None:
            seen.add(entry.distribution)
            problems.append((key, message))
    return problems
