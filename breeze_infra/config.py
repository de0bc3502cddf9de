"""What a stack asks for: the ``breeze-infra:`` keys of one environment, validated in one place.

The same model and the same loader serve ``pulumi up`` (values from ``pulumi.Config``) and the
offline CLI (values read straight from ``stacks/Pulumi.<stack>.yaml``), so both reject the same
mistakes with the same words. Nothing here imports Pulumi: the CLI must stay fast.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.alias_generators import to_camel

from breeze_infra import backends

NAMESPACE = "breeze-infra"

_ACCOUNT_ID = re.compile(r"[0-9a-f]{32}")
_MODEL_ID = re.compile(r"@(cf|hf)/[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._:-]*")
_SPELLINGS = {
    word: word.upper()
    for word in ("ai", "awq", "bf16", "fp8", "fp16", "gpt", "hf", "int8", "lora", "oss", "r1", "vl")
} | {"qwq": "QwQ"}
_SIZE = re.compile(r"\d+(\.\d+)?[bmk]", re.IGNORECASE)


class ConfigError(Exception):
    """Every problem of one stack's config at once, each as ``<source>: <key>: <message>``."""

    def __init__(self, source: str, problems: list[tuple[str | None, str]]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [
            f"{self.source}: {key}: {message}" if key else f"{self.source}: {message}"
            for key, message in self.problems
        ]


class _Settings(BaseModel):
    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, frozen=True, use_attribute_docstrings=False
    )


def _canonical_cidrs(values: list[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for value in values:
        try:
            network = ipaddress.ip_network(value, strict=True)
        except ValueError as exc:
            raise ValueError(f"'{value}' is not an IPv4 or IPv6 CIDR ({exc})") from None
        canonical = str(network)
        if canonical in seen:
            raise ValueError(f"'{value}' is listed twice")
        seen[canonical] = value
    return tuple(seen)


class TokenSettings(_Settings):
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
        if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            return _canonical_cidrs(list(value))
        return value

    @model_validator(mode="after")
    def _disjoint(self) -> TokenSettings:
        both = sorted(set(self.allowed_cidrs) & set(self.denied_cidrs))
        if both:
            raise ValueError(f"{', '.join(both)} is both allowed and denied")
        return self


class ModelSpec(_Settings):
    """One Workers AI model offered to GPT Breeze users."""

    id: str = Field(
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
        None, ge=1, description="Context window in tokens, when known."
    )

    @field_validator("id")
    @classmethod
    def _model_id(cls, value: str) -> str:
        if not _MODEL_ID.fullmatch(value):
            raise ValueError(
                f"'{value}' is not a Workers AI model id; expected @cf/<author>/<model> "
                "or @hf/<author>/<model>"
            )
        return value

    @property
    def label(self) -> str:
        return self.display_name or display_name_from_id(self.id)


class StackConfig(_Settings):
    """The ``breeze-infra:`` keys of one stack (one environment)."""

    model_config = ConfigDict(
        title="breeze-infra stack configuration",
        json_schema_extra={
            "description": "Keys under the 'breeze-infra:' namespace of a Pulumi stack file "
            "(stacks/Pulumi.<stack>.yaml), without the namespace prefix."
        },
    )

    account_id: str = Field(
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
    secrets: tuple[backends.SecretsEntry, ...] = Field(
        (backends.PulumiStackEntry(),),
        min_length=1,
        description="Where the base URL and the key are written, one entry per backend; the "
        "first entry's reference is the manifest's apiKeyRef. Default: the stack's outputs.",
    )

    @field_validator("account_id")
    @classmethod
    def _account_id(cls, value: str) -> str:
        if not _ACCOUNT_ID.fullmatch(value):
            raise ValueError(
                f"'{value}' is not a Cloudflare account id (32 lowercase hex characters, "
                "as in the dashboard URL)"
            )
        return value

    @field_validator("secrets")
    @classmethod
    def _distinct_targets(cls, value: tuple[backends.Entry, ...]) -> tuple[backends.Entry, ...]:
        clash = backends.duplicate(value)
        if clash:
            raise _KeyedError(*clash)
        return value

    @model_validator(mode="after")
    def _unique_models(self) -> StackConfig:
        ids: set[str] = set()
        labels: set[str] = set()
        for index, model in enumerate(self.models):
            if model.id in ids:
                raise _KeyedError(f"models[{index}].id", f"'{model.id}' is listed twice")
            if model.label in labels:
                raise _KeyedError(
                    f"models[{index}].displayName",
                    f"display name '{model.label}' is already used by another model",
                )
            ids.add(model.id)
            labels.add(model.label)
        return self

    def credential_label(self, stack: str) -> str:
        return self.credential_name or f"Cloudflare Workers AI ({stack})"


class _KeyedError(ValueError):
    """A cross-field problem that still points at one key."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def display_name_from_id(model_id: str) -> str:
    """'@cf/meta/llama-3.1-8b-instruct' reads as 'Llama 3.1 8B Instruct' in a menu."""
    words = []
    for part in model_id.rsplit("/", 1)[-1].replace("_", "-").split("-"):
        if not part:
            continue
        if _SIZE.fullmatch(part):
            words.append(part.upper())
        elif part.lower() in _SPELLINGS:
            words.append(_SPELLINGS[part.lower()])
        else:
            words.append(part[:1].upper() + part[1:])
    return " ".join(words)


STRUCTURED_KEYS = frozenset(
    field.alias or name
    for name, field in StackConfig.model_fields.items()
    if name not in {"account_id", "credential_name"}
)
"""Keys whose value is an object or a list: Pulumi hands those to programs as JSON text."""


def parse_config(raw: Mapping[str, Any], source: str) -> StackConfig:
    """Validate the namespace's keys (without the ``breeze-infra:`` prefix) or raise ConfigError."""
    try:
        return StackConfig.model_validate(dict(raw))
    except ValidationError as exc:
        raise ConfigError(source, [_problem(error) for error in exc.errors()]) from None


def _problem(error: Any) -> tuple[str | None, str]:
    loc, secrets_message = backends.locate(error)
    if secrets_message:
        return key_path(loc), secrets_message
    message: str = error["msg"]
    cause = error.get("ctx", {}).get("error")
    if isinstance(cause, _KeyedError):
        return f"{NAMESPACE}:{cause.key}", str(cause)
    kind = error["type"]
    if kind == "extra_forbidden":
        message = "unknown key (a typo?)"
    elif kind == "missing":
        message = "required key is missing"
    elif kind == "too_short":
        message = f"must list at least {error['ctx']['min_length']} item(s)"
    elif message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    elif "input" in error and kind not in {"model_type", "dict_type"}:
        message = f"{message} (got {json.dumps(error['input'], default=str)})"
    return key_path(loc), message


def key_path(loc: tuple[str | int, ...]) -> str:
    """('models', 2, 'id') -> 'breeze-infra:models[2].id', as a user would write it."""
    text = NAMESPACE + ":"
    for index, part in enumerate(loc):
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += part if index == 0 else f".{part}"
    return text.rstrip(":") if not loc else text


def decode_pulumi_values(values: Mapping[str, str]) -> dict[str, Any]:
    """Turn Pulumi's config strings back into the values the stack file holds.

    Pulumi passes objects and lists to programs as JSON text and scalars as plain text.
    """
    decoded: dict[str, Any] = {}
    for key, value in values.items():
        if key in STRUCTURED_KEYS and isinstance(value, str):
            try:
                decoded[key] = json.loads(value)
            except json.JSONDecodeError:
                decoded[key] = value
        else:
            decoded[key] = value
    return decoded
