"""``breeze-infra usage``: who used an environment's Workers AI, how much, and whose keys sit idle.

One public surface over private modules, each named for its job:

- ``_queries``: the GraphQL documents of the two datasets, paging by hour, the reporting client;
- ``_rows``: each analytics row validated (counts, finite amounts, names) before it is summed;
- ``_report``: the report model and its collection (gateway rows, neurons, key use, stale keys);
- ``_render``: the report as text or JSON;
- ``_chart``: the matplotlib chart, imported only by ``--chart`` (``draw_chart`` is loaded on
  first use);
- ``_command``: :func:`run_usage`, the command with typed values.

Nothing here imports Pulumi; matplotlib is imported only by ``draw_chart``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from breeze_infra.usage._command import run_usage
from breeze_infra.usage._queries import (
    GATEWAY_DATASET,
    GATEWAY_QUERY,
    INFERENCE_DATASET,
    INFERENCE_QUERY,
    MAX_PAGES,
    PAGE_LIMIT,
    REPORTING_PERMISSIONS,
    query_dataset,
    reporting_client,
)
from breeze_infra.usage._render import render_json, render_text
from breeze_infra.usage._report import (
    GatewayRow,
    KeyUse,
    NeuronRow,
    StaleKey,
    UsageReport,
    collect,
    parse_since,
)

if TYPE_CHECKING:
    from breeze_infra.usage._chart import draw_chart

__all__ = [
    "GATEWAY_DATASET",
    "GATEWAY_QUERY",
    "INFERENCE_DATASET",
    "INFERENCE_QUERY",
    "MAX_PAGES",
    "PAGE_LIMIT",
    "REPORTING_PERMISSIONS",
    "GatewayRow",
    "KeyUse",
    "NeuronRow",
    "StaleKey",
    "UsageReport",
    "collect",
    "draw_chart",
    "parse_since",
    "query_dataset",
    "render_json",
    "render_text",
    "reporting_client",
    "run_usage",
]


def __getattr__(name: str) -> Any:
    """``draw_chart`` on first use, so that a report without ``--chart`` never loads it."""
    if name == "draw_chart":
        from breeze_infra.usage._chart import draw_chart

        return draw_chart
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
