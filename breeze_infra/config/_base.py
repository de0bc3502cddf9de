"""What every settings model shares: strict keys in camelCase, no tokens, and the value types."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator
from pydantic.alias_generators import to_camel

from breeze_infra.fields import Matches, refuse_bool_as_number, refuse_tokens

NAMESPACE = "breeze-infra"
"""The default namespace: the project's name in this repository's Pulumi.yaml. A project
created with another name reads its own (``load_settings(namespace=...)``)."""

AccountId = Annotated[
    str,
    Matches(
        r"[0-9a-f]{32}",
        "a Cloudflare account id (32 lowercase hex characters, as in the dashboard URL)",
    ),
]
ModelId = Annotated[
    str,
    Matches(
        r"@(cf|hf)/[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._:-]*",
        "a Workers AI model id; expected @cf/<author>/<model> or @hf/<author>/<model>",
    ),
]
ConsumerName = Annotated[
    str,
    Matches(
        r"[a-z0-9][a-z0-9-]{0,39}",
        "a consumer name: lowercase letters, digits and '-', starting with a letter or digit, "
        "at most 40 characters",
    ),
]
EmailAddress = Annotated[
    str,
    Matches(
        r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
        r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+",
        "an e-mail address such as alice@example.com",
    ),
]
GithubLogin = Annotated[
    str,
    Matches(
        r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}",
        "a GitHub login without '@': letters, digits and single hyphens, at most 39 characters",
    ),
]
SlackMemberId = Annotated[
    str,
    Matches(
        r"[UW][A-Z0-9]{8,20}",
        "a Slack member id such as U012AB3CD (profile, More, Copy member ID); a webhook message "
        "notifies a person only through <@member-id>",
    ),
]
CONTEXT_LIMIT = 10_000_000
"""The largest contextLength taken (tokens): above any model's, and far below 2**53, where JSON
numbers stop being exact and the deployed manifest would differ from the offline one."""
GENERATION_LIMIT = 999_999
"""The largest token.generation taken: it is part of every token's name."""
_SPELLINGS = {
    word: word.upper()
    for word in ("ai", "awq", "bf16", "fp8", "fp16", "gpt", "hf", "int8", "lora", "oss", "r1", "vl")
} | {"qwq": "QwQ"}
_SIZE = re.compile(r"\d+(\.\d+)?[bmk]", re.IGNORECASE)


class Settings(BaseModel):
    """Keys as Pulumi users write them (camelCase), each checked, none unknown."""

    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        frozen=True,
        use_attribute_docstrings=False,
        coerce_numbers_to_str=True,
    )

    @field_validator("*", mode="before")
    @classmethod
    def _no_tokens(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        return refuse_tokens(refuse_bool_as_number(value, field and field.annotation))


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
