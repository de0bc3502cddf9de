"""The rows of the two analytics datasets, validated before any figure is added up.

Analytics is data anyone holding a key shapes (a model name is whatever the caller sent), and a
hostile or broken server can answer anything; so a row is taken only as Cloudflare documents it:
counts are whole numbers >= 0 (``true`` is not 1), cost and neurons finite numbers >= 0 (no NaN or
Infinity, which would make ``--json`` invalid), the hour a GraphQL ``Time``. One row off that shape
makes the whole answer a malformed-answer error: a report is never made from half of it.
Field types: Cloudflare's GraphQL schema, ``AccountAiGatewayRequestsAdaptiveGroups`` and
``AccountAiInferenceAdaptiveGroups`` (uint64 counts, float64 cost and neurons).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from breeze_infra.errors import MalformedResponseError
from breeze_infra.messages import short

_Count = Annotated[int, Field(ge=0, le=2**63)]
_Amount = Annotated[float, Field(ge=0, allow_inf_nan=False)]
_Hour = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")]
_Name = Annotated[str, Field(max_length=512)]


class _Row(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class GatewaySums(_Row):
    cost: _Amount = 0.0
    erroredRequests: _Count = 0
    uncachedTokensIn: _Count = 0
    uncachedTokensOut: _Count = 0


class GatewayDimensions(_Row):
    gateway: _Name
    model: _Name
    rateLimited: bool | Literal[0, 1] = 0
    datetimeHour: _Hour


class GatewayGroup(_Row):
    """One group of ``aiGatewayRequestsAdaptiveGroups``."""

    count: _Count
    sum: GatewaySums = GatewaySums()
    dimensions: GatewayDimensions


class InferenceSums(_Row):
    totalNeurons: _Amount = 0.0
    totalInputTokens: _Count = 0
    totalOutputTokens: _Count = 0


class InferenceDimensions(_Row):
    modelId: _Name
    datetimeHour: _Hour


class InferenceGroup(_Row):
    """One group of ``aiInferenceAdaptiveGroups``."""

    count: _Count
    sum: InferenceSums = InferenceSums()
    dimensions: InferenceDimensions


Group = GatewayGroup | InferenceGroup
_SHAPES: Final[dict[str, type[GatewayGroup] | type[InferenceGroup]]] = {
    "aiGatewayRequestsAdaptiveGroups": GatewayGroup,
    "aiInferenceAdaptiveGroups": InferenceGroup,
}


def parse_rows(dataset: str, groups: Sequence[object], first: int = 0) -> list[Group]:
    """Every group of one page as its model, or MalformedResponseError naming the first bad one
    (its index in the whole answer, and the field)."""
    shape = _SHAPES[dataset]
    rows: list[Group] = []
    for index, group in enumerate(groups, start=first):
        try:
            rows.append(shape.model_validate(group))
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(str(part) for part in problem["loc"]) or "row"
            raise MalformedResponseError(
                f"malformed analytics answer: {dataset}[{index}].{where}: {short(problem['msg'])}",
                method="POST",
                path="/graphql",
            ) from None
    return rows
