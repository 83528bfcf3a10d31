"""The dashboard's own reads: pages that put several use cases on one screen, each journey
shown recorded in the access log before the page is handed over (channel "dashboard").
What the pages say about what they read is the dashboard's (api/dashboard/)."""

from __future__ import annotations

from datetime import date

from domain.calendar import WorkingDayCalendar
from services import access
from services.access import Reader
from store import journey_reads, manager_queries
from store.access_log import CONTEXT_LINKED, JOURNEY_LIST, OVERVIEW
from store.contexts import journeys_linked_to
from store.events import EventStore
from store.queries import journeys_page


def overview(store: EventStore, reader: Reader, today: date, week_end: date, period_start: date,
             calendar: WorkingDayCalendar, shown: int) -> dict:
    """The overview: the caseload, the journeys overdue and those due from today to
    `week_end` (`shown` of each, and one more to tell whether there are more), who each is
    about, the KPIs from `period_start` to today and the plan check; the journeys shown
    recorded as read."""
    la = reader.who.local_authority
    overdue = manager_queries.overdue(store.engine, la, limit=shown + 1)
    due_soon = manager_queries.due_between(store.engine, la, today, week_end, limit=shown + 1)
    people = journey_reads.young_people(store.engine, la, [j.journey_id for j in [*overdue, *due_soon]])
    access.record(store, reader, OVERVIEW, [j.journey_id for j in [*overdue[:shown], *due_soon[:shown]]])
    return {
        "overdue": overdue, "due_soon": due_soon, "people": people,
        "caseload": manager_queries.caseload(store.engine, la),
        "kpis": manager_queries.kpis(store.engine, la, period_start, today, calendar),
        "plan_findings": manager_queries.plan_findings_counts(store.engine, la),
    }


def journey_list(store: EventStore, reader: Reader, *, pathway: str | None, stage: str | None, overdue: bool | None,
                 after: str | None, limit: int) -> tuple[list, bool, dict[str, dict]]:
    """A page of the LA's journeys, whether there are more, and who each shown is about; the
    journeys shown recorded as read."""
    la = reader.who.local_authority
    rows = journeys_page(store.engine, la, pathway=pathway, stage=stage, overdue=overdue, after=after, limit=limit + 1)
    shown, more = rows[:limit], len(rows) > limit
    people = journey_reads.young_people(store.engine, la, [j.journey_id for j in shown])
    access.record(store, reader, JOURNEY_LIST, [j.journey_id for j in shown])
    return shown, more, people


def journeys_naming(store: EventStore, local_authority: str, context_id: str) -> list[dict]:
    """The LA's journeys, open and closed, whose latest weighting names the context."""
    return journeys_linked_to(store.engine, local_authority, context_id, True)


def linked_views(store: EventStore, reader: Reader, context_id: str, linked: list[dict]) -> dict[str, dict]:
    """The views of the journeys naming the context, each recorded as read."""
    ids = [j["journey_id"] for j in linked]
    views = journey_reads.journey_views(store.engine, reader.who.local_authority, ids)
    access.record(store, reader, CONTEXT_LINKED, ids, detail=context_id)
    return views


def context_names(store: EventStore, local_authority: str, context_ids: list[str]) -> dict[str, dict]:
    """The names and kinds journeys give contexts that have no case to name them."""
    return journey_reads.context_names(store.engine, local_authority, context_ids)
