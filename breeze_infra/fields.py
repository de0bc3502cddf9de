"""Field types shared by every pydantic model of the config: one way to say what a string must be.

``Annotated[str, Matches(regex, "what")]`` rejects a value with ``'<value>' is not <what>`` and puts
the pattern in the published JSON Schema, so editors flag the mistake before breeze-infra does.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic_core import core_schema

from breeze_infra.messages import HIDDEN, looks_like_token


@dataclass(frozen=True)
class Matches:
    """``Annotated[str, Matches(regex, "what")]``: the error names what was expected, and the JSON
    Schema carries the pattern for editors."""

    regex: str
    expected: str

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        return {**handler(schema), "pattern": f"^(?:{self.regex})$"}

    def _check(self, value: str) -> str:
        if not re.fullmatch(self.regex, value):
            raise ValueError(f"'{value}' is not {self.expected}")
        return value


@dataclass(frozen=True)
class TemplateMatches(Matches):
    """A ``Matches`` for secrets entries, whose strings are templates in the stack file: the
    published schema also accepts any value holding ``{consumer}`` or ``{stack}``, which is checked
    once filled in."""

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        pattern = f"^(?:(?:{self.regex})|.*\\{{(?:consumer|stack)\\}}.*)$"
        return {**handler(schema), "pattern": pattern}


TOKEN_IN_FIELD = (
    f"'{HIDDEN}': a token never belongs here, this key is published in plain text "
    "(manifests, outputs, logs)"
)


def refuse_tokens(value: Any) -> Any:
    """The check every non-secret string field of the config and of each secrets entry gets
    (``field_validator("*")`` on their base models): a pasted token is refused, never stored."""
    if any(looks_like_token(text) for text in _strings(value)):
        raise ValueError(TOKEN_IN_FIELD)
    return value


def refuse_bool_as_number(value: Any, annotation: Any) -> Any:
    """A YAML ``true`` where a number is wanted is a mistake, not 1: pydantic's lax mode would
    take ``rateLimit.requests: true`` as one request a minute and ``rotationDays: true`` as one
    day. Refused for every field typed ``int`` or ``float`` (alone or with ``None``)."""
    if isinstance(value, bool) and _is_number(annotation):
        raise ValueError(f"{str(value).lower()} is not a number; give a number")
    return value


def _is_number(annotation: Any) -> bool:
    if annotation in (int, float):
        return True
    members = getattr(annotation, "__args__", ())
    return (
        bool(members)
        and not any(m is bool for m in members)
        and all(m in (int, float, type(None)) for m in members)
        and any(m in (int, float) for m in members)
    )


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [text for item in value for text in _strings(item)]
    return []


def display_text(value: str) -> str:
    """A name a person reads in a menu: visible characters, not blank."""
    if not value.strip():
        raise ValueError("is blank; give a visible name or leave the key out")
    odd = next((c for c in value if unicodedata.category(c).startswith("C")), None)
    if odd is not None:
        raise ValueError(
            f"holds the control or format character U+{ord(odd):04X}; names must be plain text"
        )
    return value


def look_alike(value: str) -> str:
    """What two names a person cannot tell apart share (NFKC, case-folded)."""
    return unicodedata.normalize("NFKC", value).casefold().strip()
