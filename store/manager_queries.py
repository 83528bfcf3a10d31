"""Reads for managers: caseload, overdue and due-soon lists, a journey's timeline rows, timeliness
KPIs, plan quality counts. Rows and counts only: what people read is worded by the callers through
domain/vocabulary.py (the timeline by domain/timeline.py).

Every function is confined to one LA. The list queries read only the `journeys` summary and
are shaped for its indexes, so they stay fast over an LA's whole history:

* caseload: ix_journeys_la_pathway_stage alone (an index-only count);
* overdue and due soon: ix_journeys_la_closed_due, walked in due-date order, with keyset
  pagination on (next_due_on, journey_id) so a page never re-reads the pages before it.

A summary's `next_due_on` is its earliest open deadline; a missed deadline is always earlier
than one still to come, so an overdue journey's `next_deadline_kind` / `next_due_on` name its
longest-missed deadline, and sorting on them puts the most overdue first.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import fields
from datetime import date

from sqlalchemy import Engine, false, func, or_, select, text, true

from domain.calendar import WorkingDayCalendar
from domain.events import EVENT_TYPES, decode
from domain.model import CLOSED
from domain.timeliness import EVENT_TYPES as TIMELINESS_EVENT_TYPES
from domain.timeliness import timeliness
from domain.vocabulary import stage_rank
from store import sql
from store.queries import SUMMARY_COLUMNS
from store.records import JourneySummary
from store.schema import deadlines, events, journeys

__all__ = ["caseload", "due_between", "kpi_event", "kpis", "overdue", "overdue_count", "plan_findings_counts",
           "timeline_rows"]

Keyset = tuple[date, str]  # (next_due_on, journey_id) of the last row of the previous page


def caseload(engine: Engine, local_authority: str) -> list[dict]:
    """Open journeys counted by pathway and stage: [{"pathway", "stage", "count"}].

    Pathway is None for a journey still at referral (no s.47 enquiry has chosen one).
    """
    # A journey is closed exactly when its stage is "closed" (the decider's evolve sets both at
    # once and the summary copies both), so filtering on the stage lets both engines answer
    # from ix_journeys_la_pathway_stage alone, without reading a single table row: over an
    # LA's history, most of whose journeys are closed, that is the difference between ~5 and
    # ~50 ms on SQLite.
    query = (
        select(journeys.c.pathway, journeys.c.stage, func.count().label("count"))
        .where(journeys.c.local_authority == local_authority, journeys.c.stage != CLOSED)
        .group_by(journeys.c.pathway, journeys.c.stage)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    result = [{"pathway": r.pathway, "stage": r.stage, "count": r.count} for r in rows]
    # Sorted here rather than in SQL: the engines disagree on where NULL sorts.
    return sorted(result, key=lambda r: (r["pathway"] is None, r["pathway"] or "", stage_rank(r["stage"])))


def overdue_count(engine: Engine, local_authority: str) -> int:
    """How many of the LA's open journeys have a missed deadline."""
    query = select(func.count()).select_from(journeys).where(
        journeys.c.local_authority == local_authority, journeys.c.overdue == true(),
        journeys.c.closed == false(),
    )
    with engine.connect() as connection:
        return connection.execute(query).scalar_one()


def overdue(
    engine: Engine, local_authority: str, limit: int = 100, after: Keyset | None = None
) -> list[JourneySummary]:
    """Open journeys with a missed deadline, most overdue first (earliest missed due date).

    `after` is the (next_due_on, journey_id) of the last journey of the previous page.
    """
    query = _open_by_due_date(local_authority, limit, after).where(journeys.c.overdue == true())
    return _summaries(engine, query)


def due_between(
    engine: Engine, local_authority: str, start: date, end: date, limit: int = 100,
    after: Keyset | None = None,
) -> list[JourneySummary]:
    """Open journeys whose next deadline falls from `start` to `end` inclusive, soonest first."""
    query = _open_by_due_date(local_authority, limit, after).where(
        journeys.c.next_due_on >= start, journeys.c.next_due_on <= end)
    return _summaries(engine, query)


def _open_by_due_date(local_authority: str, limit: int, after: Keyset | None):
    query = select(*SUMMARY_COLUMNS).where(
        journeys.c.local_authority == local_authority, journeys.c.closed == false(),
    )
    if after is not None:
        due_on, journey_id = after
        # Spelt out rather than as a row comparison, so that both engines bound the index
        # range on next_due_on.
        query = query.where(
            journeys.c.next_due_on >= due_on,
            or_(journeys.c.next_due_on > due_on, journeys.c.journey_id > journey_id),
        )
    return query.order_by(journeys.c.next_due_on, journeys.c.journey_id).limit(limit)


# Rows are turned into summaries by position, which is half the cost of a list page when
# done by name; this keeps the column order and the dataclass's fields in step.
if [c.name for c in SUMMARY_COLUMNS] != [f.name for f in fields(JourneySummary)][: len(SUMMARY_COLUMNS)]:
    raise ImportError("store.queries.SUMMARY_COLUMNS no longer follows JourneySummary's fields")


def _summaries(engine: Engine, query) -> list[JourneySummary]:
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [JourneySummary(*row) for row in rows]


# --- timeliness KPIs ---------------------------------------------------------------------------

def kpis(engine: Engine, local_authority: str, start: date, end: date, calendar: WorkingDayCalendar) -> dict:
    """The timeliness KPIs (domain.timeliness) for steps the LA's journeys held from `start` to `end`.

    Reads only the event types the measures need, of journeys that were open at some time in
    the period, up to its end, and of those only the steps held in the period and what they
    need from before it.
    """
    query = (
        select(events.c.stream, events.c.version, events.c.type, events.c.occurred_on, events.c.data)
        .join(journeys, journeys.c.journey_id == events.c.stream)
        .where(
            journeys.c.local_authority == local_authority,
            journeys.c.opened_on <= end,
            or_(journeys.c.closed_on.is_(None), journeys.c.closed_on >= start),
            events.c.type.in_(TIMELINESS_EVENT_TYPES),
            events.c.occurred_on <= end,
            # Steps held before the period are not measured; what came before a step held in
            # it (the strategy discussions, the pathway) is still needed. A conference and the
            # DeadlineMet it produced share a date, so they are kept or dropped together.
            or_(events.c.type.in_(_CONTEXT_TYPES), events.c.occurred_on >= start),
        )
    )
    # Grouped and put in log order here rather than by ORDER BY: sorting each journey's few
    # rows costs less than the database sorting all of them (about 40% of the query on SQLite).
    by_journey: dict[str, list] = defaultdict(list)
    with engine.connect() as connection:
        for stream, version, type_name, occurred_on, data in connection.execute(query):
            by_journey[stream].append((version, kpi_event(type_name, occurred_on, data)))
    in_order = ([event for _, event in sorted(rows, key=_first)] for rows in by_journey.values())
    return {"local_authority": local_authority, **timeliness(in_order, calendar, start, end)}


def _first(pair: tuple):
    return pair[0]


_CONTEXT_TYPES = ("StrategyDiscussionHeld", "PathwayTransferred")


def kpi_event(type_name: str, occurred_on: date, data: dict):
    """domain.events.decode for the four event types the KPIs read, built directly.

    A year of an LA's history is tens of thousands of these, and the generic codec (driven by
    type hints) is most of the KPIs' time; a test checks both give equal events. Anything
    this does not expect goes to the generic codec.
    """
    try:
        if type_name == "DeadlineMet":
            return _DeadlineMet(occurred_on, data["kind"], _parse_date(data["due_on"]),
                                _parse_date(data["original_due_on"]), data["on_time"])
        if type_name == "StrategyDiscussionHeld":
            return _StrategyDiscussionHeld(occurred_on, data["outcome"], data["pathway"])
        if type_name == "InitialConferenceHeld":
            return _InitialConferenceHeld(occurred_on, data["decision"], tuple(data["categories"]), data["step_down"])
        if type_name == "PathwayTransferred":
            return _PathwayTransferred(occurred_on, data["from_pathway"], data["to_pathway"],
                                       tuple(data["categories"]), data["outside_home"])
    except (KeyError, TypeError, ValueError):
        pass
    return decode(type_name, occurred_on, data)


_DeadlineMet = EVENT_TYPES["DeadlineMet"]
_StrategyDiscussionHeld = EVENT_TYPES["StrategyDiscussionHeld"]
_InitialConferenceHeld = EVENT_TYPES["InitialConferenceHeld"]
_PathwayTransferred = EVENT_TYPES["PathwayTransferred"]
_parse_date = date.fromisoformat


# --- plan quality --------------------------------------------------------------------------------

def plan_findings_counts(engine: Engine, local_authority: str) -> dict[str, int]:
    """For the LA's open journeys now: how many have each plan quality finding on their
    current plan (domain/plans.py codes; codes no journey has are left out), and under
    "journeys_with_plan_findings" how many have at least one."""
    with engine.connect() as connection:
        findings = sql.array_elements(connection, "j.plan_findings")
        where = "WHERE j.local_authority = :la AND j.closed = :closed"
        parameters = {"la": local_authority, "closed": False}
        by_code = connection.execute(text(
            f"SELECT element.value AS code, count(DISTINCT j.journey_id) AS journeys "
            f"FROM journeys AS j, {findings} {where} GROUP BY element.value"
        ), parameters).all()
        # Journeys with no finding have no element rows; counted apart, as several codes share one.
        with_any = connection.execute(text(
            f"SELECT count(DISTINCT j.journey_id) FROM journeys AS j, {findings} {where}"
        ), parameters).scalar_one()
    return {**{row.code: row.journeys for row in sorted(by_code)}, "journeys_with_plan_findings": with_any}


# --- a journey's timeline ----------------------------------------------------------------------

def timeline_rows(engine: Engine, journey_id: str, local_authority: str) -> tuple[list[dict], list[dict]] | None:
    """The rows a journey's timeline is made of, or None if the journey is not this LA's:
    (its events in log order, its deadlines not yet met). domain/timeline.py words them."""
    with engine.connect() as connection:
        found = connection.execute(
            select(journeys.c.journey_id).where(
                journeys.c.journey_id == journey_id, journeys.c.local_authority == local_authority)
        ).first()
        if found is None:
            return None
        logged = connection.execute(
            select(events.c.event_id, events.c.version, events.c.type, events.c.occurred_on,
                   events.c.actor, events.c.actor_role, events.c.data)
            .where(events.c.stream == journey_id).order_by(events.c.version)
        ).all()
        pending = connection.execute(
            select(deadlines.c.kind, deadlines.c.due_on, deadlines.c.original_due_on, deadlines.c.status)
            .where(deadlines.c.journey_id == journey_id, deadlines.c.met_on.is_(None))
            .order_by(deadlines.c.seq)
        ).all()
    return [r._asdict() for r in logged], [r._asdict() for r in pending]
