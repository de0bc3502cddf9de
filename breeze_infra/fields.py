"""Field types shared by every pydantic model of the config: one way to say what a string must be.

``Annotated[str, Matches(regex, "what")]`` rejects a value with ``'<value>' is not <what>`` and puts
the pattern in the published JSON Schema, so editors flag the mistake before breeze-infra does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic_core import core_schema


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
