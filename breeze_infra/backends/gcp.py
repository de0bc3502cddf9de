"""Google Cloud Secret Manager: a secret whose latest version holds ``{"baseUrl", "apiKey"}``.

Reference: ``gcp-secretmanager:projects/<project>/secrets/<secretId>/versions/latest#apiKey``
(without ``projects/<project>/`` when the provider's project is used). Versions are immutable: a
rotation adds the new version before destroying the old one, so readers of ``latest`` never see a
gap and no old copy is left enabled.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, field_validator

from breeze_infra.backends.base import API_KEY, Delivery, Entry
from breeze_infra.fields import TemplateMatches

SecretId = Annotated[
    str,
    TemplateMatches(
        r"[A-Za-z0-9_-]{1,255}", "a Secret Manager secret id (letters, digits, _ and -)"
    ),
]
Project = Annotated[
    str,
    TemplateMatches(
        r"[a-z][a-z0-9-]{4,28}[a-z0-9]", "a Google Cloud project id like my-project-123"
    ),
]
Location = Annotated[
    str, TemplateMatches(r"[a-z]+(-[a-z]+)+[0-9]+", "a Google Cloud region like europe-west1")
]


class GcpSecretManagerEntry(Entry):
    """A Google Cloud Secret Manager secret holding the JSON {"baseUrl", "apiKey"}."""

    package: ClassVar[str | None] = "pulumi_gcp"
    distribution: ClassVar[str] = "pulumi-gcp"
    requirement: ClassVar[str] = "pulumi-gcp>=10.2,<11"
    identity: ClassVar[tuple[str, ...]] = ("project", "secret_id")

    backend: Literal["gcp-secret-manager"]
    secret_id: SecretId = Field(description="Secret id, e.g. 'breeze-prod-workers-ai'.")
    project: Project | None = Field(None, description="Project id; default: the provider's.")
    replica_locations: tuple[Location, ...] = Field(
        (),
        description="Regions to replicate to (user-managed replication); default: automatic "
        "replication.",
    )

    @field_validator("replica_locations")
    @classmethod
    def _distinct(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("each location may be listed once")
        return value

    def reference(self, stack: str) -> str:
        project = f"projects/{self.project}/" if self.project else ""
        return f"gcp-secretmanager:{project}secrets/{self.secret_id}/versions/latest#{API_KEY}"

    def where(self, stack: str, consumer: str | None = None) -> str:
        project = f", project {self.project}" if self.project else ""
        return f"Google Secret Manager: secret {self.secret_id}{project}, JSON key {API_KEY}"

    def write(self, delivery: Delivery) -> dict[str, Any]:
        from pulumi_gcp import secretmanager

        if self.replica_locations:
            replication = secretmanager.SecretReplicationArgs(
                user_managed=secretmanager.SecretReplicationUserManagedArgs(
                    replicas=[
                        secretmanager.SecretReplicationUserManagedReplicaArgs(location=location)
                        for location in self.replica_locations
                    ]
                )
            )
        else:
            replication = secretmanager.SecretReplicationArgs(
                auto=secretmanager.SecretReplicationAutoArgs()
            )
        secret = secretmanager.Secret(
            delivery.name,
            secret_id=self.secret_id,
            project=self.project,
            replication=replication,
            opts=delivery.opts,
        )
        secretmanager.SecretVersion(
            f"{delivery.name}-version",
            secret=secret.id,
            secret_data=delivery.document,
            opts=delivery.opts,
        )
        return {}
