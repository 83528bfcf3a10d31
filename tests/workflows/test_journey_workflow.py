"""Journey scenarios on the time-skipping server with a real worker and a real event log."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select
from temporalio.api.enums.v1 import EventType

from temporal_fixtures import chair_the_case, eventually
from domain.calendar import WorkingDayCalendar, birthday
from domain.deadlines import working_days_before
from store.schema import outbox
from support import (
    MANAGER_ACTOR, assert_consistent, command, start_request, stored_domain_events,
)
from workflows.client import CommandRefused
from workflows.local_time import WAKE_SPREAD, start_of_day, wake_time

CAL = WorkingDayCalendar()


def child() -> str:
    return f"C{uuid.uuid4().hex[:12].upper()}"


def types(store, journey_id):
    return [e.type for e in store.read_stream(journey_id)]


async def started(journeys, today, dob=None, referral=None):
    dob = dob or today.replace(year=today.year - 15)
    answer = await journeys.start(start_request(child(), dob, referral or today))
    return answer["workflow_id"], answer["journey_id"], answer


async def test_full_roth_journey_to_the_end_of_its_plan(journeys, store, clock):
    t0 = await clock.today()
    wf, jid, answer = await started(journeys, t0, referral=t0 - timedelta(days=1))
    assert answer["state"]["stage"] == "referral" and [e["type"] for e in answer["events"]] == ["JourneyStarted"]
    answer = await journeys.send(wf, command("record_strategy_discussion", occurred_on=t0, outcome="s47_roth"))
    assert answer["state"]["pathway"] == "roth"
    await chair_the_case(journeys, wf)

    icpc_day = CAL.add_working_days(t0, 10)
    await clock.skip_to(icpc_day)
    answer = await journeys.send(wf, command("record_initial_conference", occurred_on=icpc_day, decision="plan", categories=["physical", "sexual"]))
    assert answer["state"]["plan"] == {"categories": ["physical", "sexual"], "outside_home": True, "started_on": icpc_day.isoformat()}
    met = [d for d in answer["state"]["deadlines"] if d["kind"] == "initial_conference"]
    assert met[0]["status"] == "met" and met[0]["met_on"] == icpc_day.isoformat()

    core_day = CAL.add_working_days(icpc_day, 5)
    await clock.skip_to(core_day)
    await journeys.send(wf, command("record_core_group", occurred_on=core_day))
    await journeys.send(wf, command("record_visit", occurred_on=core_day, seen_alone=True))
    review_day = CAL.add_months(icpc_day, 3) - timedelta(days=7)
    await clock.skip_to(review_day)
    await journeys.send(wf, command("record_review_conference", occurred_on=review_day, decision="continue"))
    answer = await journeys.send(wf, command("record_review_conference", occurred_on=review_day, decision="end_plan", step_down="child_in_need"))
    assert answer["state"]["closed"] and answer["state"]["closure_reason"] == "plan_ended"

    result = await journeys.client.get_workflow_handle(wf).result()
    assert result["closed"] is True and result["step_down"] == "child_in_need"
    logged = types(store, jid)
    assert logged[:7] == ["JourneyStarted", "StrategyDiscussionHeld", "CaseAllocated", "ChairAssigned",
                          "InitialConferenceHeld", "DeadlineMet", "PlanStarted"]
    assert logged[-4:] == ["ReviewConferenceHeld", "DeadlineMet", "PlanEnded", "JourneyClosed"]
    # Visits lapsed while time skipped on: the clock recorded each miss as it happened.
    assert "DeadlineMissed" in logged
    await assert_consistent(journeys, store, wf)


async def test_cp_to_roth_and_back_in_one_continuous_history(journeys, store, clock):
    t0 = await clock.today()
    wf, jid, _ = await started(journeys, t0)
    await journeys.send(wf, command("record_strategy_discussion", occurred_on=t0, outcome="s47_cp"))
    await journeys.send(wf, command("record_initial_conference", occurred_on=t0, decision="plan", categories=["neglect"]))
    review = CAL.add_weeks(t0, 4)
    await clock.skip_to(review)
    answer = await journeys.send(wf, command("record_review_conference", occurred_on=review, decision="transfer_to_roth", categories=["physical"]))
    assert (answer["state"]["pathway"], answer["state"]["plan"]["outside_home"]) == ("roth", True)
    await chair_the_case(journeys, wf)
    answer = await journeys.send(wf, command("record_review_conference", occurred_on=review, decision="transfer_to_cp"))
    assert (answer["state"]["pathway"], answer["state"]["plan"]["outside_home"], answer["state"]["transfers"]) == ("cp", False, 2)
    transfers = [e for e in stored_domain_events(store, jid) if type(e).__name__ == "PathwayTransferred"]
    assert [(t.from_pathway, t.to_pathway) for t in transfers] == [("cp", "roth"), ("roth", "cp")]
    assert len({e.stream for e in store.read_stream(jid)}) == 1
    await assert_consistent(journeys, store, wf)


async def test_a_journey_wakes_at_its_own_time_in_the_small_hours(journeys, store, clock):
    # Not at midnight with every other journey due that day: at its own offset.
    t0 = await clock.today()
    wf, jid, _ = await started(journeys, t0)
    await journeys.send(wf, command("record_strategy_discussion", occurred_on=t0, outcome="s47_cp"))
    reminder = working_days_before(CAL, CAL.add_working_days(t0, 15), 3)
    wakes = wake_time(reminder, wf)
    assert start_of_day(reminder) <= wakes < start_of_day(reminder) + WAKE_SPREAD

    await clock.skip_until(wakes - timedelta(seconds=30))
    assert "DeadlineApproaching" not in types(store, jid)
    await clock.skip_until(wakes + timedelta(seconds=30))
    approaching = await eventually(lambda: [e for e in store.read_stream(jid) if e.type == "DeadlineApproaching"])
    assert approaching[0].occurred_on == reminder


async def test_missed_initial_conference_reminds_then_records_the_miss_and_notifies(journeys, store, clock):
    t0 = await clock.today()
    wf, jid, _ = await started(journeys, t0)
    await journeys.send(wf, command("record_strategy_discussion", occurred_on=t0, outcome="s47_cp"))
    due = CAL.add_working_days(t0, 15)
    reminder = working_days_before(CAL, due, 3)

    await clock.skip_to(reminder - timedelta(days=1), hour=23)
    assert "DeadlineApproaching" not in types(store, jid)
    await clock.skip_to(reminder)
    approaching = await eventually(lambda: [e for e in store.read_stream(jid) if e.type == "DeadlineApproaching"])
    assert approaching[0].occurred_on == reminder and approaching[0].data["due_on"] == due.isoformat()

    await clock.skip_to(due, hour=23)
    assert "DeadlineMissed" not in types(store, jid)
    await clock.skip_to(due + timedelta(days=1))
    missed = await eventually(lambda: [e for e in store.read_stream(jid) if e.type == "DeadlineMissed"])
    assert missed[0].occurred_on == due + timedelta(days=1) and missed[0].data["kind"] == "initial_conference"

    with store._engine.connect() as connection:
        notes = connection.execute(select(outbox.c.type, outbox.c.payload).where(outbox.c.journey_id == jid)).all()
    assert sorted(n.type for n in notes) == ["deadline_approaching", "deadline_missed"]
    for note in notes:  # no personal details leave in a notification
        assert "young_person" not in note.payload and "date_of_birth" not in str(note.payload)
    summary = store.journey(jid)
    assert summary.overdue and summary.next_deadline_kind == "initial_conference"
    state = await assert_consistent(journeys, store, wf)
    assert state.missed[0].kind == "initial_conference"


async def test_duplicate_command_changes_nothing(journeys, store, clock):
    t0 = await clock.today()
    wf, jid, _ = await started(journeys, t0)
    request = command("record_strategy_discussion", occurred_on=t0, outcome="s47_roth")
    first = await journeys.send(wf, request)
    again = await journeys.send(wf, request)
    assert again == first
    assert types(store, jid) == ["JourneyStarted", "StrategyDiscussionHeld"]
    await assert_consistent(journeys, store, wf)


async def test_duplicate_start_answers_the_first_and_a_new_start_is_refused(journeys, store, clock):
    t0 = await clock.today()
    request = start_request(child(), t0.replace(year=t0.year - 14), t0)
    first = await journeys.start(request)
    assert await journeys.start(request) == first
    with pytest.raises(CommandRefused) as refused:
        await journeys.start({**request, "command_id": str(uuid.uuid4())})
    assert refused.value.code == "journey_already_open" and first["journey_id"] in refused.value.message
    assert types(store, first["journey_id"]) == ["JourneyStarted"]
    await assert_consistent(journeys, store, first["workflow_id"])


async def test_refused_command_leaves_history_and_log_untouched(journeys, store, clock):
    t0 = await clock.today()
    wf, jid, _ = await started(journeys, t0)
    handle = journeys.client.get_workflow_handle(wf)
    before = len((await handle.fetch_history()).events)
    with pytest.raises(CommandRefused) as refused:
        await journeys.send(wf, command("record_initial_conference", occurred_on=t0, decision="plan", categories=["physical"]))
    assert refused.value.code == "strategy_discussion_required" and "strategy discussion" in refused.value.message
    with pytest.raises(CommandRefused) as refused:
        await journeys.send(wf, command("record_strategy_discussion", occurred_on=t0 + timedelta(days=3), outcome="s47_cp"))
    assert refused.value.code == "date_in_future"
    with pytest.raises(CommandRefused) as refused:
        await journeys.send(wf, command("extend_deadline", deadline="initial_conference", new_due_on=t0, reason="x"))
    assert refused.value.code == "not_allowed_for_role"
    # The validator rejected them: no update was accepted, no activity ran. (The Java test
    # server still logs the workflow tasks that ran the validator; the real server's
    # speculative tasks leave nothing at all.)
    added = {e.event_type for e in (await handle.fetch_history()).events[before:]}
    assert added <= {
        EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    }
    assert types(store, jid) == ["JourneyStarted"]
    await assert_consistent(journeys, store, wf)


async def test_a_young_person_of_18_cannot_start_a_journey(journeys, store, clock):
    t0 = await clock.today()
    with pytest.raises(CommandRefused) as refused:
        await journeys.start(start_request(child(), t0.replace(year=t0.year - 18) - timedelta(days=1), t0))
    assert refused.value.code == "young_person_too_old"


async def test_eighteenth_birthday_closes_the_journey(journeys, store, clock):
    t0 = await clock.today()
    dob = (t0 + timedelta(days=20)).replace(year=t0.year - 18)
    wf, jid, _ = await started(journeys, t0, dob=dob)
    await journeys.send(wf, command("record_strategy_discussion", occurred_on=t0, outcome="s47_roth"))
    adult_on = birthday(dob, 18)
    await clock.skip_to(adult_on)
    result = await journeys.client.get_workflow_handle(wf).result()
    assert result["closed"] and result["closure_reason"] == "eighteenth_birthday" and result["closed_on"] == adult_on.isoformat()
    logged = types(store, jid)
    assert logged[-2:] == ["EighteenthBirthdayReached", "JourneyClosed"]
    await assert_consistent(journeys, store, wf)


async def test_continue_as_new_keeps_the_state(temporal_env, settings, store, clock, worker):
    from dataclasses import replace

    from workflows.client import JourneyClient

    journeys = JourneyClient(temporal_env.client, replace(settings, max_updates_per_run=3))
    t0 = await clock.today()
    wf, jid, _ = await started(journeys, t0, referral=t0 - timedelta(days=40))
    first_run = (await journeys.client.get_workflow_handle(wf).describe()).run_id
    early = command("record_strategy_discussion", occurred_on=t0 - timedelta(days=30), outcome="s47_roth")
    await journeys.send(wf, early)
    await chair_the_case(journeys, wf)
    await journeys.send(wf, command("record_initial_conference", occurred_on=t0 - timedelta(days=20), decision="plan", categories=["emotional"]))
    for days_ago in (15, 10, 5, 1):
        await journeys.send(wf, command("record_visit", occurred_on=t0 - timedelta(days=days_ago), seen_alone=False))
    await eventually(lambda: True)
    description = await journeys.client.get_workflow_handle(wf).describe()
    assert description.run_id != first_run
    state = await assert_consistent(journeys, store, wf)
    assert state.stage == "plan" and state.last_visit_on == t0 - timedelta(days=1)
    # A retry of a command from an earlier run is still recognised and writes nothing.
    count = len(store.read_stream(jid))
    await journeys.send(wf, early)
    assert len(store.read_stream(jid)) == count


async def test_manager_extension_moves_the_working_deadline(journeys, store, clock):
    t0 = await clock.today()
    wf, jid, _ = await started(journeys, t0)
    await journeys.send(wf, command("record_strategy_discussion", occurred_on=t0, outcome="s47_cp"))
    due = CAL.add_working_days(t0, 15)
    new_due = CAL.add_working_days(due, 5)
    answer = await journeys.send(wf, command("extend_deadline", actor=MANAGER_ACTOR, deadline="initial_conference", new_due_on=new_due, reason="Chair unavailable"))
    [icpc] = [d for d in answer["state"]["deadlines"] if d["kind"] == "initial_conference"]
    assert (icpc["status"], icpc["due_on"], icpc["original_due_on"]) == ("extended", new_due.isoformat(), due.isoformat())
    await clock.skip_to(due + timedelta(days=1))
    await clock.skip_to(due + timedelta(days=2))
    assert "DeadlineMissed" not in types(store, jid)
    assert store.journey(jid).next_due_on == new_due
    await assert_consistent(journeys, store, wf)


async def test_commands_to_a_closed_journey_are_refused_as_closed(journeys, store, clock):
    t0 = await clock.today()
    wf, jid, _ = await started(journeys, t0)
    await journeys.send(wf, command("close_journey", occurred_on=t0, reason="transferred_out"))
    await journeys.client.get_workflow_handle(wf).result()
    with pytest.raises(CommandRefused) as refused:
        await journeys.send(wf, command("record_strategy_discussion", occurred_on=t0, outcome="s47_cp"))
    assert refused.value.code == "journey_closed"
    with pytest.raises(CommandRefused) as refused:
        await journeys.send("journey-873-no-such-workflow", command("record_visit", occurred_on=t0, seen_alone=True))
    assert refused.value.code == "journey_not_found"
    assert types(store, jid) == ["JourneyStarted", "JourneyClosed"]
