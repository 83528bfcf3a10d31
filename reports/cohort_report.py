"""The cohort report for a period, as published: every count through the disclosure control.

    report = load_cohort_report(ReportQueries(engine), "873", date(2026, 4, 1), date(2027, 3, 31), calendar)
    to_csv(report)   # text: every published table in one long table
    to_xlsx(report)  # bytes: a contents sheet, then one sheet per table

`cohort_report` builds it from what the loader reads, and is pure: the API, its exports, the
dashboard and the charts (reports/charts.py) all show the same published figures.

- **The cohort**: the plans (ROTH or CP) that overlapped the period, one per young person
  (the ROTH dataset's rows, reports/roth_dataset.py), counted by harm type, pathway, age band
  at the plan's start, sex and ethnicity: one table per breakdown.
- **ROTH plans as a share of all CP plans** for young people aged 10 and over.
- **Disproportionality** against each population baseline the LA supplied
  (store/baselines.py): a group's rate of plans per head over the whole population's rate,
  counting only the plans of the age bands the baseline covers.
- **Timeliness on both clocks** (domain/timeliness.py) of the initial conferences held in the
  period: within 15 working days of the last strategy discussion (this service's clock, the
  original due date), and DfE's bands of working days from the s.47 start; by pathway, and by
  month of the conference with the share on time on each clock.
- **Plan quality findings** (domain/plans.py check_plan) of the cohort's plans, as each plan
  stands now (or stood when it ended), by code.

Disclosure control: each table of counts is published through domain/disclosure.py's
`suppress` (counts under the threshold, default 5, suppressed, then as many more as it takes
so that no suppressed count is the only unknown of a row or column with its total). A figure
derived from counts (a share, a ratio) is published only where every count it is worked out
from is, since it would otherwise give a suppressed count back. Suppressed entries are None
(`[c]` in the exports, as the ONS marks confidential cells); why one was suppressed is not
published either, as "primary" would say it is small. What `suppress` does not do (see its
module) holds here too: each breakdown is its own table, and a reader who sets two of them
side by side may narrow a suppressed count (the harm types of plans counted by pathway, say).
Multi-valued breakdowns (harm types, findings) count each value once per plan, so their
totals count values, not plans.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable, Mapping, Sequence

from domain import vocabulary
from domain.ages import AGE_BANDS
from domain.calendar import WorkingDayCalendar
from domain.disclosure import DEFAULT_THRESHOLD, TOTAL, suppress
from domain.model import ETHNICITIES, HARM_TYPES, PATHWAYS, SEXES
from domain.periods import months_in
from domain.timeliness import DFE_BANDS
from reports.cells import csv_row, written_as_text
from reports.cohort import BASELINE_GROUPS, counts, disproportionality, in_age_bands, roth_share_of_cp_plans
from reports.roth_dataset import dataset_rows

__all__ = [
    "BREAKDOWNS", "LABELS", "SUPPRESSED", "cohort_report", "grids", "load_cohort_report",
    "to_csv", "to_xlsx",
]

SUPPRESSED = "[c]"  # how the exports mark a suppressed entry
PLANS = "plans"
ON_TIME, LATE = "on_time", "late"
WITHIN_15, OVER_15 = "within_15", "over_15"
ROTH, CP = PATHWAYS
# Month names written out here, so that the host's locale never changes what is published.
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# The published words for each code (the exports, the charts and the dashboard show these).
LABELS: dict[str, dict[str, str]] = {
    "harm_type": vocabulary.HARM_TYPES,
    "pathway": vocabulary.PATHWAYS_SHORT,
    "age_band": vocabulary.AGE_BANDS,
    "sex": vocabulary.SEXES,
    "ethnicity": vocabulary.ETHNICITIES,
    "plan_finding": vocabulary.PLAN_FINDINGS,
}
# The plan quality check's codes, in the order the report lists them.
FINDING_CODES = tuple(LABELS["plan_finding"])
# The columns of the tables.
COLUMN_LABELS = {
    PLANS: "Plans", ON_TIME: "On time", LATE: "Late", WITHIN_15: "Within 15 working days",
    OVER_15: "Over 15 working days",
    # The DfE bands, in working days (the tables' notes say so).
    **{label: f"{label.replace('-', ' to ').replace('21+', '21 or more')} days" for label, _, _ in DFE_BANDS},
}


@dataclass(frozen=True)
class Breakdown:
    """One of the cohort's tables: which dataset column, its groups in order, its title."""

    name: str
    column: str
    groups: tuple[str, ...]
    heading: str  # what its rows are
    title: str
    note: str


BREAKDOWNS = (
    Breakdown("harm_type", "harm_types", HARM_TYPES, "Harm type", "Plans by harm type",
              "Harm outside the home the strategy discussion found; a plan with several counts once under each, "
              "and plans with none are not counted, so the total counts harm types, not plans."),
    Breakdown("pathway", "pathway", PATHWAYS, "Pathway", "Plans by pathway",
              "The pathway the plan is on now (or ended on)."),
    Breakdown("age_band", "age_band", AGE_BANDS, "Age band", "Plans by age band", "Age at the start of the plan."),
    Breakdown("sex", "sex", SEXES, "Sex", "Plans by sex", "As the CIN census records it."),
    Breakdown("ethnicity", "ethnicity", ETHNICITIES, "Ethnicity", "Plans by ethnicity", "CIN census ethnicity codes."),
)


# --- the report ------------------------------------------------------------------------------

def cohort_report(
    local_authority: str, period_from: date, period_to: date, rows: Sequence[dict],
    months: Sequence[tuple[date, date, dict]], findings: Mapping[str, Iterable[str]], baselines: Mapping[str, Any],
    threshold: int = DEFAULT_THRESHOLD,
) -> dict:
    """The published report (JSON-ready) for the period, from:

    - `rows`: the ROTH dataset's rows for the period (reports/roth_dataset.py dataset_rows);
    - `months`: (first day, last day, timeliness measures) for each month of the period as
      `months_in` cuts it, the measures as domain/timeliness.py `timeliness` gives them;
    - `findings`: journey id -> the codes of its plan's quality findings;
    - `baselines`: dimension -> the LA's population baseline in force (store/baselines.py
      Baseline, or anything with its `counts`, `age_bands`, `source` and `recorded_at`).

    Every count table is {"name", "title", "note", "row_heading", "columns": [{"code",
    "label"}], "rows": [{"code", "label", "cells": [...], "total"}], "totals": {"cells": [...],
    "total"}}, its counts ints or None where suppressed."""
    if period_to < period_from:
        raise ValueError("the period ends before it starts")
    if threshold < 1:
        raise ValueError("the threshold is at least 1")
    cohort = [_count_table(b, counts(rows, b.column), threshold) for b in BREAKDOWNS]
    return {
        "local_authority": local_authority,
        "period": {"from": period_from.isoformat(), "to": period_to.isoformat()},
        "threshold": threshold,
        "suppression": f"Counts under {threshold} are suppressed, and as many others as it takes so that no "
                       "suppressed count can be worked out from a total. A share or a ratio is left out where "
                       "a count it is worked out from is suppressed.",
        "cohort": cohort,
        "roth_share": _roth_share(rows, threshold),
        "disproportionality": [_disproportionality(dimension, baselines[dimension], rows, threshold)
                               for dimension in BASELINE_GROUPS if dimension in baselines],
        "timeliness": _timeliness(months, threshold),
        "plan_findings": _findings_table(rows, findings, threshold),
    }


def _groups(known: Sequence[str], counted: Mapping[str, int]) -> tuple[str, ...]:
    """The code list's groups in its order, then any value the rows hold that it lacks."""
    return tuple(known) + tuple(sorted(group for group in counted if group not in known))


def _count_table(breakdown: Breakdown, counted: Mapping[str, int], threshold: int) -> dict:
    """A one-way table of plans by group, published."""
    groups = _groups(breakdown.groups, counted)
    return _table(breakdown.name, breakdown.title, breakdown.note, breakdown.heading, groups,
                  LABELS.get(breakdown.name, {}), (PLANS,), {(g, PLANS): counted.get(g, 0) for g in groups}, threshold)


def _table(name: str, title: str, note: str, heading: str, rows: Sequence[str], row_labels: Mapping[str, str],
           columns: Sequence[str], cells: Mapping[tuple[str, str], int], threshold: int) -> dict:
    published = suppress(rows, columns, cells, threshold)
    return {
        "name": name, "title": title, "note": note, "row_heading": heading,
        "columns": [{"code": c, "label": COLUMN_LABELS.get(c, c)} for c in columns],
        "rows": [{"code": r, "label": row_labels.get(r, r), "cells": [published.value(r, c) for c in columns],
                  "total": published.value(r, TOTAL)} for r in rows],
        "totals": {"cells": [published.value(TOTAL, c) for c in columns], "total": published.value(TOTAL, TOTAL)},
    }


def _percentage(part: int | None, whole: int | None) -> float | None:
    """part of whole in per cent (one decimal place); None if either is suppressed or whole is 0."""
    if part is None or not whole:
        return None
    return round(100 * part / whole, 1)


def _roth_share(rows: Sequence[dict], threshold: int) -> dict:
    roth, every, _ = roth_share_of_cp_plans(rows)
    table = _table("roth_share", "ROTH plans among all child protection plans, ages 10 and over",
                   "A ROTH plan is a child protection plan on the ROTH pathway; young people aged 10 and over "
                   "at the plan's start.", "Pathway", PATHWAYS, LABELS["pathway"], (PLANS,),
                   {(ROTH, PLANS): roth, (CP, PLANS): every - roth}, threshold)
    published_roth, published_all = table["rows"][0]["cells"][0], table["totals"]["total"]
    return {"table": table, "roth": published_roth, "all": published_all,
            "percentage": _percentage(published_roth, published_all)}


def _disproportionality(dimension: str, baseline: Any, rows: Sequence[dict], threshold: int) -> dict:
    """Each group's rate ratio, published only where its count of plans is (and the total)."""
    age_bands = None if dimension == "age_band" else baseline.age_bands
    covered = in_age_bands(rows, age_bands)
    population = dict(baseline.counts)
    groups = tuple(g for g in _groups(BASELINE_GROUPS[dimension], population) if g in population)
    planned = counts(covered, dimension)
    heading = _breakdown(dimension).heading
    table = _table(f"disproportionality_{dimension}", f"Plans by {heading.lower()} against the population",
                   "", heading, groups, LABELS.get(dimension, {}), (PLANS,),
                   {(g, PLANS): planned.get(g, 0) for g in groups}, threshold)
    ratios = disproportionality(covered, population, dimension)
    total = table["totals"]["total"]
    published = []
    for group, row in zip(groups, table["rows"]):
        plans_in_group = row["cells"][0]
        ratio = ratios[group] if plans_in_group is not None and total is not None else None
        published.append({"code": group, "label": row["label"], "population": population[group],
                          "plans": plans_in_group, "ratio": round(ratio, 2) if ratio is not None else None})
    return {
        "dimension": dimension, "title": table["title"], "row_heading": heading,
        "age_bands": list(age_bands) if age_bands is not None else None,
        "source": baseline.source, "recorded_on": baseline.recorded_at.date().isoformat(),
        "population": sum(population.values()), "plans": total, "groups": published,
        "note": ("A group's plans per head of its population over the whole population's plans per head: 1.0 is "
                 "proportionate, 2.0 twice as many. Only plans of young people in the age bands the population "
                 "covers are counted, and only groups the population names."),
    }


def _breakdown(name: str) -> Breakdown:
    return next(b for b in BREAKDOWNS if b.name == name)


def _timeliness(months: Sequence[tuple[date, date, dict]], threshold: int) -> dict:
    """Initial conferences held in the period on both clocks, by pathway and by month."""
    on_time: dict[tuple[str, str], int] = {}
    bands: dict[tuple[str, str], int] = {}
    by_month_on_time: dict[tuple[str, str], int] = {}
    by_month_dfe: dict[tuple[str, str], int] = {}
    month_keys, month_labels = [], {}
    for first, _, measures in months:
        key = f"{first.year:04d}-{first.month:02d}"
        month_keys.append(key)
        month_labels[key] = f"{MONTHS[first.month - 1]} {first.year}"
        conferences, dfe = measures["initial_conferences"], measures["s47_to_initial_conference"]
        for pathway in PATHWAYS:
            held = conferences["by_pathway"][pathway]
            _add(on_time, (pathway, ON_TIME), held["within"])
            _add(on_time, (pathway, LATE), held["count"] - held["within"])
            for label, _, _ in DFE_BANDS:
                _add(bands, (pathway, label), dfe["by_pathway"][pathway]["bands"][label])
        by_month_on_time[(key, ON_TIME)] = conferences["within"]
        by_month_on_time[(key, LATE)] = conferences["count"] - conferences["within"]
        by_month_dfe[(key, WITHIN_15)] = dfe["within_15"]
        by_month_dfe[(key, OVER_15)] = dfe["count"] - dfe["within_15"]
    fifteen_days = _table(
        "initial_conferences", "Initial conferences within 15 working days",
        "Initial conferences held in the period, on time when held within 15 working days of the last strategy "
        "discussion (the original due date: an approved extension does not make a late one on time).",
        "Pathway", PATHWAYS, LABELS["pathway"], (ON_TIME, LATE), on_time, threshold)
    dfe_bands = _table(
        "s47_bands", "Section 47 start to initial conference (DfE bands)",
        "Working days from the strategy discussion that opened the s.47 enquiry to the initial conference, "
        "as the DfE counts them, for initial conferences held in the period.",
        "Pathway", PATHWAYS, LABELS["pathway"], tuple(label for label, _, _ in DFE_BANDS), bands, threshold)
    fifteen_by_month = _table(
        "initial_conferences_by_month", "Initial conferences within 15 working days, by month",
        "By the month the initial conference was held.", "Month", month_keys, month_labels, (ON_TIME, LATE),
        by_month_on_time, threshold)
    dfe_by_month = _table(
        "s47_by_month", "Section 47 start to initial conference within 15 working days, by month",
        "By the month the initial conference was held (DfE bands 0 to 10 and 11 to 15 together).", "Month", month_keys,
        month_labels, (WITHIN_15, OVER_15), by_month_dfe, threshold)
    return {
        "initial_conferences": fifteen_days,
        "initial_conferences_percentage": _percentage(fifteen_days["totals"]["cells"][0], fifteen_days["totals"]["total"]),
        "s47_bands": dfe_bands,
        "s47_percentage_within_15": _within_15(dfe_bands["totals"]),
        "by_month": [
            {"month": key, "label": month_labels[key],
             "initial_conferences": _month_share(ic_row), "s47_to_initial_conference": _month_share(dfe_row)}
            for key, ic_row, dfe_row in zip(month_keys, fifteen_by_month["rows"], dfe_by_month["rows"])
        ],
        "initial_conferences_by_month": fifteen_by_month,
        "s47_by_month": dfe_by_month,
    }


def _add(tally: dict, key: tuple[str, str], n: int) -> None:
    tally[key] = tally.get(key, 0) + n


def _within_15(totals: dict) -> float | None:
    """The share within 15 working days from the DfE bands' totals: the first two bands."""
    first, second = totals["cells"][0], totals["cells"][1]
    return _percentage(first + second, totals["total"]) if first is not None and second is not None else None


def _month_share(row: dict) -> dict:
    """A month's conferences on one clock: how many were held and the share on time, or
    None where suppressed; `suppressed` tells that apart from a month with none held."""
    held, on_time = row["total"], row["cells"][0]
    return {"held": held, "on_time": on_time, "percentage": _percentage(on_time, held),
            "suppressed": held is None or (held > 0 and on_time is None)}


def _findings_table(rows: Sequence[dict], findings: Mapping[str, Iterable[str]], threshold: int) -> dict:
    counted: dict[str, int] = {}
    for row in rows:
        for code in dict.fromkeys(findings.get(row["journey_id"]) or ()):  # once per plan
            counted[code] = counted.get(code, 0) + 1
    groups = _groups(FINDING_CODES, counted)
    return _table("plan_findings", "Plan quality findings",
                  "The cohort's plans with each finding of the plan quality check, as the plan stands now (or "
                  "stood when it ended); a plan with several counts once under each.", "Finding",
                  groups, LABELS["plan_finding"], (PLANS,), {(g, PLANS): counted.get(g, 0) for g in groups}, threshold)


# --- the exports ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Grid:
    """A published table as the exports lay it out: a header, then rows of a label and values
    (int, float, None for suppressed, "" for nothing to show)."""

    name: str
    title: str
    note: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, tuple[str, ...], tuple[Any, ...]], ...]  # (row code, row label, values)


def grids(report: dict) -> list[Grid]:
    """Every published table of the report, in the order the report reads."""
    out = [_count_grid(table) for table in report["cohort"]]
    share = report["roth_share"]
    out.append(_count_grid(share["table"], extra=("Share of all (%)", lambda row: _percentage(row["total"], share["all"]))))
    for found in report["disproportionality"]:
        hidden = found["plans"] is None
        out.append(Grid(
            f"disproportionality_{found['dimension']}", found["title"],
            f"{found['note']} Population: {found['source']} (recorded {found['recorded_on']}).",
            (found["row_heading"], "Population", "Plans", "Ratio"),
            tuple((g["code"], g["label"], (g["population"], g["plans"], _ratio(g, hidden))) for g in found["groups"])
            + ((TOTAL, "Total", (found["population"], found["plans"], "")),),
        ))
    timeliness = report["timeliness"]
    on_time_share = ("On time (%)", lambda row: _percentage(row["cells"][0], row["total"]))
    out.append(_count_grid(timeliness["initial_conferences"], extra=on_time_share))
    out.append(_count_grid(timeliness["s47_bands"], extra=("Within 15 working days (%)", _within_15)))
    out.append(_count_grid(timeliness["initial_conferences_by_month"], extra=on_time_share))
    out.append(_count_grid(timeliness["s47_by_month"], extra=("Within 15 working days (%)",
                                                             lambda row: _percentage(row["cells"][0], row["total"]))))
    out.append(_count_grid(report["plan_findings"]))
    return out


def _count_grid(table: dict, extra: tuple[str, Any] | None = None) -> Grid:
    """A count table as a grid: its columns, a total column when there are several, and an
    optional derived column (a share, None where it cannot be published)."""
    several = len(table["columns"]) > 1
    header = (table["row_heading"], *(c["label"] for c in table["columns"]), *(("Total",) if several else ()),
              *((extra[0],) if extra else ()))
    rows = []
    for row in [*table["rows"], {"code": TOTAL, "label": "Total", **table["totals"]}]:
        values = [*row["cells"], *((row["total"],) if several else ())]
        if extra:
            derived = extra[1](row)
            values.append(derived if derived is not None else (None if _hides(row) else ""))
        rows.append((row["code"], row["label"], tuple(values)))
    return Grid(table["name"], table["title"], table["note"], header, tuple(rows))


def _ratio(group: dict, total_hidden: bool) -> float | str | None:
    """A ratio as published: None (suppressed) where a count it needs is, "" where the
    population names nobody in the group."""
    if group["ratio"] is not None:
        return group["ratio"]
    return None if group["plans"] is None or total_hidden else ""


def _hides(row: dict) -> bool:
    return row["total"] is None or any(cell is None for cell in row["cells"])


def _text(value: Any) -> str:
    if value is None:
        return SUPPRESSED
    return str(value)


def to_csv(report: dict) -> str:
    """Every published table in one long CSV: table, title, row, row label, column, value
    ([c] where suppressed, empty where there is nothing to show)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(("table", "title", "row", "row_label", "column", "value"))
    for grid in grids(report):
        for code, label, values in grid.rows:
            for column, value in zip(grid.header[1:], values):
                writer.writerow(csv_row((grid.name, grid.title, code, label, column, _text(value))))
    return out.getvalue()


CONTENTS = "Contents"


def to_xlsx(report: dict) -> bytes:
    """A workbook: a contents sheet (the LA, the period, the suppression rule, the tables with
    what each counts), then one sheet per table named as the table is (its title in A1, the
    header in row 2, then its rows; suppressed entries are [c])."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    book = Workbook()
    contents = book.active
    contents.title = CONTENTS
    period = report["period"]
    contents.append([f"Cohort report, local authority {report['local_authority']}, {period['from']} to {period['to']}"])
    contents["A1"].font = Font(bold=True, size=14)
    contents.append([f"Disclosure control: {report['suppression']} Suppressed entries are marked {SUPPRESSED}."])
    contents.append([])
    contents.append(["Sheet", "Table", "What it counts"])
    for cell in contents[4]:
        cell.font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for grid in grids(report):
        contents.append([grid.name, grid.title, grid.note])
        sheet = book.create_sheet(grid.name[:31])
        sheet.append([grid.title])
        sheet["A1"].font = Font(bold=True, size=12)
        sheet.append(list(grid.header))
        for cell in sheet[2]:
            cell.font = Font(bold=True)
            cell.fill = header_fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for _, label, values in grid.rows:
            sheet.append([label, *(SUPPRESSED if v is None else v for v in values)])
            for cell in sheet[sheet.max_row][1:]:
                cell.alignment = Alignment(horizontal="right")
        sheet.column_dimensions["A"].width = max(12, min(60, max(len(label) for _, label, _ in grid.rows) + 2))
        for letter in "BCDEFGH"[:len(grid.header) - 1]:
            sheet.column_dimensions[letter].width = 16
        sheet.freeze_panes = "B3"
    for letter, width in (("A", 30), ("B", 60), ("C", 100)):
        contents.column_dimensions[letter].width = width
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            written_as_text(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- the loader: the report's only I/O -----------------------------------------------------------

def load_cohort_report(queries, local_authority: str, period_from: date, period_to: date,
                       calendar: WorkingDayCalendar, threshold: int = DEFAULT_THRESHOLD) -> dict:
    """The LA's cohort report for the period, read through `queries` (store/report_queries.py's
    ReportQueries): the dataset's rows, the timeliness measures of each month (the manager
    queries' KPIs, a query a month), the plans' findings and the population baselines in force."""
    if period_to < period_from:
        raise ValueError("the period ends before it starts")
    rows = dataset_rows(queries, local_authority, period_from, period_to)
    months = [(first, last, queries.kpis(local_authority, first, last, calendar))
              for first, last in months_in(period_from, period_to)]
    findings = queries.plan_findings(local_authority, [row["journey_id"] for row in rows])
    return cohort_report(local_authority, period_from, period_to, rows, months, findings,
                         queries.current_baselines(local_authority), threshold)
