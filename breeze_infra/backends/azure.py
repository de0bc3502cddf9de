"""Azure Key Vault: one secret holding ``{"baseUrl", "apiKey"}`` as JSON.

Reference: the secret's URI, ``https://<vaultName>.vault.azure.net/secrets/<secretName>#apiKey``
(public Azure cloud). A rotation writes a new version of the same secret.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field

from breeze_infra.backends.base import API_KEY, Delivery, Entry
from breeze_infra.fields import TemplateMatches

VaultName = Annotated[
    str,
    TemplateMatches(
        r"(?!.*--)[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]",
        "a Key Vault name (3-24 letters, digits and single hyphens, starting with a letter)",
    ),
]
ResourceGroup = Annotated[
    str,
    TemplateMatches(
        r"[-\w.()]{0,89}[-\w()]", "a resource group name (letters, digits, -_.(), no final .)"
    ),
]
SecretName = Annotated[
    str, TemplateMatches(r"[A-Za-z0-9-]{1,127}", "a Key Vault secret name (letters, digits and -)")
]


class AzureKeyVaultEntry(Entry):
    """An Azure Key Vault secret holding the JSON {"baseUrl", "apiKey"}."""

    package: ClassVar[str | None] = "pulumi_azure_native"
    distribution: ClassVar[str] = "pulumi-azure-native"
    requirement: ClassVar[str] = "pulumi-azure-native>=3.29,<4"
    identity: ClassVar[tuple[str, ...]] = ("vault_name", "secret_name")

    backend: Literal["azure-key-vault"]
    vault_name: VaultName = Field(description="Name of an existing Key Vault.")
    resource_group: ResourceGroup = Field(description="Resource group of the Key Vault.")
    secret_name: SecretName = Field(description="Secret name, e.g. 'workers-ai-prod'.")

    def reference(self, stack: str) -> str:
        return f"https://{self.vault_name}.vault.azure.net/secrets/{self.secret_name}#{API_KEY}"

    def where(self, stack: str, consumer: str | None = None) -> str:
        return (
            f"Azure Key Vault: vault {self.vault_name}, secret {self.secret_name}, "
            f"JSON key {API_KEY}"
        )

    def write(self, delivery: Delivery) -> dict[str, Any]:
        from pulumi_azure_native import keyvault

        keyvault.Secret(
            delivery.name,
            resource_group_name=self.resource_group,
            vault_name=self.vault_name,
            secret_name=self.secret_name,
            properties=keyvault.SecretPropertiesArgs(
                value=delivery.document, content_type="application/json"
            ),
            opts=delivery.opts,
        )
        return {}
