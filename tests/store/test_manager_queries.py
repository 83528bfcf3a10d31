"""Managers' reads (store/manager_queries.py) on SQLite and PostgreSQL, over hand-made rows.

Summaries, deadlines and events are written the way the journey workflow writes them
(EventStore.append), but chosen by hand so every expected row can be read off the test.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from typing import Any

import pytest

from domain import events as e
from domain.calendar import WorkingDayCalendar
from domain.model import YoungPerson
from domain.timeline import timeline_entries
from domain.timescales import policy_in_force
from store import manager_queries as mq
from store.events import EventStore
from store.records import DeadlineRow, JourneySummary, NewEvent

LA, OTHER_LA = "873", "874"
TODAY = date(2026, 4, 20)


def timeline(engine, jid: str, la: str) -> list[dict]:
    """The journey's timeline as the API and the dashboard give it: the store's rows, worded."""
    return timeline_entries(*mq.timeline_rows(engine, jid, la))


def journey_id() -> str:
    return str(uuid.uuid4())


def summary(jid: str, version: int, **overrides: Any) -> JourneySummary:
    values: dict[str, Any] = dict(
        journey_id=jid, workflow_id=f"journey-{LA}-{jid[:8]}", local_authority=LA, pathway="cp",
        stage="plan", opened_on=date(2026, 1, 5), closed=False, closed_on=None, closure_reason=None,
        next_deadline_kind="core_group", next_due_on=TODAY + timedelta(days=10), overdue=False,
        version=version,
    )
    values.update(overrides)
    if values["closed"]:
        values.update(stage="closed", closed_on=values["closed_on"] or date(2026, 3, 1),
                      next_deadline_kind=None, next_due_on=None)
    return JourneySummary(**values)


def logged(*events: e.Event, actor: str = "sw-0042", role: str = "practitioner") -> list[NewEvent]:
    """Domain events as the log stores them."""
    rows = []
    for event in events:
        name, occurred_on, data = e.encode(event)
        rows.append(NewEvent(str(uuid.uuid4()), name, date.fromisoformat(occurred_on), actor, role,
                             str(uuid.uuid4()), e.SCHEMA_VERSION, data))
    return rows


def put(store: EventStore, *events: e.Event, jid: str | None = None, deadlines=(), **fields: Any) -> str:
    """One journey: its events (a placeholder JourneyStarted if none), summary and deadlines."""
    jid = jid or journey_id()
    rows = logged(*events) if events else logged(started(jid, fields.get("local_authority", LA)))
    store.append(jid, 0, rows, summary=summary(jid, len(rows), **fields), deadlines=list(deadlines))
    return jid


PERSON = YoungPerson("LCS0012345", date(2010, 5, 14), "F", "BCRB")


def started(jid: str, la: str = LA, on: date = date(2026, 1, 5)) -> e.JourneyStarted:
    return e.JourneyStarted(on, jid, la, PERSON, policy_in_force("national", on))


def d(text: str) -> date:
    return date.fromisoformat(text)


@pytest.fixture
def store(event_store: EventStore) -> EventStore:
    return event_store


# --- caseload ------------------------------------------------------------------------------

def test_caseload_counts_open_journeys_by_pathway_and_stage(store):
    for _ in range(2):
        put(store, pathway="roth", stage="plan")
    put(store, pathway="roth", stage="section_47", next_deadline_kind="initial_conference")
    for _ in range(3):
        put(store, pathway="cp", stage="plan", overdue=True, next_due_on=TODAY - timedelta(days=3))
    put(store, pathway=None, stage="referral", next_deadline_kind="eighteenth_birthday")
    for _ in range(2):  # closed journeys are not caseload
        put(store, pathway="cp", closed=True, closure_reason="plan_ended")
    for _ in range(2):  # another LA's
        put(store, local_authority=OTHER_LA, overdue=True)

    assert mq.caseload(store.engine, LA) == [
        {"pathway": "cp", "stage": "plan", "count": 3},
        {"pathway": "roth", "stage": "section_47", "count": 1},
        {"pathway": "roth", "stage": "plan", "count": 2},
        {"pathway": None, "stage": "referral", "count": 1},
    ]
    assert mq.caseload(store.engine, OTHER_LA) == [{"pathway": "cp", "stage": "plan", "count": 2}]
    assert mq.caseload(store.engine, "999") == []
    assert (mq.overdue_count(store.engine, LA), mq.overdue_count(store.engine, OTHER_LA)) == (3, 2)


# --- overdue and due soon ------------------------------------------------------------------

def test_overdue_lists_the_most_overdue_first_in_keyset_pages(store):
    def late(days: int, kind: str = "visit", **fields) -> str:
        return put(store, overdue=True, next_due_on=TODAY - timedelta(days=days), next_deadline_kind=kind, **fields)

    longest = late(30, "initial_conference")
    tied = sorted([late(12), late(12)])  # same due date: journey id breaks the tie
    latest = late(1, "core_group")
    put(store, next_due_on=TODAY - timedelta(days=60))  # due date passed, not flagged: the clock decides
    late(45, closed=True)
    elsewhere = late(90, local_authority=OTHER_LA)

    rows = mq.overdue(store.engine, LA)
    assert [r.journey_id for r in rows] == [longest, *tied, latest]
    assert (rows[0].next_deadline_kind, rows[0].next_due_on) == ("initial_conference", TODAY - timedelta(days=30))
    assert all(r.overdue and not r.closed and r.local_authority == LA for r in rows)

    first = mq.overdue(store.engine, LA, limit=2)
    assert [r.journey_id for r in first] == [longest, tied[0]]
    second = mq.overdue(store.engine, LA, limit=2, after=(first[-1].next_due_on, first[-1].journey_id))
    assert [r.journey_id for r in second] == [tied[1], latest]
    assert mq.overdue(store.engine, LA, after=(second[-1].next_due_on, second[-1].journey_id)) == []
    assert [r.journey_id for r in mq.overdue(store.engine, OTHER_LA)] == [elsewhere]


def test_due_between_includes_both_ends_of_the_window(store):
    start, end = d("2026-04-20"), d("2026-04-27")

    def due(day: str, **fields) -> str:
        return put(store, next_due_on=d(day), **fields)

    due("2026-04-17")
    on_start = due("2026-04-20")
    middle = sorted([due("2026-04-22"), due("2026-04-22", pathway="roth")])
    on_end = due("2026-04-27")
    due("2026-04-28")
    due("2026-04-22", closed=True)
    elsewhere = due("2026-04-22", local_authority=OTHER_LA)

    rows = mq.due_between(store.engine, LA, start, end)
    assert [r.journey_id for r in rows] == [on_start, *middle, on_end]
    page = mq.due_between(store.engine, LA, start, end, limit=2)
    assert [r.journey_id for r in page] == [on_start, middle[0]]
    rest = mq.due_between(store.engine, LA, start, end, after=(page[-1].next_due_on, page[-1].journey_id))
    assert [r.journey_id for r in rest] == [middle[1], on_end]
    assert [r.journey_id for r in mq.due_between(store.engine, OTHER_LA, start, end)] == [elsewhere]


# --- timeline ------------------------------------------------------------------------------

def test_timeline_merges_events_deadlines_transfers_and_the_plan(store):
    jid = journey_id()
    put(
        store,
        started(jid, on=d("2026-03-20")),
        e.StrategyDiscussionHeld(d("2026-03-25"), "s47_cp", "cp"),
        e.DeadlineExtended(d("2026-04-14"), "initial_conference", d("2026-04-17"), d("2026-04-17"),
                           d("2026-04-24"), "Chair unavailable", "tm-0007"),
        e.InitialConferenceHeld(d("2026-04-20"), "plan", ("physical", "emotional"), None),
        e.DeadlineMet(d("2026-04-20"), "initial_conference", d("2026-04-24"), d("2026-04-17"), True),
        e.PlanStarted(d("2026-04-20"), "cp", ("physical", "emotional"), False),
        e.DeadlineMissed(d("2026-05-06"), "first_core_group", d("2026-05-05"), d("2026-05-05")),
        e.ReviewConferenceHeld(d("2026-05-07"), "transfer_to_roth", ("physical",)),
        e.PathwayTransferred(d("2026-05-07"), "cp", "roth", ("physical",), True),
        jid=jid, pathway="roth", stage="plan", overdue=True, next_deadline_kind="first_core_group",
        next_due_on=d("2026-05-05"),
        deadlines=[
            DeadlineRow(0, "initial_conference", d("2026-04-24"), d("2026-04-17"), None, "met", d("2026-04-20")),
            DeadlineRow(1, "first_core_group", d("2026-05-05"), d("2026-05-05"), None, "missed", None),
            DeadlineRow(2, "review_conference", d("2026-07-20"), d("2026-07-20"), None, "open", None),
        ],
    )

    entries = timeline(store.engine, jid, LA)
    assert [(x["date"], x["type"]) for x in entries] == [
        ("2026-03-20", "JourneyStarted"),
        ("2026-03-25", "StrategyDiscussionHeld"),
        ("2026-04-14", "DeadlineExtended"),
        ("2026-04-20", "InitialConferenceHeld"),
        ("2026-04-20", "DeadlineMet"),
        ("2026-04-20", "PlanStarted"),
        ("2026-05-05", "DeadlineDue"),  # the missed first core group, still owed
        ("2026-05-06", "DeadlineMissed"),
        ("2026-05-07", "ReviewConferenceHeld"),
        ("2026-05-07", "PathwayTransferred"),
        ("2026-07-20", "DeadlineDue"),
    ]
    by_type = {x["type"]: x for x in entries}
    assert by_type["StrategyDiscussionHeld"]["detail"] == "S.47 enquiry on the child protection pathway"
    assert by_type["DeadlineExtended"]["title"] == "Initial conference deadline extended to 24 April 2026"
    assert by_type["DeadlineExtended"]["deadline"]["status"] == "extended"
    assert by_type["InitialConferenceHeld"]["title"] == "Initial child protection conference"
    assert by_type["DeadlineMet"]["deadline"] == {
        "kind": "initial_conference", "due_on": "2026-04-24", "original_due_on": "2026-04-17",
        "status": "met", "met_on": "2026-04-20"}
    assert by_type["DeadlineMet"]["detail"] == "Due 24 April 2026 (statutory 17 April 2026)"
    assert (by_type["PlanStarted"]["kind"], by_type["PlanStarted"]["title"]) == ("plan", "Child protection plan started")
    assert (by_type["PathwayTransferred"]["kind"], by_type["PathwayTransferred"]["title"]) == ("transfer", "Transferred from CP to ROTH")
    due = [x for x in entries if x["type"] == "DeadlineDue"]
    assert [(x["title"], x["deadline"]["status"]) for x in due] == [
        ("First core group overdue", "missed"), ("Review conference due", "open")]
    assert all(x["event_id"] for x in entries if x["type"] != "DeadlineDue")
    # The young person's details are on the journey page, never in its timeline.
    text = json.dumps(entries)
    assert PERSON.id not in text and PERSON.date_of_birth.isoformat() not in text


def test_timeline_words_the_roth_practice_events(store):
    from domain.weighting import WeightedContext

    jid = journey_id()
    park = WeightedContext("riverside-park", "public_place", "Riverside park", True, False, 9)
    home = WeightedContext("home", "home_family", "Home", False, True, 4)
    put(
        store,
        started(jid, on=d("2026-03-20")),
        e.StrategyDiscussionHeld(d("2026-03-25"), "s47_roth", "roth"),
        e.CaseAllocated(d("2026-03-25"), "sw-1", "tm-1"),
        e.ChairAssigned(d("2026-03-26"), "chair-9"),
        e.ContextWeightingRecorded(d("2026-03-27"), "assessment", (home, park), "cp"),
        e.ParticipationRecorded(d("2026-03-27"), "initial_conference", "parent_carer", True, False, None),
        e.ConsentRecorded(d("2026-03-27"), "young_person", "given", ("education", "police")),
        jid=jid, pathway="roth", stage="section_47",
    )
    entries = {x["type"]: (x["title"], x["detail"]) for x in timeline(store.engine, jid, LA)}
    assert entries["CaseAllocated"] == ("Case allocated", "Social worker sw-1, team manager tm-1")
    assert entries["ChairAssigned"] == ("Chair assigned", "Chair chair-9")
    assert entries["ContextWeightingRecorded"] == (
        "Context weighting", "At assessment; most influential: Riverside park; consider transfer to CP")
    assert entries["ParticipationRecorded"] == ("Parent or carer invited, did not attend", "No views recorded")
    assert entries["ConsentRecorded"] == ("Consent to share given", "Young person: education and police")


def test_timeline_is_confined_to_the_callers_la(store):
    jid = put(store, local_authority=OTHER_LA)
    assert mq.timeline_rows(store.engine, jid, OTHER_LA) is not None
    assert mq.timeline_rows(store.engine, jid, LA) is None
    assert mq.timeline_rows(store.engine, journey_id(), LA) is None


# --- KPIs ----------------------------------------------------------------------------------

def test_kpis_read_only_the_las_journeys(store):
    def conference_journey(held: str, due: str, la: str = LA, **fields) -> str:
        jid = journey_id()
        return put(
            store,
            started(jid, la, d("2026-03-20")),
            e.StrategyDiscussionHeld(d("2026-03-25"), "s47_roth", "roth"),
            e.InitialConferenceHeld(d(held), "plan", ("physical",), None),
            e.DeadlineMet(d(held), "initial_conference", d(due), d(due), d(held) <= d(due)),
            e.PlanStarted(d(held), "roth", ("physical",), True),
            jid=jid, local_authority=la, pathway="roth", **fields,
        )

    conference_journey("2026-04-10", "2026-04-17")  # 10 working days: on time
    conference_journey("2026-04-20", "2026-04-17")  # 16: late
    conference_journey("2026-04-13", "2026-04-17", la=OTHER_LA)
    conference_journey("2026-04-16", "2026-04-17", closed=True, closed_on=d("2026-04-28"))  # closed since: counts
    conference_journey("2026-05-04", "2026-05-05")  # after the period
    extended = journey_id()
    put(store, started(extended, on=d("2026-03-20")),  # 16 working days, within an extension
        e.StrategyDiscussionHeld(d("2026-03-25"), "s47_cp", "cp"),
        e.DeadlineExtended(d("2026-04-14"), "initial_conference", d("2026-04-17"), d("2026-04-17"),
                           d("2026-04-24"), "Chair unavailable", "tm-0007"),
        e.InitialConferenceHeld(d("2026-04-20"), "plan", ("neglect",), None),
        e.DeadlineMet(d("2026-04-20"), "initial_conference", d("2026-04-24"), d("2026-04-17"), True),
        e.PlanStarted(d("2026-04-20"), "cp", ("neglect",), False),
        e.ReviewConferenceHeld(d("2026-04-27"), "transfer_to_roth", ()),
        e.DeadlineMet(d("2026-04-27"), "review_conference", d("2026-07-20"), d("2026-07-20"), True),
        e.PathwayTransferred(d("2026-04-27"), "cp", "roth", ("neglect",), True),
        e.ReviewConferenceHeld(d("2026-04-29"), "continue", ()),
        e.DeadlineMet(d("2026-04-29"), "review_conference", d("2026-06-08"), d("2026-06-08"), True),
        jid=extended)

    kpis = mq.kpis(store.engine, LA, d("2026-04-01"), d("2026-04-30"), WorkingDayCalendar())
    assert kpis["local_authority"] == LA
    conferences = kpis["initial_conferences"]
    assert (conferences["count"], conferences["within"], conferences["late"], conferences["within_extension"]) == (4, 2, 2, 1)
    assert (conferences["by_pathway"]["roth"]["count"], conferences["by_pathway"]["cp"]["count"]) == (3, 1)
    assert kpis["s47_to_initial_conference"]["bands"] == {"0-10": 1, "11-15": 1, "16-20": 2, "21+": 0}
    # Each journey's events are read in log order: the review before the transfer counts as
    # cp, the one after as roth.
    reviews = kpis["reviews"]
    assert (reviews["count"], reviews["by_pathway"]["cp"]["count"], reviews["by_pathway"]["roth"]["count"]) == (2, 1, 1)
    other = mq.kpis(store.engine, OTHER_LA, d("2026-04-01"), d("2026-04-30"), WorkingDayCalendar())
    assert other["initial_conferences"]["count"] == 1


def test_the_kpis_fast_decoder_agrees_with_the_codec():
    for event in (
        e.StrategyDiscussionHeld(d("2026-04-01"), "s47_roth", "roth"),
        e.StrategyDiscussionHeld(d("2026-04-01"), "child_in_need", None),
        e.InitialConferenceHeld(d("2026-04-10"), "plan", ("physical", "sexual"), None),
        e.InitialConferenceHeld(d("2026-04-10"), "no_plan", (), "early_help"),
        e.DeadlineMet(d("2026-04-10"), "initial_conference", d("2026-04-24"), d("2026-04-17"), True),
        e.PathwayTransferred(d("2026-05-07"), "cp", "roth", ("physical",), True),
        e.CoreGroupHeld(d("2026-05-08")),  # not one of the four: the codec's
    ):
        name, occurred_on, data = e.encode(event)
        assert mq.kpi_event(name, d(occurred_on), data) == e.decode(name, d(occurred_on), data) == event
