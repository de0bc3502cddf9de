"""1Password: an item whose URL is the base URL and whose password is the key.

Reference: ``op://<vault>/<title>/password`` (1Password's own secret reference; ``op read`` takes
it). The vault is given by its id, which is what the provider needs and what ``op`` also accepts.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field

from breeze_infra.backends.base import Delivery, Entry
from breeze_infra.fields import TemplateMatches

VaultId = Annotated[
    str, TemplateMatches(r"[a-z0-9]{26}", "a 1Password vault id (26 lowercase letters and digits)")
]
Title = Annotated[
    str,
    TemplateMatches(
        r"[A-Za-z0-9_.-]([A-Za-z0-9 _.-]{0,98}[A-Za-z0-9_.-])?",
        "an item title usable in op:// references (letters, digits, spaces, '_', '.', '-')",
    ),
]


class OnePasswordEntry(Entry):
    """A 1Password item: URL = base URL, password = key."""

    package: ClassVar[str | None] = "pulumi_onepassword"
    distribution: ClassVar[str] = "pulumi-onepassword"
    requirement: ClassVar[str] = "pulumi-onepassword==1.1.3"
    identity: ClassVar[tuple[str, ...]] = ("vault", "title")

    backend: Literal["onepassword"]
    vault: VaultId = Field(description="Id of the vault (`op vault list`).")
    title: Title | None = Field(
        None, description="Item title; default 'Cloudflare Workers AI <stack>'."
    )

    def item_title(self, stack: str) -> str:
        return self.title or f"Cloudflare Workers AI {stack}"

    def reference(self, stack: str) -> str:
        return f"op://{self.vault}/{self.item_title(stack)}/password"

    def where(self, stack: str, consumer: str | None = None) -> str:
        return (
            f"1Password: vault {self.vault}, item '{self.item_title(stack)}', field 'password' "
            f"(op read '{self.reference(stack)}')"
        )

    def write(self, delivery: Delivery) -> dict[str, Any]:
        import pulumi_onepassword as onepassword

        onepassword.Item(
            delivery.name,
            vault=self.vault,
            title=self.item_title(delivery.stack),
            category="password",
            url=delivery.base_url,
            password=delivery.api_key,
            note_value=delivery.note,
            opts=delivery.opts,
        )
        return {}
