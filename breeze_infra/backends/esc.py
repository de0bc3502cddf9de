"""Pulumi ESC: an environment whose values hold ``baseUrl`` and ``apiKey`` (``fn::secret``) and
expose them as ``WORKERS_AI_BASE_URL`` / ``WORKERS_AI_API_KEY`` environment variables.

Reference: ``esc:<organization>/<project>/<environment>#apiKey``; read it with
``esc env get <organization>/<project>/<environment> apiKey --value string --show-secrets``.
The provider does not mark the definition secret, although it holds the key: it is wrapped here.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field

from breeze_infra.backends.base import API_KEY, BASE_URL, Delivery, Entry
from breeze_infra.fields import TemplateMatches

EscName = Annotated[
    str, TemplateMatches(r"[A-Za-z0-9_.-]{1,100}", "an ESC name (letters, digits, '_', '.', '-')")
]


def definition(base_url: str, api_key: str) -> str:
    import yaml

    document = {
        "values": {
            BASE_URL: base_url,
            API_KEY: {"fn::secret": api_key},
            "environmentVariables": {
                "WORKERS_AI_BASE_URL": "${" + BASE_URL + "}",
                "WORKERS_AI_API_KEY": "${" + API_KEY + "}",
            },
        }
    }
    return yaml.safe_dump(document, sort_keys=False)


class EscEntry(Entry):
    """A Pulumi ESC environment with baseUrl, apiKey and their environment variables."""

    package: ClassVar[str | None] = "pulumi_pulumiservice"
    distribution: ClassVar[str] = "pulumi-pulumiservice"
    requirement: ClassVar[str] = "pulumi-pulumiservice>=1.5,<2"
    identity: ClassVar[tuple[str, ...]] = ("organization", "project", "environment")

    backend: Literal["esc"]
    organization: EscName = Field(description="Pulumi Cloud organization.")
    project: EscName = Field("breeze", description="ESC project.")
    environment: EscName = Field(description="ESC environment name, e.g. 'workers-ai-prod'.")

    def reference(self, stack: str) -> str:
        return f"esc:{self.organization}/{self.project}/{self.environment}#{API_KEY}"

    def where(self, stack: str, consumer: str | None = None) -> str:
        return (
            f"Pulumi ESC: environment {self.organization}/{self.project}/{self.environment}, "
            f"value {API_KEY} (esc env get {self.organization}/{self.project}/"
            f"{self.environment} {API_KEY} --show-secrets)"
        )

    def write(self, delivery: Delivery) -> dict[str, Any]:
        import pulumi
        import pulumi_pulumiservice as pulumiservice

        yaml_asset: pulumi.Output[pulumi.StringAsset] = pulumi.Output.secret(
            delivery.api_key.apply(
                lambda key: pulumi.StringAsset(definition(delivery.base_url, key))
            )
        )
        pulumiservice.Environment(
            delivery.name,
            organization=self.organization,
            project=self.project,
            name=self.environment,
            yaml=yaml_asset,
            opts=delivery.opts,
        )
        return {}
