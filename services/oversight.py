"""What managers oversee, from the journey summary read model (store/manager_queries.py): the
caseload, overdue and due journeys, a journey's timeline and the timeliness KPIs, for the
API's manager routes and the dashboard alike. Every list that names journeys records each
one shown in the access log; counts name no one and are not recorded.
"""

from __future__ import annotations

from datetime import date

from domain.calendar import WorkingDayCalendar
from domain.timeline import timeline_entries
from services import access
from services.access import Reader
from services.errors import journey_not_found
from store import manager_queries
from store.access_log import DUE_LIST, OVERDUE_LIST, TIMELINE
from store.events import EventStore


def caseload(store: EventStore, local_authority: str) -> list[dict]:
    """Open journeys counted by pathway and stage."""
    return manager_queries.caseload(store.engine, local_authority)


def overdue_count(store: EventStore, local_authority: str) -> int:
    return manager_queries.overdue_count(store.engine, local_authority)


def overdue(store: EventStore, reader: Reader, limit: int, after: tuple[date, str] | None = None) -> tuple[list, bool]:
    """A page of the reader's LA's journeys with a missed deadline, most overdue first, and
    whether there are more; each one shown recorded as read."""
    rows = manager_queries.overdue(store.engine, reader.who.local_authority, limit=limit + 1, after=after)
    page, more = rows[:limit], len(rows) > limit
    access.record(store, reader, OVERDUE_LIST, [r.journey_id for r in page])
    return page, more


def due(store: EventStore, reader: Reader, today: date, until: date, limit: int,
        after: tuple[date, str] | None = None) -> tuple[list, bool]:
    """A page of the reader's LA's journeys whose next deadline falls from today to `until`,
    and whether there are more; each one shown recorded as read."""
    rows = manager_queries.due_between(store.engine, reader.who.local_authority, today, until, limit=limit + 1,
                                       after=after)
    page, more = rows[:limit], len(rows) > limit
    access.record(store, reader, DUE_LIST, [r.journey_id for r in page])
    return page, more


def timeline(store: EventStore, reader: Reader, journey_id: str) -> list[dict]:
    """The journey's events in date order merged with its deadlines; NotFound if the reader's
    LA has no such journey. Recorded as read."""
    entries = journey_timeline(store, reader.who.local_authority, journey_id)
    if entries is None:
        raise journey_not_found()
    access.record(store, reader, TIMELINE, [journey_id])
    return entries


def journey_timeline(store: EventStore, local_authority: str, journey_id: str) -> list[dict] | None:
    """The timeline, unrecorded: for a page that records its read itself (the dashboard's
    journey page); None if the LA has no such journey."""
    rows = manager_queries.timeline_rows(store.engine, journey_id, local_authority)
    return None if rows is None else timeline_entries(*rows)


def kpis(store: EventStore, local_authority: str, start: date, end: date, calendar: WorkingDayCalendar) -> dict:
    """Timeliness in the period, and the LA's open journeys now counted by plan quality finding."""
    return {**manager_queries.kpis(store.engine, local_authority, start, end, calendar),
            "plan_findings": manager_queries.plan_findings_counts(store.engine, local_authority)}

