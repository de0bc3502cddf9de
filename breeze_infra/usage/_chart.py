"""The report's chart: requests per day, as SVG. Imported only by ``usage --chart``, and it
imports matplotlib only when called."""

from __future__ import annotations

from pathlib import Path

from breeze_infra.usage._report import UsageReport


def write_chart(report: UsageReport, path: Path, top: int = 10) -> None:
    """Requests per day per consumer (or model): the ``top`` busiest, the rest summed."""
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
            positions, [series.get(d, 0) for d in days], marker=".", label=f"{name} ({total})"
        )
    if rest:
        summed = [sum(series.get(d, 0) for _, series in rest) for d in days]
        axes.plot(positions, summed, linestyle="--", color="grey", label=f"{len(rest)} others")
    axes.set_title(f"Workers AI requests per day through the gateway, stack {report.stack}")
    axes.set_xlabel("day (UTC)")
    axes.set_ylabel("requests")
    step = max(1, len(days) // 10)
    axes.set_xticks(list(positions)[::step], days[::step], rotation=30, ha="right")
    axes.grid(True, alpha=0.3)
    if shown:
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    figure.tight_layout()
    figure.savefig(path, format="svg")
    pyplot.close(figure)
