"""Reads for managers: caseload, overdue and due-soon lists, a journey's timeline, timeliness KPIs,
plan quality counts.

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
from typing import Any, Iterable

from sqlalchemy import Engine, false, func, or_, select, text, true

from domain.calendar import WorkingDayCalendar
from domain.events import EVENT_TYPES, decode
from domain.model import CLOSED
from domain.timeliness import EVENT_TYPES as TIMELINESS_EVENT_TYPES
from domain.timeliness import timeliness
from store import sql
from store.queries import SUMMARY_COLUMNS
from store.records import JourneySummary
from store.schema import deadlines, events, journeys

__all__ = ["caseload", "due_between", "kpi_event", "kpis", "overdue", "overdue_count", "plan_findings_counts",
           "timeline", "timeline_entries"]

# The order a manager reads stages in; any stage added later follows, alphabetically.
STAGE_ORDER = ("referral", "section_47", "plan")

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
    return sorted(result, key=lambda r: (r["pathway"] is None, r["pathway"] or "", _stage_rank(r["stage"])))


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


def _stage_rank(stage: str) -> tuple[int, str]:
    return (STAGE_ORDER.index(stage), "") if stage in STAGE_ORDER else (len(STAGE_ORDER), stage)


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

def timeline(engine: Engine, journey_id: str, local_authority: str) -> list[dict] | None:
    """The journey's events merged with its deadlines, in date order; None if not this LA's."""
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
    return timeline_entries([r._asdict() for r in logged], [r._asdict() for r in pending])


def timeline_entries(logged: Iterable[dict], pending: Iterable[dict]) -> list[dict]:
    """Entries a dashboard renders as they are: {"date", "kind", "type", "title", "detail",
    "deadline", "event_id", "version", "actor", "actor_role"}, in date order.

    `kind` groups entries: "step" (something that happened), "plan", "transfer", "deadline"
    (met, missed, extended, or still open: `type` "DeadlineDue"), "reminder", "policy",
    "closure". The young person's details are never part of an entry.
    """
    entries = []
    pathway = None
    for row in logged:
        event = _decoded(row)
        entry = _describe(row["type"], event, pathway)
        if isinstance(event, EVENT_TYPES["StrategyDiscussionHeld"]) and event.pathway:
            pathway = event.pathway
        elif isinstance(event, EVENT_TYPES["PathwayTransferred"]):
            pathway = event.to_pathway
        entries.append({
            "date": _iso(row["occurred_on"]), **entry,
            "event_id": row["event_id"], "version": row["version"],
            "actor": row["actor"], "actor_role": row["actor_role"],
        })
    for row in pending:
        entries.append({
            "date": _iso(row["due_on"]), **_describe_pending(row),
            "event_id": None, "version": None, "actor": None, "actor_role": None,
        })
    # Logged entries keep their log order within a day; open deadlines follow on their day.
    return sorted(entries, key=lambda x: (x["date"] or "", x["version"] is None, x["version"] or 0))


def _decoded(row: dict) -> Any:
    if row["type"] not in EVENT_TYPES:
        return None
    try:
        return decode(row["type"], row["occurred_on"], row["data"])
    except (TypeError, ValueError, KeyError):
        return None  # an event this version cannot read is still listed, by its type


_PATHWAY_NAMES = {"roth": "ROTH", "cp": "child protection"}
_SHORT_PATHWAY = {"roth": "ROTH", "cp": "CP"}
_STRATEGY_OUTCOMES = {
    "s47_roth": "s.47 enquiry on the ROTH pathway",
    "s47_cp": "s.47 enquiry on the child protection pathway",
    "child_in_need": "no s.47 enquiry; child in need",
    "early_help": "no s.47 enquiry; early help",
    "no_further_action": "no further action",
}
_REVIEW_DECISIONS = {
    "continue": "plan continues", "transfer_to_roth": "transfer to the ROTH pathway",
    "transfer_to_cp": "transfer to the child protection pathway", "end_plan": "plan ends",
}
_STEP_DOWNS = {"child_in_need": "steps down to child in need", "early_help": "steps down to early help",
               "none": "no step down"}
_CLOSURES = {
    "transferred_out": "transferred to another LA", "looked_after": "became looked after",
    "died": "died", "moved_to_adult_services": "moved to adult services", "other": "other reason",
    "plan_ended": "plan ended", "no_plan": "initial conference made no plan",
    "eighteenth_birthday": "18th birthday", "child_in_need": "stepped down to child in need",
    "early_help": "stepped down to early help", "no_further_action": "no further action",
}
_DEADLINES = {
    "initial_conference": "Initial conference", "first_core_group": "First core group",
    "core_group": "Core group", "review_conference": "Review conference", "visit": "Visit",
    "eighteenth_birthday": "18th birthday",
}


def _describe(type_name: str, ev: Any, pathway: str | None) -> dict:
    """kind, type, title, detail and deadline of one logged event."""
    def entry(kind: str, title: str, detail: str | None = None, deadline: dict | None = None) -> dict:
        return {"kind": kind, "type": type_name, "title": title, "detail": detail, "deadline": deadline}

    if ev is None:
        return entry("step", _words(type_name))
    if type_name == "JourneyStarted":
        return entry("step", "Referral received", f"Timescale policy {ev.policy.version}")
    if type_name == "StrategyDiscussionHeld":
        return entry("step", "Strategy discussion", _capital(_STRATEGY_OUTCOMES.get(ev.outcome, _words(ev.outcome))))
    if type_name == "InitialConferenceHeld":
        name = "Initial ROTH conference" if pathway == "roth" else "Initial child protection conference"
        if ev.decision == "plan":
            return entry("step", name, f"Plan: {_list(ev.categories)}")
        return entry("step", name, _capital(f"no plan; {_STEP_DOWNS.get(ev.step_down, 'no step down')}"))
    if type_name == "PlanStarted":
        where = "; harm outside the home" if ev.outside_home else ""
        return entry("plan", f"{_capital(_PATHWAY_NAMES.get(ev.pathway, ev.pathway or ''))} plan started",
                     f"Categories: {_list(ev.categories)}{where}")
    if type_name == "CoreGroupHeld":
        return entry("step", "Core group held")
    if type_name == "VisitRecorded":
        return entry("step", "Visit", "Seen alone" if ev.seen_alone else "Not seen alone")
    if type_name == "ReviewConferenceHeld":
        detail = _capital(_REVIEW_DECISIONS.get(ev.decision, _words(ev.decision)))
        if ev.categories:
            detail += f"; categories: {_list(ev.categories)}"
        return entry("step", "Review conference", detail)
    if type_name == "PathwayTransferred":
        where = "; harm outside the home" if ev.outside_home else ""
        return entry("transfer",
                     f"Transferred from {_SHORT_PATHWAY.get(ev.from_pathway, ev.from_pathway)} "
                     f"to {_SHORT_PATHWAY.get(ev.to_pathway, ev.to_pathway)}",
                     f"Categories: {_list(ev.categories)}{where}")
    if type_name == "PlanEnded":
        return entry("plan", "Plan ended", _capital(_STEP_DOWNS.get(ev.step_down, _words(ev.step_down))))
    if type_name == "DeadlineMet":
        status = "met" if ev.on_time else "missed"
        title = f"{_deadline(ev.kind)} deadline met" + ("" if ev.on_time else " late")
        return entry("deadline", title, _due_detail(ev.due_on, ev.original_due_on),
                     _deadline_ref(ev.kind, ev.due_on, ev.original_due_on, status, ev.occurred_on))
    if type_name == "DeadlineMissed":
        return entry("deadline", f"{_deadline(ev.kind)} deadline missed", _due_detail(ev.due_on, ev.original_due_on, "Was due"),
                     _deadline_ref(ev.kind, ev.due_on, ev.original_due_on, "missed"))
    if type_name == "DeadlineExtended":
        detail = f"From {_day(ev.previous_due_on)}"
        if ev.original_due_on != ev.previous_due_on:
            detail += f" (statutory {_day(ev.original_due_on)})"
        detail += f". Reason: {ev.reason}"
        return entry("deadline", f"{_deadline(ev.kind)} deadline extended to {_day(ev.new_due_on)}", detail,
                     _deadline_ref(ev.kind, ev.new_due_on, ev.original_due_on, "extended"))
    if type_name == "DeadlineApproaching":
        return entry("reminder", f"{_deadline(ev.kind)} due soon", f"Due {_day(ev.due_on)}",
                     _deadline_ref(ev.kind, ev.due_on, ev.due_on, "open"))
    if type_name == "TimescalePolicyChanged":
        return entry("policy", "Timescale policy changed", f"Now {ev.policy.version}")
    if type_name == "EighteenthBirthdayReached":
        return entry("step", "18th birthday", "Transition to adult services")
    if type_name == "JourneyClosed":
        parts = [_capital(_CLOSURES.get(ev.reason, _words(ev.reason)))]
        if ev.step_down and ev.reason not in ("child_in_need", "early_help"):
            parts.append(_STEP_DOWNS.get(ev.step_down, _words(ev.step_down)))
        if ev.note:
            parts.append(ev.note)
        return entry("closure", "Journey closed", "; ".join(parts))
    practice = _describe_practice(type_name, ev)
    if practice is not None:
        return entry("step", *practice)
    return entry("step", _words(type_name))


_WHO = {"young_person": "Young person", "parent_carer": "Parent or carer"}


def _describe_practice(type_name: str, ev: Any) -> tuple[str, str | None] | None:
    """Title and detail of a ROTH practice event (staff ids, never a young person's details)."""
    if type_name == "CaseAllocated":
        return "Case allocated", f"Social worker {ev.social_worker}, team manager {ev.team_manager}"
    if type_name == "ChairAssigned":
        return "Chair assigned", f"Chair {ev.chair_id}"
    if type_name == "ContextWeightingRecorded":
        top = max(c.weight for c in ev.contexts)
        leading = _list([c.name for c in ev.contexts if c.weight == top])
        detail = f"At {_words(ev.at).lower()}; most influential: {leading}"
        if ev.transfer_prompt:
            detail += f"; consider transfer to {_SHORT_PATHWAY.get(ev.transfer_prompt, ev.transfer_prompt)}"
        return "Context weighting", detail
    if type_name == "PlanUpdated":
        return f"Plan version {ev.plan_version}", f"Made at the {_words(ev.made_at).lower()}; {len(ev.goals)} goal(s)"
    if type_name == "ParticipationRecorded":
        took_part = "attended" if ev.attended else ("invited, did not attend" if ev.invited else "not invited")
        return f"{_WHO.get(ev.participant, ev.participant)} {took_part}", "Views recorded" if ev.views else "No views recorded"
    if type_name == "ConsentRecorded":
        return f"Consent to share {ev.decision}", f"{_WHO.get(ev.given_by, ev.given_by)}: {_list(ev.scope)}" if ev.scope else _WHO.get(ev.given_by)
    if type_name == "TransitionPlanRecorded":
        return "Transition plan made", None
    if type_name == "CensusDetailsRecorded":
        # Codes only: the UPN itself is the child's identifier and stays off the timeline.
        given = [name for name, value in (("UPN", ev.upn), ("reason for no UPN", ev.upn_unknown),
                 ("disabilities", ev.disabilities), ("referral source", ev.referral_source),
                 ("primary need", ev.primary_need)) if value is not None]
        return "Census details recorded", _list(given)
    if type_name == "AssessmentRecorded":
        found = f"factors {_list(ev.factors)}" if ev.factors else "no factors yet"
        return ("Assessment authorised" if ev.authorised_on else "Assessment started"), found
    return None


def _describe_pending(row: dict) -> dict:
    status = row["status"]
    title = f"{_deadline(row['kind'])} " + ("overdue" if status == "missed" else "due")
    if row["kind"] == "eighteenth_birthday":
        title = "18th birthday: transition to adult services"
    return {
        "kind": "deadline", "type": "DeadlineDue", "title": title,
        "detail": _due_detail(row["due_on"], row["original_due_on"]) + (" (extended)" if status == "extended" else ""),
        "deadline": _deadline_ref(row["kind"], row["due_on"], row["original_due_on"], status),
    }


def _deadline_ref(kind: str, due_on: date, original_due_on: date, status: str, met_on: date | None = None) -> dict:
    return {"kind": kind, "due_on": _iso(due_on), "original_due_on": _iso(original_due_on),
            "status": status, "met_on": _iso(met_on)}


def _due_detail(due_on: date, original_due_on: date, prefix: str = "Due") -> str:
    detail = f"{prefix} {_day(due_on)}"
    if original_due_on != due_on:
        detail += f" (statutory {_day(original_due_on)})"
    return detail


def _deadline(kind: str) -> str:
    return _DEADLINES.get(kind) or _capital(_words(kind))


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _list(values) -> str:
    return ", ".join(values) if values else "none recorded"


def _words(name: str | None) -> str:
    if not name:
        return ""
    if "_" in name or name.islower():
        return name.replace("_", " ")
    # CamelCase event type names: "CaseNoteAdded" -> "case note added"
    out = "".join(f" {c.lower()}" if c.isupper() else c for c in name).strip()
    return _capital(out)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
