"""HashiCorp Vault (or OpenBao): one KV v2 secret holding ``baseUrl`` and ``apiKey``.

Reference: ``vault:<mount>/<path>#apiKey``, plus ``?namespace=<namespace>`` before the ``#`` when a
namespace is set; ``vault kv get -mount=<mount> -field=apiKey <path>`` reads it.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, field_validator

from breeze_infra.backends.base import API_KEY, BASE_URL, CARD, Delivery, Entry
from breeze_infra.fields import TemplateMatches

VaultPath = Annotated[
    str,
    TemplateMatches(
        r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+){0,15}",
        "a Vault path (segments of letters, digits, '_', '.', '-' joined by '/')",
    ),
]


class VaultEntry(Entry):
    """One KV v2 secret in Vault holding baseUrl and apiKey."""

    package: ClassVar[str | None] = "pulumi_vault"
    distribution: ClassVar[str] = "pulumi-vault"
    requirement: ClassVar[str] = "pulumi-vault>=7.14,<8"
    identity: ClassVar[tuple[str, ...]] = ("namespace", "mount", "path")

    backend: Literal["vault"]
    mount: VaultPath = Field(description="Mount path of the KV v2 secrets engine, e.g. 'secret'.")
    path: VaultPath = Field(
        description="Secret path under the mount, without the 'data/' prefix, e.g. 'breeze/prod'."
    )
    namespace: VaultPath | None = Field(
        None, description="Vault Enterprise / HCP Vault namespace, e.g. 'admin/team'."
    )

    @field_validator("path")
    @classmethod
    def _no_api_prefix(cls, value: str) -> str:
        if value.startswith(("data/", "metadata/")):
            raise ValueError(
                f"'{value}' starts with an API prefix; give the path as `vault kv get` takes it "
                f"('{value.split('/', 1)[1]}')"
            )
        return value

    def reference(self, stack: str) -> str:
        query = f"?namespace={self.namespace}" if self.namespace else ""
        return f"vault:{self.mount}/{self.path}{query}#{API_KEY}"

    def where(self, stack: str, consumer: str | None = None) -> str:
        namespace = f"namespace {self.namespace}, " if self.namespace else ""
        return (
            f"Vault: {namespace}mount {self.mount}, path {self.path}, key {API_KEY} "
            f"(vault kv get -mount={self.mount} -field={API_KEY} {self.path})"
        )

    def write(self, delivery: Delivery) -> dict[str, Any]:
        import pulumi
        from pulumi_vault import kv

        document = delivery.document
        if delivery.note is not None:
            note = delivery.note
            document = pulumi.Output.secret(
                delivery.api_key.apply(
                    lambda key: json.dumps({BASE_URL: delivery.base_url, API_KEY: key, CARD: note})
                )
            )
        kv.SecretV2(
            delivery.name,
            mount=self.mount,
            name=self.path,
            namespace=self.namespace,
            data_json=document,
            opts=delivery.opts,
        )
        return {}
