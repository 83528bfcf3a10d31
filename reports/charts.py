"""The cohort report's charts, rendered on the server as SVG with matplotlib.

    svg = chart(report, "ethnicity")   # text of an SVG document

Charts draw the published report (reports/cohort_report.py), never the counts behind it: a
suppressed count has no bar, only the words "suppressed" where its bar would be, so neither
its length nor the axis (scaled to the published counts) gives it away. A month whose share
on time cannot be published has no bar and is marked the same way.

CHARTS names them: one bar chart per breakdown of the cohort and of the plan findings, and
the share of initial conferences on time by month on both clocks. Each chart's elements
carry ids (`bar-<code>`, `value-<code>`, `suppressed-<code>`) so that what was drawn can be
checked by reading the SVG.

matplotlib's object API is used (a Figure per chart, never pyplot's global state), so charts
can be drawn by several threads at once; the backend is Agg, and nothing is ever shown.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402  (after choosing the backend)
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import MaxNLocator, PercentFormatter  # noqa: E402

from reports.cohort_report import SUPPRESSED  # noqa: E402

__all__ = ["CHARTS", "chart"]

BAR = "#1a5fa3"  # the dashboard's blue
SECOND = "#f47738"  # orange: told apart from the blue by people with the commonest colour blindness
MUTED = "#505a5f"
RULE = "#d8dadb"

STYLE = {
    # Text stays text (the browser draws it, a test can read it, a screen reader too).
    "svg.fonttype": "none",
    # The same report gives the same SVG: element ids come from this salt, not at random.
    "svg.hashsalt": "safeguarding-pathways",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica"],
    "font.size": 10,
}
matplotlib.rcParams.update(STYLE)

COHORT_CHARTS = ("harm_type", "pathway", "age_band", "sex", "ethnicity")
TIMELINESS = "timeliness"
CHARTS = (*COHORT_CHARTS, "plan_findings", TIMELINESS)


def chart(report: dict, name: str) -> str:
    """The chart called `name` (one of CHARTS) of the published report, as SVG text."""
    if name == TIMELINESS:
        return _timeliness_chart(report)
    if name == "plan_findings":
        return _bar_chart(report["plan_findings"], "plans with the finding", report["threshold"],
                          "Findings in all: {total} (a plan may have several).")
    tables = {table["name"]: table for table in report["cohort"]}
    if name not in tables:
        raise KeyError(name)
    total = ("Harm types in all: {total} (a plan may have several; plans with none are not counted)."
             if name == "harm_type" else "Plans in all: {total}.")
    return _bar_chart(tables[name], "plans", report["threshold"], total)


def _bar_chart(table: dict, noun: str, threshold: int, total_words: str) -> str:
    """Horizontal bars, one per group in the table's order (top down), each with its count."""
    rows = table["rows"]
    shown = [row["cells"][0] for row in rows]
    figure = Figure(figsize=(7.2, 1.5 + 0.34 * len(rows)), layout="constrained")
    axes = figure.add_subplot()
    positions = list(range(len(rows)))[::-1]  # the first group at the top
    top = max([count for count in shown if count is not None] + [1])
    for y, row, count in zip(positions, rows, shown):
        if count is None:
            axes.text(top * 0.01, y, f"suppressed {SUPPRESSED}", va="center", ha="left", color=MUTED,
                      fontstyle="italic", gid=f"suppressed-{row['code']}")
            continue
        [bar] = axes.barh([y], [count], height=0.62, color=BAR)
        bar.set_gid(f"bar-{row['code']}")
        axes.text(count + top * 0.01, y, str(count), va="center", ha="left", fontweight="bold",
                  gid=f"value-{row['code']}")
    axes.set_yticks(positions, [row["label"] for row in rows])
    axes.set_ylim(-0.7, len(rows) - 0.3)
    axes.set_xlim(0, top * 1.12)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel(noun[:1].upper() + noun[1:])
    _plain(axes, grid_axis="x")
    total = table["totals"]["total"]
    _titles(figure, table["title"], _footnote(threshold, total_words.format(total=SUPPRESSED if total is None else total)))
    return _svg(figure)


def _timeliness_chart(report: dict) -> str:
    """Per month, the share of initial conferences on time on each clock, side by side."""
    months = report["timeliness"]["by_month"]
    clocks = (("initial_conferences", "ic", "Within 15 working days of the last strategy discussion", BAR),
              ("s47_to_initial_conference", "dfe", "DfE: within 15 working days of the s.47 start", SECOND))
    figure = Figure(figsize=(max(7.2, 1.6 + 0.62 * len(months)), 4.4), layout="constrained")
    axes = figure.add_subplot()
    width = 0.38
    for offset, (key, short, label, colour) in zip((-width / 2, width / 2), clocks):
        for x, month in enumerate(months):
            share = month[key]
            where = x + offset
            code = f"{month['month']}-{short}"
            if share["percentage"] is not None:
                [bar] = axes.bar([where], [share["percentage"]], width=width, color=colour)
                bar.set_gid(f"bar-{code}")
                axes.text(where, share["percentage"] + 1.5, f"{share['percentage']:.0f}", ha="center", va="bottom",
                          fontsize=8, gid=f"value-{code}")
            elif share["suppressed"]:
                axes.text(where, 2, SUPPRESSED, ha="center", va="bottom", fontsize=8, color=MUTED, rotation=90,
                          gid=f"suppressed-{code}")
            else:  # nothing held that month
                axes.text(where, 2, "none", ha="center", va="bottom", fontsize=8, color=MUTED, rotation=90,
                          gid=f"none-{code}")
    axes.set_xticks(range(len(months)), [month["label"].replace(" ", "\n") for month in months])
    axes.set_xlim(-0.7, len(months) - 0.3)  # the first month's marks clear of the axis
    axes.set_ylim(0, 125)  # room above 100% for the legend
    axes.set_yticks(range(0, 101, 25))
    axes.yaxis.set_major_formatter(PercentFormatter())
    axes.set_ylabel("Initial conferences on time")
    _plain(axes, grid_axis="y")
    _titles(figure, "Initial conferences on time, by month",
            _footnote(report["threshold"], "\"none\": no initial conference held that month."))
    axes.legend(handles=[Patch(color=colour, label=label) for _, _, label, colour in clocks],
                loc="upper left", ncols=2, frameon=False, fontsize=9)
    return _svg(figure)


def _plain(axes, grid_axis: str) -> None:
    """Light rules along the value axis, no box: the bars and their figures carry it."""
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.grid(axis=grid_axis, color=RULE, linewidth=0.8)
    axes.set_axisbelow(True)
    axes.tick_params(length=0)


def _titles(figure: Figure, title: str, footnote: str) -> None:
    """The title above and the footnote below, both left-aligned; the figure's own (not the
    axes'), so that the constrained layout keeps them clear of everything else."""
    figure.suptitle(title, x=0.01, ha="left", fontsize=12, fontweight="bold")
    figure.supxlabel(footnote, x=0.01, ha="left", fontsize=8, color=MUTED)


def _footnote(threshold: int, more: str) -> str:
    if threshold <= 1:
        return f"No count is suppressed (threshold 1).\n{more}"
    return f"{SUPPRESSED} suppressed: fewer than {threshold}, or a count that would let one be worked out.\n{more}"


def _svg(figure: Figure) -> str:
    out = io.StringIO()
    # No date in the metadata: the same report draws the same file.
    figure.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()
