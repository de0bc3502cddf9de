"""The settings models of one stack: what each key means, its default and its own checks.

Checks that span keys live in ``_rules``; the models only run them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from breeze_infra import backends
from breeze_infra.config._base import (
    CONTEXT_LIMIT,
    GENERATION_LIMIT,
    NAMESPACE,
    AccountId,
    ConsumerName,
    EmailAddress,
    GithubLogin,
    ModelId,
    Settings,
    SlackMemberId,
    display_name_from_id,
)
from breeze_infra.config._cidrs import cidr_input, unusable_cidrs
from breeze_infra.config._gateway import GatewaySettings
from breeze_infra.config._rules import STACK_RULES, fill_placeholders
from breeze_infra.fields import display_text


class TokenSettings(Settings):
    """How the Workers AI token is owned, scoped and rotated."""

    owner: Literal["account", "user"] = Field(
        "account",
        description="'account': an account-owned token (cloudflare.AccountToken), which survives "
        "people leaving; 'user': a token owned by the bootstrap token's user (cloudflare.ApiToken).",
    )
    permissions: tuple[Literal["read", "write"], ...] = Field(
        ("read",),
        min_length=1,
        description="Workers AI permission groups to grant: 'read' (run models, enough for "
        "inference) and/or 'write' (also edit Workers AI assets).",
    )
    rotation_days: int = Field(
        30,
        ge=1,
        le=365,
        description="Length of a rotation window in days. A token lives two windows, so a cached "
        "key keeps working for one window after it is replaced.",
    )
    allowed_cidrs: tuple[str, ...] = Field(
        (), description="Only these IPv4/IPv6 networks may use the token (request_ip.in)."
    )
    denied_cidrs: tuple[str, ...] = Field(
        (), description="These IPv4/IPv6 networks may never use the token (request_ip.not_in)."
    )
    generation: int = Field(
        0,
        ge=0,
        le=GENERATION_LIMIT,
        description="Bump to replace the current token at once (e.g. after a leak).",
    )

    @field_validator("permissions")
    @classmethod
    def _unique_permissions(
        cls, value: tuple[Literal["read", "write"], ...]
    ) -> tuple[Literal["read", "write"], ...]:
        if len(set(value)) != len(value):
            raise ValueError("each permission may be listed once")
        return tuple(sorted(value))

    @field_validator("allowed_cidrs", "denied_cidrs", mode="before")
    @classmethod
    def _cidrs(cls, value: Any) -> Any:
        return cidr_input(value)

    @model_validator(mode="after")
    def _disjoint(self) -> TokenSettings:
        problem = unusable_cidrs(self.allowed_cidrs, self.denied_cidrs)
        if problem:
            raise ValueError(problem)
        return self


class ModelSpec(Settings):
    """One Workers AI model offered to GPT Breeze users."""

    id: ModelId = Field(
        description="Workers AI model id, '@cf/<author>/<model>' or '@hf/<author>/<model>'.",
        examples=["@cf/meta/llama-3.1-8b-instruct"],
    )
    display_name: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="Name shown in GPT Breeze; derived from the id when absent.",
    )
    context_length: int | None = Field(
        None, ge=1, le=CONTEXT_LIMIT, description="Context window in tokens, when known."
    )

    @field_validator("display_name")
    @classmethod
    def _readable(cls, value: str | None) -> str | None:
        return None if value is None else display_text(value)

    @property
    def label(self) -> str:
        return self.display_name or display_name_from_id(self.id)


class Contact(Settings):
    """How to reach the person behind a consumer: reminders mention them, cards name them.

    Plain text checked for shape, never a token; at least one way is given.
    """

    email: EmailAddress | None = Field(None, description="E-mail address.")
    github: GithubLogin | None = Field(None, description="GitHub login, without '@'.")
    slack: SlackMemberId | None = Field(
        None,
        description="Slack member id (U... or W...); a webhook message notifies a person only "
        "through <@member-id>, never through a display name.",
    )

    @model_validator(mode="after")
    def _some_way(self) -> Contact:
        if self.email is None and self.github is None and self.slack is None:
            raise ValueError("give at least one of email, github, slack")
        return self

    @property
    def mention(self) -> str:
        """How a chat message names the person: a Slack mention notifies, the rest is text."""
        if self.slack is not None:
            return f"<@{self.slack}>"
        if self.github is not None:
            return f"@{self.github}"
        return str(self.email)


class Consumer(Settings):
    """One person, team or app: its own rotating token, secret writes and manifest."""

    name: ConsumerName = Field(
        description="Slug naming the consumer: lowercase letters, digits and '-', at most 40.",
        examples=["alice", "support-team"],
    )
    models: tuple[str, ...] | None = Field(
        None, min_length=1, description="Ids of the stack's models this consumer gets; default all."
    )
    allowed_cidrs: tuple[str, ...] | None = Field(
        None, description="Replaces token.allowedCidrs for this consumer's token."
    )
    denied_cidrs: tuple[str, ...] | None = Field(
        None, description="Replaces token.deniedCidrs for this consumer's token."
    )
    secrets: backends.SecretsEntries | None = Field(
        None,
        min_length=1,
        description="Replaces the stack's secrets entries for this consumer. String fields may "
        "use {consumer} and {stack}.",
    )
    revoked: bool = Field(
        False, description="Delete this consumer's tokens and secret writes at the next pulumi up."
    )
    contact: Contact | None = Field(
        None,
        description="Who to remind when the key rotates: email, github and/or slack. Plain "
        "text, shown on the setup card and in reminders.",
    )
    rotation_days: int | None = Field(
        None,
        ge=1,
        le=365,
        description="Replaces token.rotationDays for this consumer's token: long windows for "
        "people who paste the key by hand, short ones for apps. Changing it on a deployed "
        "consumer replaces its tokens.",
    )

    @field_validator("allowed_cidrs", "denied_cidrs", mode="before")
    @classmethod
    def _cidrs(cls, value: Any) -> Any:
        return cidr_input(value)


class StackConfig(Settings):
    """The ``breeze-infra:`` keys of one stack (one environment)."""

    model_config = ConfigDict(
        title="breeze-infra stack configuration",
        json_schema_extra={
            "description": "Keys under the 'breeze-infra:' namespace of a Pulumi stack file "
            "(stacks/Pulumi.<stack>.yaml), without the namespace prefix."
        },
    )

    account_id: AccountId = Field(
        description="Cloudflare account id: 32 lowercase hexadecimal characters.",
        examples=["0123456789abcdef0123456789abcdef"],
    )
    token: TokenSettings = Field(
        default_factory=TokenSettings,
        description="The Workers AI token's owner, scope and rotation.",
    )
    models: list[ModelSpec] = Field(
        min_length=1,
        description="Text-generation models to offer in GPT Breeze, in the order shown.",
    )
    credential_name: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="The credential's label in GPT Breeze; default 'Cloudflare Workers AI "
        "(<stack>)'.",
    )
    secrets: backends.SecretsEntries = Field(
        (backends.PulumiStackEntry(),),
        min_length=1,
        description="Where the base URL and the key are written, one entry per backend; the "
        "first entry's reference is the manifest's apiKeyRef. Default: the stack's outputs.",
    )

    consumers: tuple[Consumer, ...] | None = Field(
        None,
        description="One token, key and manifest per consumer. Absent: one implicit consumer "
        "whose resources and outputs keep their single-token names.",
    )
    gateway: GatewaySettings | None = Field(
        None,
        description="Route traffic through an AI Gateway ({} for the defaults); absent: off.",
    )

    @field_validator("gateway", mode="before")
    @classmethod
    def _null_is_off(cls, value: Any) -> Any:
        """``gateway: null`` reaches the program as empty text (the engine's round trip of a
        top-level null); the committed schema allows null, so it means off, as absent does."""
        return None if value == "" else value

    @field_validator("credential_name")
    @classmethod
    def _readable(cls, value: str | None) -> str | None:
        return None if value is None else display_text(value)

    @model_validator(mode="before")
    @classmethod
    def _fill_placeholders(cls, data: Any, info: ValidationInfo) -> Any:
        stack = (info.context or {}).get("stack")
        if not isinstance(data, dict) or not isinstance(stack, str):
            return data
        return fill_placeholders(data, stack)

    @model_validator(mode="after")
    def _rules(self, info: ValidationInfo) -> StackConfig:
        stack = (info.context or {}).get("stack")
        for rule in STACK_RULES:
            rule(self, stack if isinstance(stack, str) else None)
        return self

    _project: str = PrivateAttr(NAMESPACE)

    @model_validator(mode="after")
    def _remember_project(self, info: ValidationInfo) -> StackConfig:
        """The Pulumi project the stack belongs to: ``pulumi-stack://`` references name it."""
        project = (info.context or {}).get("project")
        if isinstance(project, str):
            self._project = project
        return self

    @property
    def project(self) -> str:
        return self._project

    def rotation_days_of(self, consumer: str | None) -> int:
        """A consumer's rotation window in days: its own ``rotationDays``, else the stack's."""
        own = next((c for c in self.consumers or () if c.name == consumer), None)
        if own is not None and own.rotation_days is not None:
            return own.rotation_days
        return self.token.rotation_days

    def credential_label(self, stack: str) -> str:
        return self.credential_name or f"Cloudflare Workers AI ({stack})"
