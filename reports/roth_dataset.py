"""The ROTH dataset: one row per young person per plan, the fields sites kept in spreadsheets.

    rows = dataset_rows(ReportQueries(engine), "873", date(2026, 4, 1), date(2027, 3, 31))
    to_csv(rows)   # text, a header row first
    to_xlsx(rows)  # bytes: a formatted workbook, sheet "ROTH dataset"

A journey is in the dataset for a period when it had a plan (ROTH or CP) that overlapped it:
the plan started on or before the period's last day and had not ended before its first day (a
plan ends when its journey closes). A journey holds at most one plan (the initial conference
makes it, a transfer keeps it going on the other pathway, its end closes the journey), so one
row per journey that had a plan is one row per young person per plan.

Most fields come from the journey's contract view (`journeys.view`, domain/views.py). The
dates of the strategy discussion and of the initial conference are not in the view: they are
read from the event log, for all the dataset's journeys in a few queries, with any correction
of their dates (`EventCorrected`, field `occurred_on`) applied.

The columns, in order (COLUMNS; the keys of every row):

| column | meaning |
| --- | --- |
| journey_id | the journey's id |
| child_id | the LA's child id (CIN census LAchildID) |
| pathway | the current pathway: roth or cp |
| transfers | how many times the journey moved between the pathways |
| strategy_discussion_on | the strategy discussion that opened the s.47 enquiry: the latest held (none can be held once a plan is in place) |
| initial_conference_on | the initial conference that made the plan |
| plan_started_on | the day the plan started |
| plan_ended_on | the day it ended (the journey's closure), empty while it goes on |
| categories | the plan's categories of harm, ";"-joined |
| outside_home | yes when the plan is about harm outside the home, else no |
| harm_types | the harm types the strategy discussion found, ";"-joined |
| needs | the young person's needs in the current care plan, ";"-joined |
| contexts | the kinds of context outside the home the latest context weighting names, distinct, ";"-joined |
| age_band | age at the plan's start, in domain/ages.py's bands: under 10, 10-12, 13-15, 16-17 (18 and over, which a journey never reaches on a plan) |
| sex | M, F or U |
| ethnicity | the CIN census ethnicity code |
| outcome | open; or the closure reason, with the step down when there was one ("plan_ended, step down: early_help") |

In Python the date columns are `datetime.date` (or None) and `transfers` an int; the CSV writes
dates as YYYY-MM-DD and None as an empty field; the workbook keeps dates as dates. Both write a
text that a spreadsheet would run as a formula as text (reports/cells.py).
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any, Iterable

from domain.ages import age_band
from reports.cells import csv_row, written_as_text

__all__ = ["COLUMNS", "DATE_COLUMNS", "SHEET", "dataset_rows", "to_csv", "to_xlsx"]

COLUMNS = (
    "journey_id", "child_id", "pathway", "transfers", "strategy_discussion_on", "initial_conference_on",
    "plan_started_on", "plan_ended_on", "categories", "outside_home", "harm_types", "needs", "contexts",
    "age_band", "sex", "ethnicity", "outcome",
)
DATE_COLUMNS = frozenset({"strategy_discussion_on", "initial_conference_on", "plan_started_on", "plan_ended_on"})
SHEET = "ROTH dataset"

HOME_FAMILY = "home_family"  # domain/weighting.py: the one kind of context that is not outside the home
STRATEGY_DISCUSSION = "StrategyDiscussionHeld"
INITIAL_CONFERENCE = "InitialConferenceHeld"
CORRECTED = "EventCorrected"


def dataset_rows(queries, local_authority: str, period_from: date, period_to: date) -> list[dict]:
    """The LA's journeys whose plan overlapped the period, one row each (keys: COLUMNS), ordered
    by (plan_started_on, journey_id), from `queries` (store/report_queries.py's ReportQueries)."""
    if period_to < period_from:
        raise ValueError("the period ends before it starts")
    found = queries.journeys_open_between(local_authority, period_from, period_to)
    planned = []
    for journey_id, view in found:
        plan = view.get("plan")
        if not plan:
            continue
        started = date.fromisoformat(plan["started_on"])
        ended = _date(view.get("closed_on")) if view.get("closed") else None
        if started <= period_to and (ended is None or ended >= period_from):
            planned.append((journey_id, view, started, ended))
    steps = _step_dates(queries, [journey_id for journey_id, *_ in planned])
    rows = [_row(journey_id, view, started, ended, steps.get(journey_id, {}))
            for journey_id, view, started, ended in planned]
    rows.sort(key=lambda r: (r["plan_started_on"], r["journey_id"]))
    return rows


def _row(journey_id: str, view: dict, started: date, ended: date | None, steps: dict) -> dict:
    plan = view["plan"]
    person = view.get("young_person") or {}
    care = view.get("care_plan") or {}
    weightings = view.get("context_weightings") or []
    kinds = [c.get("kind") for c in (weightings[-1].get("contexts") or [])] if weightings else []
    born = _date(person.get("date_of_birth"))
    if view.get("closed"):
        reason, step_down = view.get("closure_reason") or "closed", view.get("step_down")
        outcome = f"{reason}, step down: {step_down}" if step_down else reason
    else:
        outcome = "open"
    return {
        "journey_id": journey_id,
        "child_id": person.get("id"),
        "pathway": view.get("pathway"),
        "transfers": int(view.get("transfers") or 0),
        "strategy_discussion_on": steps.get(STRATEGY_DISCUSSION),
        "initial_conference_on": steps.get(INITIAL_CONFERENCE),
        "plan_started_on": started,
        "plan_ended_on": ended,
        "categories": ";".join(plan.get("categories") or ()),
        "outside_home": "yes" if plan.get("outside_home") else "no",
        "harm_types": ";".join(view.get("harm_types") or ()),  # absent from views written before it existed
        "needs": ";".join(care.get("needs") or ()),
        "contexts": ";".join(dict.fromkeys(k for k in kinds if k and k != HOME_FAMILY)),
        "age_band": age_band(born, started) if born else None,
        "sex": person.get("sex"),
        "ethnicity": person.get("ethnicity"),
        "outcome": outcome,
    }


def _step_dates(queries, journey_ids: list[str]) -> dict[str, dict[str, date | None]]:
    """{journey_id: {event type: date}}: the latest strategy discussion and the initial
    conference of each journey, their dates as corrected."""
    found: dict[str, dict[str, tuple[str, date | None]]] = {}  # stream -> type -> (event id, date)
    for stream, event_id, type_, occurred_on, data in queries.events_of_types(
            journey_ids, (STRATEGY_DISCUSSION, INITIAL_CONFERENCE, CORRECTED)):
        steps = found.setdefault(stream, {})
        if type_ != CORRECTED:
            # A later discussion replaces an earlier one; there is one initial conference.
            steps[type_] = (event_id, occurred_on)
        elif data.get("field") == "occurred_on":
            # Only the latest fact of its kind can be corrected: the one kept here.
            for kind, (held_id, _) in list(steps.items()):
                if held_id == data.get("corrects"):
                    steps[kind] = (held_id, _date(data.get("value")))
    return {stream: {kind: on for kind, (_, on) in steps.items()} for stream, steps in found.items()}


def _date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


def to_csv(rows: Iterable[dict]) -> str:
    """The rows as CSV: a header row of COLUMNS, dates as YYYY-MM-DD, nothing as an empty field."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(csv_row(_text(row[c]) for c in COLUMNS))
    return out.getvalue()


def to_xlsx(rows: Iterable[dict]) -> bytes:
    """The rows as a workbook with one sheet, SHEET: a bold header row, frozen, with an
    autofilter over the data; dates are dates (shown YYYY-MM-DD), transfers a number, and each
    column as wide as its longest value (within reason)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    rows = list(rows)
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append(list(COLUMNS))
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(vertical="center")
    for row in rows:
        sheet.append([row[c] for c in COLUMNS])
        written_as_text(sheet[sheet.max_row])
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        if column in DATE_COLUMNS:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = "yyyy-mm-dd"
        longest = max([len(column)] + [len(_text(row[column])) for row in rows])
        sheet.column_dimensions[letter].width = min(max(longest + 2, 10), 60)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(rows) + 1}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
