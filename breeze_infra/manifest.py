"""The GPT Breeze manifest (``gpt-breeze-manifest/v1``): one credential and the models that use it.

GPT Breeze has no public import format, so this one mirrors its UI field for field: Settings →
Credentials ("Custom (OpenAI-compatible)", Base URL, API key) and Custom Models (Model ID, Display
name, Credential). The key itself is left out unless a caller explicitly asks for it.

Deployed stack outputs outlive the code that wrote them, so reading goes through
:func:`read_manifest`, which picks a reader by the document's ``schema``. A new format version is
a new model plus one row in :data:`READERS` that turns each older document into it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic.alias_generators import to_camel

from breeze_infra.config import CONTEXT_LIMIT, ModelSpec, StackConfig
from breeze_infra.endpoints import workers_ai_base_url as workers_ai_base_url
from breeze_infra.fields import refuse_tokens
from breeze_infra.gateway import stack_base_url
from breeze_infra.messages import short

Format = Literal["gpt-breeze-manifest/v1"]
FORMAT: Final[Format] = get_args(Format)[0]


class _Document(BaseModel):
    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, populate_by_name=True, frozen=True
    )

    @field_validator("*")
    @classmethod
    def _no_token(cls, value: Any, info: ValidationInfo) -> Any:
        """A manifest read back from outputs JSON is printed: a token pasted into a name there
        (outputs of a stack deployed before config refused it) is refused, never shown."""
        return value if info.field_name == "api_key" else refuse_tokens(value)


class Credential(_Document):
    name: str = Field(description="Credential name, as in Settings → Credentials.")
    provider_type: Literal["custom-openai-compatible"] = Field(
        "custom-openai-compatible", description="Provider type 'Custom (OpenAI-compatible)'."
    )
    base_url: str = Field(description="Base URL: Workers AI's OpenAI-compatible endpoint.")
    api_key_ref: str = Field(
        description="Where the API key lives (secrets backend reference); never the key itself."
    )
    expires_on: str = Field(
        description="When the current key expires (UTC, YYYY-MM-DDTHH:MM:SSZ); it is rotated "
        "well before."
    )
    api_key: str | None = Field(
        None,
        description="The API key itself: present only in exports made with --include-secret.",
    )


class Model(_Document):
    model_id: str = Field(description="Model ID, e.g. @cf/meta/llama-3.1-8b-instruct.")
    display_name: str = Field(description="Display name shown in GPT Breeze's model list.")
    credential: str = Field(description="Name of the credential this model uses.")
    context_length: int | None = Field(
        None, ge=1, le=CONTEXT_LIMIT, description="Context window in tokens, when known."
    )


class Manifest(_Document):
    model_config = ConfigDict(title=f"GPT Breeze manifest ({FORMAT})")

    format: Format = Field(
        FORMAT, alias="schema", description="Format and version of this document."
    )
    environment: str = Field(description="The environment (Pulumi stack) it was made for.")
    consumer: str | None = Field(
        None, description="The consumer it was made for, in stacks with consumers."
    )
    credentials: tuple[Credential, ...] = Field(min_length=1)
    models: tuple[Model, ...] = Field(min_length=1)

    def without_api_key(self) -> Manifest:
        credentials = tuple(c.model_copy(update={"api_key": None}) for c in self.credentials)
        return self.model_copy(update={"credentials": credentials})

    def with_api_key(self, api_key: str) -> Manifest:
        credentials = tuple(c.model_copy(update={"api_key": api_key}) for c in self.credentials)
        return self.model_copy(update={"credentials": credentials})

    def to_json(self) -> str:
        """Stable text: fields in declaration order, models in config order, absent fields left out."""
        body = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


READERS: Final[Mapping[str, Callable[[Mapping[str, Any]], Manifest]]] = {
    FORMAT: Manifest.model_validate,
}
"""Each format this version reads, by its ``schema``; all of them become the current model."""


class UnknownFormatError(ValueError):
    """A document whose ``schema`` names a format this version of breeze-infra cannot read."""


def read_manifest(document: Mapping[str, Any]) -> Manifest:
    """A manifest in any format breeze-infra reads, as the current model.

    A document without ``schema`` predates nothing: every version wrote it, so it is v1.
    Raises :class:`UnknownFormatError` for a format written by a newer breeze-infra, and
    pydantic's ``ValidationError`` for a document its reader refuses.
    """
    version = document.get("schema", FORMAT)
    reader = READERS.get(version) if isinstance(version, str) else None
    if reader is None:
        raise UnknownFormatError(
            f"'{short(str(version))}' is not a manifest format this breeze-infra reads "
            f"({', '.join(READERS)}); a newer breeze-infra wrote it, so upgrade to read it"
        )
    return reader(document)


def build_manifest(
    config: StackConfig,
    stack: str,
    *,
    api_key_ref: str,
    expires_on: str,
    models: Sequence[ModelSpec] | None = None,
    consumer: str | None = None,
) -> Manifest:
    credential = config.credential_label(stack)
    return Manifest(
        environment=stack,
        consumer=consumer,
        credentials=(
            Credential(
                name=credential,
                base_url=stack_base_url(config, stack, consumer),
                api_key_ref=api_key_ref,
                expires_on=expires_on,
            ),
        ),
        models=tuple(
            Model(
                model_id=model.id,
                display_name=model.label,
                credential=credential,
                context_length=model.context_length,
            )
            for model in (config.models if models is None else models)
        ),
    )
