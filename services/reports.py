"""The reports' use cases, for the API, the dashboard and the CLI: the ROTH dataset, the
cohort report and the population baselines it is measured against.

The dataset hands over one row of a young person's data per journey, so each journey in it
is recorded in the access log before it is handed over. The cohort report hands over counts
only, each through the disclosure control; how its reads are recorded is said at
COHORT_REPORT.
"""

from __future__ import annotations

from datetime import date

from domain.calendar import WorkingDayCalendar
from reports import cohort_report, roth_dataset
from services import access
from services.access import Reader
from store import baselines
from store.events import EventStore
from store.report_queries import ReportQueries

ROTH_DATASET = "roth_dataset"  # the access log's code for a journey's row in an exported dataset
# The access log's code for a read of the cohort report (its figures, an export or a chart):
# one row per read, naming no journey, with the period, threshold and format or chart in its
# detail. Not a row per journey of the cohort, as the dataset records: the report shows no
# journey, only counts, and a row per child would answer "who has seen this child's record?"
# with people who never saw it. But not unrecorded either, like the KPIs: the threshold is the
# caller's, and one of 1 publishes every count, small ones included, which can point to a
# young person in a small group; an auditor can see who looked at which figures, and how
# protected they were.
COHORT_REPORT = "cohort_report"


def roth_dataset_rows(store: EventStore, reader: Reader, period_from: date, period_to: date) -> list[dict]:
    """The ROTH dataset of the reader's LA for the period, each journey in it recorded as read."""
    rows = roth_dataset_unrecorded(store, reader.who.local_authority, period_from, period_to)
    record_roth_dataset(store, reader, rows)
    return rows


def roth_dataset_unrecorded(store: EventStore, local_authority: str, period_from: date, period_to: date) -> list[dict]:
    """The dataset's rows, not yet recorded: for an edge that records them itself, with
    `record_roth_dataset`, before handing them over (the CLI, which says which step failed)."""
    return roth_dataset.dataset_rows(ReportQueries(store.engine), local_authority, period_from, period_to)


def record_roth_dataset(store: EventStore, reader: Reader, rows: list[dict]) -> None:
    access.record(store, reader, ROTH_DATASET, [row["journey_id"] for row in rows])


def cohort(store: EventStore, local_authority: str, period_from: date, period_to: date,
           calendar: WorkingDayCalendar, threshold: int) -> dict:
    """The published cohort report of the LA for the period (read by `record_cohort_read`)."""
    return cohort_report.load_cohort_report(ReportQueries(store.engine), local_authority, period_from, period_to,
                                            calendar, threshold)


def record_cohort_read(store: EventStore, reader: Reader, period_from: date, period_to: date, threshold: int,
                       what: str) -> None:
    """Record a read of the cohort report's figures: which, how protected, in what form."""
    access.record(store, reader, COHORT_REPORT, [None], access_detail(period_from, period_to, threshold, what))


def access_detail(start: date, end: date, threshold: int, what: str) -> str:
    """The access log's detail of a cohort report read: which figures, how protected, in what form."""
    return f"from={start.isoformat()} to={end.isoformat()} threshold={threshold} {what}"


def record_baseline(store: EventStore, local_authority: str, dimension: str, counts: dict, source: str,
                    recorded_by: str, age_bands):
    """Record the LA's population for a dimension of the cohort (the caller checks the role)."""
    return baselines.record_baseline(store.engine, local_authority, dimension, counts, source, recorded_by, age_bands)


def current_baseline(store: EventStore, local_authority: str, dimension: str):
    """The LA's population baseline in force for a dimension, or None."""
    return baselines.current_baseline(store.engine, local_authority, dimension)
