"""The report's chart: requests per day, as SVG. Imported only by ``usage --chart``, and it
imports matplotlib only when called.

Every label is plain text: names come from analytics (a model name is whatever a key holder
sent), so they pass through ``messages.printable`` (tokens masked, control characters escaped)
and matplotlib's mathtext is off for each of them (``parse_math=False``), so ``$\\frac{$`` is
drawn as written instead of failing after the report was printed. The SVG carries no metadata
but the generator's name, and no comment holding a label.
"""

from __future__ import annotations

import io

from breeze_infra.messages import printable
from breeze_infra.usage._report import UsageReport


def draw_chart(report: UsageReport, top: int = 10) -> str:
    """Requests per day per consumer (or model) as SVG text: the ``top`` busiest, the rest summed."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    days = sorted({day for series in report.daily.values() for day in series})
    ranked = sorted(report.daily.items(), key=lambda item: -sum(item[1].values()))
    shown = ranked[:top]
    rest = ranked[top:]
    figure, axes = pyplot.subplots(figsize=(11, 5.5))
    positions = range(len(days))
    for name, series in shown:
        total = sum(series.values())
        axes.plot(
            positions,
            [series.get(d, 0) for d in days],
            marker=".",
            label=f"{printable(name)} ({total})",
        )
    if rest:
        summed = [sum(series.get(d, 0) for _, series in rest) for d in days]
        axes.plot(positions, summed, linestyle="--", color="grey", label=f"{len(rest)} others")
    axes.set_title(
        f"Workers AI requests per day through the gateway, stack {printable(report.stack)}",
        parse_math=False,
    )
    axes.set_xlabel("day (UTC)")
    axes.set_ylabel("requests")
    step = max(1, len(days) // 10)
    axes.set_xticks(list(positions)[::step], [printable(d) for d in days[::step]])
    for label in axes.get_xticklabels():
        label.set(rotation=30, ha="right", parse_math=False)
    axes.grid(True, alpha=0.3)
    if shown:
        legend = axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
        for text in legend.get_texts():
            text.set_parse_math(False)
    figure.tight_layout()
    svg = io.StringIO()
    figure.savefig(svg, format="svg", metadata={"Date": None})
    pyplot.close(figure)
    return svg.getvalue()
