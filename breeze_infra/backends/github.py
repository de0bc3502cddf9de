"""GitHub Actions: the key as an Actions secret, the base URL as an Actions variable.

Reference: ``github:<owner>/<repo>[/<environment>]#<SECRET_NAME>``. The base URL is no secret, so it
goes where workflows read plain settings (``${{ vars.WORKERS_AI_BASE_URL }}``). The provider is
explicit because the owner is part of the entry; its token comes from ``github:token`` in the
stack's config or, failing that, GITHUB_TOKEN.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, field_validator

from breeze_infra.backends.base import Delivery, Entry
from breeze_infra.fields import TemplateMatches

Repository = Annotated[
    str,
    TemplateMatches(
        r"[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}/(?!\.\.?$)[A-Za-z0-9._-]{1,100}",
        "a GitHub repository; expected owner/name",
    ),
]
Environment = Annotated[
    str,
    TemplateMatches(
        r"[A-Za-z0-9._ -]{1,255}", "a GitHub environment name (letters, digits, ._- and spaces)"
    ),
]
Name = Annotated[
    str,
    TemplateMatches(
        r"[A-Za-z_][A-Za-z0-9_]{0,254}", "a GitHub secret or variable name ([A-Za-z0-9_])"
    ),
]


class GitHubActionsEntry(Entry):
    """The key as a GitHub Actions secret, the base URL as an Actions variable."""

    package: ClassVar[str | None] = "pulumi_github"
    distribution: ClassVar[str] = "pulumi-github"
    requirement: ClassVar[str] = "pulumi-github>=6.15,<7"
    identity: ClassVar[tuple[str, ...]] = ("repository", "environment")

    backend: Literal["github-actions"]
    repository: Repository = Field(description="Repository as owner/name, e.g. 'acme/chat'.")
    environment: Environment | None = Field(
        None, description="Deployment environment; when set, the secret and variable are scoped."
    )
    api_key_secret_name: Name = Field(
        "WORKERS_AI_API_KEY", description="Name of the Actions secret holding the key."
    )
    base_url_variable_name: Name = Field(
        "WORKERS_AI_BASE_URL", description="Name of the Actions variable holding the base URL."
    )

    @field_validator("api_key_secret_name", "base_url_variable_name")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value.upper().startswith("GITHUB_"):
            raise ValueError(f"'{value}' starts with GITHUB_, which GitHub reserves")
        return value

    @property
    def location(self) -> tuple[str | None, ...]:
        return tuple(part.lower() if part else part for part in super().location)

    def reference(self, stack: str) -> str:
        scope = f"/{self.environment}" if self.environment else ""
        return f"github:{self.repository}{scope}#{self.api_key_secret_name}"

    def where(self, stack: str, consumer: str | None = None) -> str:
        scope = f", environment {self.environment}" if self.environment else ""
        return (
            f"GitHub Actions: repository {self.repository}{scope}, secret "
            f"{self.api_key_secret_name} (readable by workflows only, not by a person)"
        )

    def write(self, delivery: Delivery) -> dict[str, Any]:
        import pulumi
        import pulumi_github as github

        owner, repository = self.repository.split("/")
        settings = pulumi.Config("github")
        provider = github.Provider(
            f"{delivery.name}-provider",
            owner=owner,
            token=settings.get_secret("token"),
            base_url=settings.get("baseUrl"),
            opts=delivery.opts,
        )
        opts = pulumi.ResourceOptions.merge(
            delivery.opts, pulumi.ResourceOptions(provider=provider)
        )
        if self.environment:
            github.ActionsEnvironmentSecret(
                f"{delivery.name}-api-key",
                repository=repository,
                environment=self.environment,
                secret_name=self.api_key_secret_name,
                value=delivery.api_key,
                opts=opts,
            )
            github.ActionsEnvironmentVariable(
                f"{delivery.name}-base-url",
                repository=repository,
                environment=self.environment,
                variable_name=self.base_url_variable_name,
                value=delivery.base_url,
                opts=opts,
            )
        else:
            github.ActionsSecret(
                f"{delivery.name}-api-key",
                repository=repository,
                secret_name=self.api_key_secret_name,
                value=delivery.api_key,
                opts=opts,
            )
            github.ActionsVariable(
                f"{delivery.name}-base-url",
                repository=repository,
                variable_name=self.base_url_variable_name,
                value=delivery.base_url,
                opts=opts,
            )
        return {}
