"""ROTH practice in the store (migration 0004), on SQLite and PostgreSQL: the summary's chair,
linked contexts and plan findings through both append paths and the rebuild; context-case
streams in the log, which whole-log folds pass over and verification still covers; the LA's
pool of chairs with their loads; contexts several open journeys name; plan quality counts."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from functools import partial
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, select, text, update

from activities.journey import JourneyActivities
from domain import contexts as cx
from domain import events as e
from domain import plans as p
from domain.codec import to_data
from domain.decider import fold
from domain.views import read_model_rows
from store import append_sql, chairs, contexts, manager_queries, projections, queries
from store.engine import migrate
from store.events import EventStore
from store.migrations import alembic_config
from store.records import DeadlineRow, JourneySummary, NewEvent
from store.schema import deadlines, events, journeys
from store.verify import verify_log
from store_factories import guards_off, new_events, summary
from support import CALENDAR, allocate, assign_chair, conference, context, run, start, strategy, update_plan, weighting
from workflows.client import workflow_id_of_state

LA, OTHER_LA = "873", "874"
TODAY = date(2026, 6, 15)
name_workflow = partial(workflow_id_of_state, b"test key")

HOME = context("home", kind="home_family", weight=4, harm=False, safety=True, name="Home")
PARK = context("riverside-park", weight=9)
SCHOOL = context("northgate-academy", kind="school_college", weight=3, harm=False, safety=True)
PLAN = p.Plan(needs=("education_access",), goals=(
    p.Goal("g1", p.NEEDS_HEADING, "Back at school", "education_access",
           (p.Action("Find a school place", "Education service", date(2026, 4, 30), (p.YOUNG_PERSON,)),), None),
))


def logged(*events: Any) -> list[NewEvent]:
    """Domain events (a journey's or a context case's) as the log stores them."""
    rows = []
    for event in events:
        name, occurred_on, data = e.encode(event)
        rows.append(NewEvent(str(uuid.uuid4()), name, date.fromisoformat(occurred_on), "sw-0042", "practitioner",
                             str(uuid.uuid4()), e.SCHEMA_VERSION, data))
    return rows


def summary_in(la: str, *, jid: str | None = None, **overrides: Any) -> JourneySummary:
    """A hand-made summary of LA `la`; closed ones look as the decider leaves them."""
    jid = jid or str(uuid.uuid4())
    values: dict[str, Any] = dict(local_authority=la, pathway="roth", stage="plan",
                                  view={"young_person": {"id": f"LCS-{jid[:8]}"}})
    values.update(overrides)
    if values.get("closed"):
        values.update(stage="closed", closed_on=date(2026, 5, 1), next_deadline_kind=None, next_due_on=None)
    return summary(jid, 1, **values)


def put(store: EventStore, *summaries: JourneySummary) -> None:
    for row in summaries:
        store.append(row.journey_id, 0, new_events(1), summary=row, deadlines=[])


def raw_rows(engine: Engine) -> tuple[list[dict], list[dict]]:
    """Both read models as stored, without the write time, in a fixed order."""
    with engine.connect() as connection:
        summaries = [{k: v for k, v in row._mapping.items() if k != "updated_at"}
                     for row in connection.execute(select(journeys))]
        rows = [dict(row._mapping) for row in connection.execute(select(deadlines))]
    return (sorted(summaries, key=lambda s: s["journey_id"]),
            sorted(rows, key=lambda r: (r["journey_id"], r["seq"])))


# --- the summary's new columns through append -------------------------------------------------

@pytest.fixture(params=["one_statement", "careful"])
def append_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The usual append (store/append_sql.py), or the careful path it falls back to."""
    if request.param == "careful":
        def not_at_head(*args: Any, **kwargs: Any) -> int:
            raise append_sql.NotAtHead()
        monkeypatch.setattr(append_sql, "append_at_head", not_at_head)
    return request.param


def test_the_practice_columns_round_trip_through_append(
    event_store: EventStore, store_engine: Engine, append_path: str
) -> None:
    jid = str(uuid.uuid4())
    first = summary_in(LA, jid=jid, chair_id="chair-0003", linked_contexts=["riverside-park", "northgate-academy"],
                       plan_findings=["voices_not_recorded", "goal_without_action"])
    event_store.append(jid, 0, new_events(1), summary=first, deadlines=[])
    assert event_store.journey(jid) == first
    # Both paths and both engines keep the same compact JSON text.
    with store_engine.connect() as connection:
        stored = connection.execute(text("SELECT linked_contexts, plan_findings FROM journeys")).one()
    assert tuple(stored) == ('["riverside-park","northgate-academy"]', '["voices_not_recorded","goal_without_action"]')

    # Every read of a summary gives them back.
    assert queries.journey_in_la(store_engine, jid, LA) == (replace(first, view=None), first.view)
    assert queries.journeys_page(store_engine, LA) == [replace(first, view=None)]
    assert manager_queries.due_between(store_engine, LA, date(2026, 3, 1), date(2026, 3, 31)) == [
        replace(first, view=None)]

    # An update replaces them, down to none at all.
    second = replace(first, version=2, chair_id=None, linked_contexts=[], plan_findings=[])
    event_store.append(jid, 1, new_events(1), summary=second, deadlines=[])
    assert event_store.journey(jid) == second


def test_a_summary_without_practice_fields_has_none(event_store: EventStore) -> None:
    jid = str(uuid.uuid4())
    event_store.append(jid, 0, new_events(1), summary=summary(jid, 1))
    stored = event_store.journey(jid)
    assert (stored.chair_id, stored.linked_contexts, stored.plan_findings) == (None, [], [])


@pytest.mark.parametrize("overrides, message", [
    ({"linked_contexts": None}, "journeys.linked_contexts is required"),
    ({"plan_findings": "voices_not_recorded"}, "journeys.plan_findings must be a list of strings"),
    ({"linked_contexts": ["park", 3]}, "journeys.linked_contexts must be a list of strings"),
    ({"linked_contexts": ["park\x00"]}, "NUL"),
    ({"chair_id": "c" * 65}, "journeys.chair_id is limited to 64 characters"),
])
def test_practice_fields_the_engines_would_treat_differently_are_refused(
    event_store: EventStore, overrides: dict, message: str
) -> None:
    jid = str(uuid.uuid4())
    with pytest.raises(ValueError, match=message):
        event_store.append(jid, 0, new_events(1), summary=summary(jid, 1, **overrides))
    assert event_store.stream_version(jid) == 0


def test_rows_from_before_the_migration_read_as_having_none(store_url: str, store_engine: Engine) -> None:
    with store_engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0003")
    with store_engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO journeys (journey_id, workflow_id, local_authority, stage, opened_on, closed, overdue, "
            "version, updated_at) VALUES ('j-1', 'w-1', :la, 'referral', '2026-03-02', :no, :no, 1, "
            "'2026-03-02 10:00:00')"), {"la": LA, "no": False})
    migrate(store_url)
    stored = EventStore(store_engine).journey("j-1")
    assert (stored.chair_id, stored.linked_contexts, stored.plan_findings) == (None, [], [])


# --- context cases in the log: the rebuild and verification -------------------------------------

def roth_journey(jid: str, la: str = LA, chair: str = "chair-7") -> list:
    """A chaired ROTH journey on a plan, its weighting naming the park and the school."""
    return run([
        replace(start(date(2026, 3, 2)), journey_id=jid, local_authority=la, chairs_required=True),
        strategy(date(2026, 3, 3)), allocate(), assign_chair(chair),
        weighting(date(2026, 3, 10), (HOME, PARK, SCHOOL)), conference(date(2026, 3, 20)),
        update_plan(date(2026, 3, 20), PLAN),
    ], TODAY)[1]


def context_case(case_id: str) -> list:
    referred = cx.ContextReferred(date(2026, 3, 11), case_id, LA, PARK.context_id, "public_place", "Riverside park",
                                  cx.ContextCadence())
    return [
        referred,
        cx.ContextConferenceApproaching(date(2026, 3, 25), cx.CONTEXT_CONFERENCE, date(2026, 4, 1)),
        cx.ContextConferenceHeld(date(2026, 3, 30), "continue", "Detached youth work agreed", date(2026, 4, 1), True),
        cx.ContextActionRecorded(date(2026, 3, 30), "a1", "guardianship", "Youth work in the park", "Youth service",
                                 date(2026, 4, 30), None),
        cx.ContextClosed(date(2026, 6, 1), "safety_improved"),
    ]


def append_journey(store: EventStore, events: list) -> None:
    """As the journey workflow does: the events with the summary and deadlines derived from them."""
    state = fold(events)
    row, deadline_rows = read_model_rows(state, name_workflow(state), CALENDAR, TODAY)
    store.append(state.journey_id, 0, logged(*events), summary=JourneySummary(**row),
                 deadlines=[DeadlineRow(**r) for r in deadline_rows])


@pytest.fixture
def mixed_log(event_store: EventStore) -> dict:
    """Two journeys and, between them in stream order, a context case appended as the context
    workflow does (no summary, no deadlines), through the persist activity."""
    append_journey(event_store, roth_journey("a-journey"))
    persisted = JourneyActivities(event_store).persist_journey_events({
        "stream": "b-context", "expected_version": 0,
        "events": [to_data(event) for event in logged(*context_case("b-context"))],
        "summary": None, "deadlines": None, "notifications": [],
    })
    assert [event["type"] for event in persisted][0] == "ContextReferred"
    append_journey(event_store, run([replace(start(date(2026, 3, 2)), journey_id="c-journey"),
                                     strategy(date(2026, 3, 3), "s47_cp")], TODAY)[1])
    return {"journey_events": 9 + 2, "context_events": 5}


def test_a_context_case_is_appended_without_read_models(store_engine: Engine, mixed_log: dict) -> None:
    summaries, rows = raw_rows(store_engine)
    assert [s["journey_id"] for s in summaries] == ["a-journey", "c-journey"]
    assert {r["journey_id"] for r in rows} <= {"a-journey", "c-journey"}


def test_the_rebuild_writes_the_practice_columns_and_passes_over_context_cases(
    store_engine: Engine, mixed_log: dict
) -> None:
    appended = raw_rows(store_engine)
    [roth, cp] = appended[0]
    assert (roth["chair_id"], roth["linked_contexts"]) == ("chair-7", ["riverside-park", "northgate-academy"])
    assert "voices_not_recorded" in roth["plan_findings"]
    assert (cp["chair_id"], cp["linked_contexts"], cp["plan_findings"]) == (None, [], [])

    rebuilt = projections.rebuild_read_models(store_engine, CALENDAR, TODAY, name_workflow)

    assert rebuilt == projections.Rebuilt(events=mixed_log["journey_events"], journeys=2)
    # What the rebuild wrote (INSERTs on SQLite, COPY on PostgreSQL) is what the appends wrote,
    # and what the fold derives.
    assert raw_rows(store_engine) == appended
    states, count = projections.fold_log(store_engine)
    derived = projections._read_models(states, count, CALENDAR, TODAY, name_workflow)
    assert raw_rows(store_engine)[0] == sorted(derived.summaries, key=lambda s: s["journey_id"])


def test_folds_pass_over_a_context_case_whichever_way_the_log_is_paged(
    store_engine: Engine, mixed_log: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    states, count = projections.fold_log(store_engine)
    assert sorted(states) == ["a-journey", "c-journey"] and count == mixed_log["journey_events"]
    # Pages of one event: the context case's later events arrive without its first.
    assert projections.fold_log(store_engine, page_size=1) == (states, count)
    monkeypatch.setattr(projections, "PAGE", 1)
    assert projections.fold_range(store_engine, None, None) == (states, count)
    assert projections.fold_range(store_engine, "a-journey", None) == ({"c-journey": states["c-journey"]}, 2)
    assert projections.fold_range(store_engine, "a-journey", "b-context") == ({}, 0)


def test_verification_covers_context_case_streams(store_engine: Engine, mixed_log: dict) -> None:
    total = mixed_log["journey_events"] + mixed_log["context_events"]
    assert verify_log(store_engine) == verify_log(store_engine, page_size=2)
    sound = verify_log(store_engine)
    assert (sound.ok, sound.events_checked, sound.streams) == (True, total, 3)

    held = next(event for event in EventStore(store_engine).read_stream("b-context") if event.version == 3)
    assert held.type == "ContextConferenceHeld"
    with guards_off(store_engine) as connection:
        connection.execute(update(events).where(events.c.position == held.position)
                           .values(data={**held.data, "decision": "close"}))

    broken = verify_log(store_engine)
    assert not broken.ok
    assert (broken.first_problem.stream, broken.first_problem.version) == ("b-context", 3)
    assert broken.first_problem.reason == "hash does not match contents"


# --- the LA's pool of ROTH chairs ---------------------------------------------------------------

def test_the_pool_of_chairs(store_engine: Engine) -> None:
    chairs.put_chair(store_engine, LA, "chair-1", "A. Chair")
    chairs.put_chair(store_engine, LA, "chair-1", "A. Chair")  # idempotent
    assert chairs.chair_in_pool(store_engine, LA, "chair-1")
    # Pools are per LA.
    assert not chairs.chair_in_pool(store_engine, OTHER_LA, "chair-1")
    chairs.put_chair(store_engine, OTHER_LA, "chair-1", "Someone else")

    assert chairs.remove_chair(store_engine, LA, "chair-1") is True
    assert not chairs.chair_in_pool(store_engine, LA, "chair-1")
    assert chairs.chair_in_pool(store_engine, OTHER_LA, "chair-1")
    assert chairs.remove_chair(store_engine, LA, "chair-1") is False  # no longer in the pool
    assert chairs.remove_chair(store_engine, LA, "chair-404") is False

    # Putting a removed chair back renames and re-activates it.
    chairs.put_chair(store_engine, LA, "chair-1", "A. Chair-Smith")
    assert chairs.chair_in_pool(store_engine, LA, "chair-1")
    assert [(c["chair_id"], c["name"], c["active"]) for c in chairs.chairs_with_load(store_engine, LA)] == [
        ("chair-1", "A. Chair-Smith", True)]

    with pytest.raises(ValueError, match="roth_chairs.name is limited to 200 characters"):
        chairs.put_chair(store_engine, LA, "chair-2", "n" * 201)


def test_each_chairs_load_counts_the_las_open_journeys_it_chairs(
    event_store: EventStore, store_engine: Engine
) -> None:
    for chair_id, name in (("chair-2", "B. Chair"), ("chair-1", "A. Chair"), ("chair-3", "C. Chair")):
        chairs.put_chair(store_engine, LA, chair_id, name)
    chairs.put_chair(store_engine, OTHER_LA, "chair-9", "Elsewhere")
    chairs.remove_chair(store_engine, LA, "chair-2")
    put(event_store,
        summary_in(LA, chair_id="chair-1"), summary_in(LA, chair_id="chair-1"),
        summary_in(LA, chair_id="chair-1", pathway="cp"),
        summary_in(LA, chair_id="chair-1", closed=True),  # closed: not a load
        summary_in(LA, chair_id="chair-2"),  # a removed chair still holds its journeys
        summary_in(LA, chair_id="chair-8"),  # not in the pool: not listed
        summary_in(LA),
        summary_in(OTHER_LA, chair_id="chair-1"), summary_in(OTHER_LA, chair_id="chair-9"))

    assert chairs.chairs_with_load(store_engine, LA) == [
        {"chair_id": "chair-1", "name": "A. Chair", "active": True, "open_journeys": 3, "roth_open_journeys": 2},
        {"chair_id": "chair-2", "name": "B. Chair", "active": False, "open_journeys": 1, "roth_open_journeys": 1},
        {"chair_id": "chair-3", "name": "C. Chair", "active": True, "open_journeys": 0, "roth_open_journeys": 0},
    ]
    assert chairs.chairs_with_load(store_engine, OTHER_LA) == [
        {"chair_id": "chair-9", "name": "Elsewhere", "active": True, "open_journeys": 1, "roth_open_journeys": 1}]
    assert chairs.chairs_with_load(store_engine, "875") == []


# --- contexts several journeys name -------------------------------------------------------------

@pytest.fixture
def linked(event_store: EventStore) -> dict[str, JourneySummary]:
    rows = {
        "one": summary_in(LA, jid="j-1", linked_contexts=["riverside-park", "northgate-academy"],
                          plan_findings=["voices_not_recorded", "goal_without_action"]),
        "two": summary_in(LA, jid="j-2", pathway="cp", linked_contexts=["riverside-park", "alley"],
                          plan_findings=["voices_not_recorded"]),
        "three": summary_in(LA, jid="j-3", linked_contexts=["alley", "riverside-park", "northgate-academy"]),
        "bus": summary_in(LA, jid="j-4", linked_contexts=["bus-station"], plan_findings=["need_without_goal"]),
        "closed": summary_in(LA, jid="j-5", closed=True, linked_contexts=["riverside-park", "bus-station"],
                             plan_findings=["need_without_goal"]),
        "elsewhere": summary_in(OTHER_LA, jid="j-6", linked_contexts=["riverside-park", "bus-station"],
                                plan_findings=["need_without_goal"]),
        "none": summary_in(LA, jid="j-7"),
    }
    put(event_store, *rows.values())
    return rows


def test_contexts_linked_to_several_open_journeys(store_engine: Engine, linked: dict) -> None:
    assert contexts.contexts_linked_to_open_journeys(store_engine, LA) == [
        {"context_id": "riverside-park", "open_journeys": 3},
        {"context_id": "alley", "open_journeys": 2},
        {"context_id": "northgate-academy", "open_journeys": 2},
    ]
    assert contexts.contexts_linked_to_open_journeys(store_engine, LA, minimum=3) == [
        {"context_id": "riverside-park", "open_journeys": 3}]
    # The closed journey and the other LA's do not make the bus station shared.
    assert {"context_id": "bus-station", "open_journeys": 1} in contexts.contexts_linked_to_open_journeys(
        store_engine, LA, minimum=1)
    assert contexts.contexts_linked_to_open_journeys(store_engine, OTHER_LA) == []
    assert contexts.contexts_linked_to_open_journeys(store_engine, OTHER_LA, minimum=1) == [
        {"context_id": "bus-station", "open_journeys": 1}, {"context_id": "riverside-park", "open_journeys": 1}]


def test_the_journeys_linked_to_a_context(store_engine: Engine, linked: dict) -> None:
    def listed(row: JourneySummary) -> dict:
        return {"journey_id": row.journey_id, "child_id": row.view["young_person"]["id"], "pathway": row.pathway,
                "stage": row.stage, "closed": row.closed, "next_deadline_kind": row.next_deadline_kind,
                "next_due_on": row.next_due_on, "plan_findings": row.plan_findings}

    assert contexts.journeys_linked_to(store_engine, LA, "riverside-park") == [
        listed(linked["one"]), listed(linked["two"]), listed(linked["three"])]
    assert contexts.journeys_linked_to(store_engine, LA, "riverside-park", include_closed=True) == [
        listed(linked["one"]), listed(linked["two"]), listed(linked["three"]), listed(linked["closed"])]
    assert contexts.journeys_linked_to(store_engine, LA, "bus-station") == [listed(linked["bus"])]
    assert contexts.journeys_linked_to(store_engine, OTHER_LA, "riverside-park") == [listed(linked["elsewhere"])]
    # A context id is matched whole, not as part of another.
    assert contexts.journeys_linked_to(store_engine, LA, "riverside") == []


# --- plan quality counts ------------------------------------------------------------------------

def test_plan_findings_counts_cover_the_las_open_journeys(store_engine: Engine, linked: dict) -> None:
    assert manager_queries.plan_findings_counts(store_engine, LA) == {
        "goal_without_action": 1, "need_without_goal": 1, "voices_not_recorded": 2,
        "journeys_with_plan_findings": 3,
    }
    assert manager_queries.plan_findings_counts(store_engine, OTHER_LA) == {
        "need_without_goal": 1, "journeys_with_plan_findings": 1}
    assert manager_queries.plan_findings_counts(store_engine, "875") == {"journeys_with_plan_findings": 0}
