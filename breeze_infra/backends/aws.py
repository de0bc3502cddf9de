"""AWS Secrets Manager: a secret whose current version holds ``{"baseUrl", "apiKey"}``.

Reference: ``aws-secretsmanager:<name>#apiKey``, plus ``?region=<region>`` before the ``#`` when a
region is set. Secrets Manager versions are immutable: a rotation puts a new version (it becomes
AWSCURRENT at once) before the old one is released, so readers never see a gap.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, field_validator

from breeze_infra.backends.base import API_KEY, Delivery, Entry
from breeze_infra.fields import TemplateMatches

SecretName = Annotated[
    str,
    TemplateMatches(r"[A-Za-z0-9/_+=.@-]{1,512}", "an AWS secret name (letters, digits, /_+=.@-)"),
]
Region = Annotated[
    str, TemplateMatches(r"[a-z]{2}(-[a-z]+)+-\d{1,2}", "an AWS region like eu-west-1")
]


class AwsSecretsManagerEntry(Entry):
    """An AWS Secrets Manager secret holding the JSON {"baseUrl", "apiKey"}."""

    package: ClassVar[str | None] = "pulumi_aws"
    distribution: ClassVar[str] = "pulumi-aws"
    requirement: ClassVar[str] = "pulumi-aws>=7.51,<8"
    identity: ClassVar[tuple[str, ...]] = ("region", "name")

    backend: Literal["aws-secrets-manager"]
    name: SecretName = Field(description="Secret name, e.g. 'breeze/prod/workers-ai'.")
    region: Region | None = Field(None, description="AWS region; default: the provider's.")
    kms_key_id: str | None = Field(
        None,
        min_length=1,
        max_length=2048,
        description="KMS key (id, ARN or alias) to encrypt with; default: aws/secretsmanager.",
    )
    recovery_window_in_days: int | None = Field(
        None,
        description="Days a deleted secret can be restored: 0 (delete at once) or 7-30; "
        "default 30.",
    )

    @field_validator("recovery_window_in_days")
    @classmethod
    def _recovery_window(cls, value: int | None) -> int | None:
        if value is not None and value != 0 and not 7 <= value <= 30:
            raise ValueError(f"{value} is not 0 or a number of days from 7 to 30")
        return value

    def reference(self, stack: str) -> str:
        query = f"?region={self.region}" if self.region else ""
        return f"aws-secretsmanager:{self.name}{query}#{API_KEY}"

    def where(self, stack: str, consumer: str | None = None) -> str:
        region = f", region {self.region}" if self.region else ""
        return f"AWS Secrets Manager: secret {self.name}{region}, JSON key {API_KEY}"

    def write(self, delivery: Delivery) -> dict[str, Any]:
        from pulumi_aws import secretsmanager

        secret = secretsmanager.Secret(
            delivery.name,
            name=self.name,
            region=self.region,
            kms_key_id=self.kms_key_id,
            recovery_window_in_days=self.recovery_window_in_days,
            description=f"Cloudflare Workers AI base URL and API key ({delivery.stack})",
            opts=delivery.opts,
        )
        secretsmanager.SecretVersion(
            f"{delivery.name}-version",
            secret_id=secret.id,
            region=self.region,
            secret_string=delivery.document,
            opts=delivery.opts,
        )
        return {}
