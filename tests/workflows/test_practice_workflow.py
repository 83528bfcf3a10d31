"""ROTH practice through the real workflows: the chair rule, context weighting and its transfer
prompt, plans and voices, the transition at 18, and context cases with their own cadence
(on the time-skipping server with a real worker and a real SQLite log)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select
from temporalio.worker import Replayer

from domain.calendar import WorkingDayCalendar, birthday
from domain.contexts import context_view
from domain.contexts import decode as decode_context_event
from domain.contexts import fold as fold_context
from domain.deadlines import working_days_before
from store.contexts import contexts_linked_to_open_journeys, journeys_linked_to
from store.schema import outbox
from support import assert_consistent, command, refer_request as refer, start_request, stored_domain_events
from temporal_fixtures import chair_the_case
from workflows.client import CommandRefused
from workflows.contexts import ContextWorkflow
from workflows.journey import JourneyWorkflow

CAL = WorkingDayCalendar()


def child() -> str:
    return f"C{uuid.uuid4().hex[:12].upper()}"


def weighed(on, home: int, park: int, at: str = "assessment", park_id: str = "riverside-park") -> dict:
    return command("record_context_weighting", occurred_on=on, at=at, contexts=[
        {"context_id": "home", "kind": "home_family", "name": "Home", "harm": False, "safety": True, "weight": home, "affects": []},
        {"context_id": park_id, "kind": "public_place", "name": "Riverside park", "harm": True, "safety": False,
         "weight": park, "affects": ["home"]},
    ])


async def roth_journey(journeys, t0, referral_days_ago: int = 20):
    answer = await journeys.start(start_request(child(), t0.replace(year=t0.year - 15), t0 - timedelta(days=referral_days_ago)))
    wf = answer["workflow_id"]
    await journeys.send(wf, command("record_strategy_discussion", occurred_on=t0 - timedelta(days=referral_days_ago - 1), outcome="s47_roth"))
    return wf, answer["journey_id"]


async def test_a_roth_conference_waits_for_an_independent_chair(journeys, store, clock):
    t0 = await clock.today()
    wf, jid = await roth_journey(journeys, t0)
    conference = command("record_initial_conference", occurred_on=t0, decision="plan", categories=["physical"])
    with pytest.raises(CommandRefused) as refused:
        await journeys.send(wf, conference)
    assert refused.value.code == "chair_required"
    await journeys.send(wf, command("allocate_case", social_worker="sw-1", team_manager="tm-1"))
    for chair, in_pool, code in (("chair-9", False, "chair_not_in_pool"), ("tm-1", True, "chair_not_independent")):
        with pytest.raises(CommandRefused) as refused:
            await journeys.send(wf, command("assign_chair", chair_id=chair, in_pool=in_pool))
        assert refused.value.code == code
    answer = await journeys.send(wf, command("assign_chair", chair_id="chair-9", in_pool=True))
    assert answer["state"]["chair"] == "chair-9"
    answer = await journeys.send(wf, conference)
    assert answer["state"]["stage"] == "plan"
    # The refusals left nothing in the log.
    assert [e.type for e in store.read_stream(jid)][2:] == [
        "CaseAllocated", "ChairAssigned", "InitialConferenceHeld", "DeadlineMet", "PlanStarted"]
    await assert_consistent(journeys, store, wf)
    # The chair rule's patch replays: the start recorded it, so the replay refuses as the run did.
    history = await journeys.client.get_workflow_handle(wf).fetch_history()
    await Replayer(workflows=[JourneyWorkflow], data_converter=journeys.client.data_converter).replay_workflow(history)


async def test_weighting_history_prompt_plan_and_voices(journeys, store, clock):
    t0 = await clock.today()
    wf, jid = await roth_journey(journeys, t0)
    await chair_the_case(journeys, wf)
    first = await journeys.send(wf, weighed(t0 - timedelta(days=15), home=3, park=9))
    assert first["state"]["transfer_prompt"] is None
    # The family becomes the most influential context on the ROTH pathway: consider CP.
    shifted = await journeys.send(wf, weighed(t0 - timedelta(days=10), home=9, park=4))
    assert shifted["state"]["transfer_prompt"] == "cp"
    assert [w["most_influential"] for w in shifted["state"]["context_weightings"]] == ["outside", "family"]
    answer = await journeys.send(wf, command("record_initial_conference", occurred_on=t0, decision="plan", categories=["physical"]))
    assert answer["state"]["transfer_prompt"] is None  # the conference has considered it
    await journeys.send(wf, weighed(t0, home=2, park=8, at="initial_conference"))
    plan = command("update_plan", occurred_on=t0, made_at="initial_conference", needs=["education_access"], goals=[
        {"goal_id": "g1", "heading": "needs", "description": "Back in full-time education", "need": "education_access",
         "outcome": "Attendance above 90%", "actions": [
             {"description": "Reduced timetable with a mentor", "owner": "Northgate Academy",
              "due_on": (t0 + timedelta(days=30)).isoformat(), "targets": ["young_person"]}]},
        {"goal_id": "g2", "heading": "guardianship", "description": "Safe adults in the park", "need": None,
         "outcome": "No incidents reported", "actions": [
             {"description": "Detached youth work", "owner": "Youth service",
              "due_on": (t0 + timedelta(days=14)).isoformat(), "targets": ["riverside-park", "family"]}]},
    ])
    answer = await journeys.send(wf, plan)
    assert answer["state"]["care_plan"]["version"] == 1
    assert [f["code"] for f in answer["state"]["plan_findings"]] == ["voices_not_recorded"]
    await journeys.send(wf, command("record_participation", occurred_on=t0, meeting="initial_conference",
                                    participant="young_person", invited=True, attended=True, views="Feels unsafe after dark"))
    answer = await journeys.send(wf, command("record_participation", occurred_on=t0, meeting="initial_conference",
                                             participant="parent_carer", invited=True, attended=False, views="Sent by email"))
    assert answer["state"]["plan_findings"] == []
    answer = await journeys.send(wf, command("record_consent", occurred_on=t0, given_by="parent_carer",
                                             decision="given", scope=["education", "police"]))
    assert answer["state"]["consents"][0]["scope"] == ["education", "police"]
    summary = store.journey(jid)
    assert (summary.chair_id, list(summary.linked_contexts), list(summary.plan_findings)) == ("chair-0003", ["riverside-park"], [])
    await assert_consistent(journeys, store, wf)


async def test_a_seventeen_year_olds_transition_goes_with_them_at_18(journeys, store, clock):
    t0 = await clock.today()
    # Close to 18, so the skip is short: every open journey in the session wakes on the way.
    eighteen_on = t0 + timedelta(days=6)
    dob = eighteen_on.replace(year=eighteen_on.year - 18, day=min(eighteen_on.day, 28))
    answer = await journeys.start(start_request(child(), dob, t0))
    wf, jid = answer["workflow_id"], answer["journey_id"]
    assert answer["state"]["transition_plan_due"] is True
    adult_on = birthday(dob, 18)
    assert any(d["kind"] == "eighteenth_birthday" and d["due_on"] == adult_on.isoformat() for d in answer["state"]["deadlines"])
    answer = await journeys.send(wf, command("record_transition_plan", occurred_on=t0, note="Referred to adult social care"))
    assert answer["state"]["transition_plan_due"] is False
    await clock.skip_to(adult_on)
    result = await journeys.client.get_workflow_handle(wf).result()
    assert result["closure_reason"] == "eighteenth_birthday"
    reached = [e for e in stored_domain_events(store, jid) if type(e).__name__ == "EighteenthBirthdayReached"]
    assert reached[0].transition_plan_on == t0
    with store.engine.connect() as connection:
        kinds = [row.type for row in connection.execute(select(outbox.c.type).where(outbox.c.journey_id == jid))]
    assert "eighteenth_birthday" in kinds and "journey_closed" in kinds


# --- contexts as cases of their own -------------------------------------------------------------


def context_events(store, case_id: str) -> list:
    return [decode_context_event(e.type, e.occurred_on, e.data) for e in store.read_stream(case_id)]


async def test_a_context_linked_from_three_journeys_and_its_conference_cadence(journeys, contexts, store, clock):
    t0 = await clock.today()
    place = f"bus-station-{uuid.uuid4().hex[:6]}"
    linked = []
    for _ in range(3):
        wf, jid = await roth_journey(journeys, t0)
        await journeys.send(wf, weighed(t0 - timedelta(days=5), home=2, park=8, park_id=place))
        linked.append(jid)
    several = {row["context_id"]: row["open_journeys"] for row in contexts_linked_to_open_journeys(store.engine, "873", 3)}
    assert several.get(place) == 3
    assert sorted(j["journey_id"] for j in journeys_linked_to(store.engine, "873", place)) == sorted(linked)
    assert journeys_linked_to(store.engine, "874", place) == []

    # Referred, the context meets on its own cadence: reminded, then missed, like a journey.
    referred = await contexts.refer(refer(place, t0, "The bus station"))
    case_id = referred["case_id"]
    due = CAL.add_working_days(t0, 15)
    assert referred["state"]["next_conference"]["due_on"] == due.isoformat()
    again = refer(place, t0)
    with pytest.raises(CommandRefused) as refused:
        await contexts.refer(again)
    assert refused.value.code == "context_already_open"
    await clock.skip_to(working_days_before(CAL, due, 5))
    await clock.skip_to(due + timedelta(days=1))
    kinds = [type(e).__name__ for e in context_events(store, case_id)]
    assert kinds == ["ContextReferred", "ContextConferenceApproaching", "ContextConferenceMissed"]

    held_on = due + timedelta(days=1)
    conference = {"type": "record_context_conference", "command_id": str(uuid.uuid4()),
                  "actor": {"id": "sw-0042", "role": "practitioner"}, "occurred_on": held_on.isoformat(), "decision": "continue"}
    answer = await contexts.send("873", place, conference)
    assert answer["state"]["next_conference"]["kind"] == "context_review"
    assert answer["state"]["next_conference"]["due_on"] == CAL.add_months(held_on, 3).isoformat()
    assert (await contexts.send("873", place, conference))["events"] == answer["events"]  # a retry is a no-op
    action = {"type": "record_context_action", "command_id": str(uuid.uuid4()), "actor": {"id": "sw-0042", "role": "practitioner"},
              "action_id": "lighting", "kind": "environmental", "description": "Better lighting on the east entrance",
              "owner": "Highways", "due_on": (held_on + timedelta(days=30)).isoformat()}
    answer = await contexts.send("873", place, action)
    assert answer["state"]["actions"][0]["owner"] == "Highways"
    closing = {"type": "close_context", "command_id": str(uuid.uuid4()), "actor": {"id": "sw-0042", "role": "practitioner"},
               "occurred_on": held_on.isoformat(), "reason": "safety_improved"}
    await contexts.send("873", place, closing)
    result = await contexts.client.get_workflow_handle(referred["workflow_id"]).result()
    assert result["closed"] is True
    # The log's fold is what the workflow held.
    assert context_view(fold_context(context_events(store, case_id)), CAL, await clock.today()) == result
    with pytest.raises(CommandRefused) as refused:
        await contexts.send("873", place, {**closing, "command_id": str(uuid.uuid4())})
    assert refused.value.code == "context_closed"
    # The run replays deterministically with the current code.
    history = await contexts.client.get_workflow_handle(referred["workflow_id"]).fetch_history()
    await Replayer(workflows=[ContextWorkflow], data_converter=contexts.client.data_converter).replay_workflow(history)


async def test_a_context_case_continues_as_new_at_the_settings_cap_and_answers_retries_from_earlier_runs(
        temporal_env, settings, store, clock, worker):
    from dataclasses import replace

    from workflows.client import ContextClient

    contexts = ContextClient(temporal_env.client, replace(settings, max_updates_per_run=2))
    t0 = await clock.today()
    place = f"shopping-centre-{uuid.uuid4().hex[:6]}"
    referred = await contexts.refer(refer(place, t0, "The shopping centre"))
    handle = contexts.client.get_workflow_handle(referred["workflow_id"])
    first_run = (await handle.describe()).run_id
    actor = {"id": "sw-0042", "role": "practitioner"}
    actions = [{"type": "record_context_action", "command_id": str(uuid.uuid4()), "actor": actor, "action_id": f"a{i}",
                "kind": "environmental", "description": "Better lighting", "owner": "Highways",
                "due_on": (t0 + timedelta(days=30)).isoformat()} for i in range(3)]
    answers = [await contexts.send("873", place, action) for action in actions]
    assert (await handle.describe()).run_id != first_run  # the cap came from the settings, not 500
    count = len(store.read_stream(referred["case_id"]))
    # A retry from an earlier run gets its answer again (its events), not a bare duplicate.
    again = await contexts.send("873", place, actions[0])
    assert again["events"] == answers[0]["events"] and "duplicate" not in again
    assert again["state"]["actions"] == answers[-1]["state"]["actions"]  # the case as it stands now
    assert len(store.read_stream(referred["case_id"])) == count


async def test_commands_to_an_unreferred_context_are_refused(contexts, clock):
    with pytest.raises(CommandRefused) as refused:
        await contexts.send("873", "never-referred", {
            "type": "record_context_conference", "command_id": str(uuid.uuid4()),
            "actor": {"id": "sw-0042", "role": "practitioner"}, "occurred_on": (await clock.today()).isoformat(), "decision": "continue"})
    assert refused.value.code == "context_not_found"
    assert await contexts.state("873", "never-referred") is None
