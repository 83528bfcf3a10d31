"""The journey decider: every command and every refusal code, with dates worked by hand.

Dates used throughout (national policy; working days skip weekends and bank holidays):
- strategy discussion Tue 3 Mar 2026 -> initial conference due 15 working days later, Tue 24 Mar
  (4,5,6,9,10,11,12,13,16,17,18,19,20,23,24 Mar); its reminder 3 working days before, Thu 19 Mar.
- initial conference Fri 20 Mar 2026 -> first core group due Tue 7 Apr (23,24,25,26,27,30,31 Mar,
  1,2 Apr, then Good Friday 3 Apr and Easter Monday 6 Apr are skipped, 7 Apr is the 10th);
  first review 3 months later: Sat 20 Jun moves back to Fri 19 Jun.
"""

import dataclasses
from datetime import date

import pytest

from domain import events as e
from domain.calendar import WorkingDayCalendar
from domain.commands import ChangePolicy, ObserveDay
from domain.deadlines import all_deadlines, next_wake, open_deadlines
from domain.decider import decide, evolve, fold
from domain.errors import DomainError
from domain.model import CLOSED, PLAN, REFERRAL, SECTION_47, initial_state
from domain.timescales import policy_in_force
from support import (
    AUDITOR, CALENDAR, MANAGER, PRACTITIONER, SYSTEM, cid, close, conference, core_group, extend,
    review, run, start, strategy, visit,
)

TODAY = date(2026, 11, 20)
REFERRAL_ON = date(2026, 3, 2)


def on_plan(policy="national", today=TODAY):
    return run([start(REFERRAL_ON, policy=policy), strategy(date(2026, 3, 3)), conference(date(2026, 3, 20))], today)[0]


def in_s47(today=date(2026, 3, 10)):
    return run([start(REFERRAL_ON), strategy(date(2026, 3, 3))], today)[0]


def refused(state, command, today=TODAY, calendar=CALENDAR) -> str:
    with pytest.raises(DomainError) as raised:
        decide(state, command, today, calendar)
    assert raised.value.message  # always something a practitioner can read
    return raised.value.code


def deadline(state, kind, today):
    return next(d for d in open_deadlines(state, state.policy, CALENDAR, today) if d.kind == kind)


# --- happy paths ---------------------------------------------------------------------------

def test_start_records_the_referral_and_pins_the_policy():
    state, events = run([start(REFERRAL_ON)], TODAY)
    assert [type(x) for x in events] == [e.JourneyStarted]
    assert state.stage == REFERRAL and state.referral_date == REFERRAL_ON
    assert state.policy.version == "national/2023-12-15"


def test_s47_strategy_discussion_opens_the_initial_conference_deadline():
    state = in_s47()
    assert (state.stage, state.pathway, state.s47_started_on) == (SECTION_47, "roth", date(2026, 3, 3))
    icpc = deadline(state, "initial_conference", date(2026, 3, 10))
    assert (icpc.due_on, icpc.reminder_on, icpc.status) == (date(2026, 3, 24), date(2026, 3, 19), "open")


def test_a_later_strategy_discussion_restarts_the_clock_but_not_the_s47_start():
    state, _ = run([strategy(date(2026, 3, 9), "s47_cp")], date(2026, 3, 10), in_s47())
    # 9 Mar + 15 working days: 10..13 (4), 16..20 (9), 23..27 (14), 30 Mar (15)
    assert deadline(state, "initial_conference", date(2026, 3, 10)).due_on == date(2026, 3, 30)
    assert (state.s47_started_on, state.pathway) == (date(2026, 3, 3), "cp")


@pytest.mark.parametrize("outcome, step_down", [("child_in_need", "child_in_need"), ("early_help", "early_help"), ("no_further_action", None)])
def test_strategy_discussion_without_s47_closes_the_journey(outcome, step_down):
    state, events = run([start(REFERRAL_ON), strategy(date(2026, 3, 3), outcome)], TODAY)
    assert [type(x) for x in events][1:] == [e.StrategyDiscussionHeld, e.JourneyClosed]
    assert (state.stage, state.closure_reason, state.step_down, state.pathway) == (CLOSED, outcome, step_down, None)
    assert open_deadlines(state, state.policy, CALENDAR, TODAY) == []


def test_s47_no_further_action_after_an_enquiry_closes_it():
    state, _ = run([strategy(date(2026, 3, 9), "no_further_action")], TODAY, in_s47())
    assert state.closed and state.closure_reason == "no_further_action"


def test_initial_conference_with_a_plan_on_roth_marks_harm_outside_the_home():
    state, events = run([conference(date(2026, 3, 20), ("physical", "emotional"))], TODAY, in_s47())
    assert [type(x) for x in events] == [e.InitialConferenceHeld, e.DeadlineMet, e.PlanStarted]
    met = events[1]
    assert (met.kind, met.due_on, met.original_due_on, met.on_time) == ("initial_conference", date(2026, 3, 24), date(2026, 3, 24), True)
    assert state.stage == PLAN and state.plan.outside_home and state.plan.categories == ("physical", "emotional")
    dues = {d.kind: d.due_on for d in open_deadlines(state, state.policy, CALENDAR, date(2026, 3, 20))}
    assert dues == {
        "first_core_group": date(2026, 4, 7), "visit": date(2026, 4, 7),
        "review_conference": date(2026, 6, 19), "eighteenth_birthday": date(2028, 6, 1),
    }


def test_cp_plan_is_not_outside_the_home():
    state, _ = run([start(REFERRAL_ON), strategy(date(2026, 3, 3), "s47_cp"), conference(date(2026, 3, 20), ("neglect",))], TODAY)
    assert state.pathway == "cp" and not state.plan.outside_home


@pytest.mark.parametrize("step_down", ["child_in_need", "early_help", "none"])
def test_initial_conference_without_a_plan_closes_with_its_step_down(step_down):
    state, events = run([conference(date(2026, 3, 20), (), "no_plan", step_down)], TODAY, in_s47())
    assert [type(x) for x in events] == [e.InitialConferenceHeld, e.DeadlineMet, e.JourneyClosed]
    assert (state.closure_reason, state.step_down) == ("no_plan", step_down)


def test_late_initial_conference_is_met_late_and_reported_as_missed():
    state, events = run([conference(date(2026, 3, 26))], TODAY, in_s47())
    assert events[1].on_time is False
    [record] = [d for d in all_deadlines(state, state.policy, CALENDAR, TODAY) if d.kind == "initial_conference"]
    assert (record.status, record.met_on, record.due_on) == ("missed", date(2026, 3, 26), date(2026, 3, 24))


def test_core_groups_first_then_every_six_weeks():
    state, events = run([core_group(date(2026, 4, 2))], date(2026, 4, 2), on_plan(today=date(2026, 4, 2)))
    assert events[1].kind == "first_core_group" and events[1].on_time
    # 2 Apr + 6 weeks = Thu 14 May 2026, a working day
    assert deadline(state, "core_group", date(2026, 4, 2)).due_on == date(2026, 5, 14)
    state, events = run([core_group(date(2026, 5, 20))], date(2026, 5, 20), state)
    assert events[1].kind == "core_group" and not events[1].on_time


def test_visits_meet_the_visit_deadline_and_restart_it():
    state, events = run([visit(date(2026, 3, 27))], date(2026, 3, 27), on_plan(today=date(2026, 3, 27)))
    assert [type(x) for x in events] == [e.VisitRecorded, e.DeadlineMet]
    # 27 Mar + 10 working days: 30,31 Mar, 1,2 Apr, (Easter) 7,8,9,10,13,14 Apr
    assert deadline(state, "visit", date(2026, 3, 27)).due_on == date(2026, 4, 14)


def test_a_visit_recorded_late_and_out_of_order_does_not_move_the_deadline_back():
    state, _ = run([visit(date(2026, 3, 27))], date(2026, 4, 1), on_plan(today=date(2026, 4, 1)))
    state, events = run([visit(date(2026, 3, 24))], date(2026, 4, 1), state)
    assert [type(x) for x in events] == [e.VisitRecorded]
    assert state.last_visit_on == date(2026, 3, 27)


def test_visits_before_a_plan_are_recorded_without_a_deadline():
    state, events = run([visit(date(2026, 3, 5))], date(2026, 3, 10), in_s47())
    assert [type(x) for x in events] == [e.VisitRecorded]


def test_review_then_six_monthly_reviews():
    state, events = run([review(date(2026, 6, 19))], TODAY, on_plan())
    assert events[1].kind == "review_conference" and events[1].on_time
    # 19 Jun + 6 months = Sat 19 Dec 2026 -> Fri 18 Dec
    assert deadline(state, "review_conference", date(2026, 6, 19)).due_on == date(2026, 12, 18)


def test_review_can_update_categories():
    state, _ = run([review(date(2026, 6, 19), "continue", ("sexual",))], TODAY, on_plan())
    assert state.plan.categories == ("sexual",)


def test_roth_to_cp_and_back_is_one_continuous_history():
    state, events = run([review(date(2026, 6, 19), "transfer_to_cp", ("emotional",))], TODAY, on_plan())
    transfer = events[-1]
    assert isinstance(transfer, e.PathwayTransferred)
    assert (transfer.from_pathway, transfer.to_pathway, transfer.outside_home) == ("roth", "cp", False)
    assert state.pathway == "cp" and state.plan.categories == ("emotional",) and state.plan.started_on == date(2026, 3, 20)
    state, events = run([review(date(2026, 9, 18), "transfer_to_roth")], TODAY, state)
    assert state.pathway == "roth" and state.plan.outside_home and state.transfers == 2
    assert state.journey_id == "journey-1" and state.reviews_held == 2


def test_roth_cadence_policy_gives_six_weekly_reviews_and_weekly_visits_on_roth_only():
    state = on_plan(policy="roth-cadence", today=date(2026, 3, 20))
    dues = {d.kind: d.due_on for d in open_deadlines(state, state.policy, CALENDAR, date(2026, 3, 20))}
    # 20 Mar + 6 weeks = Fri 1 May; + 1 week = Fri 27 Mar
    assert dues["review_conference"] == date(2026, 5, 1) and dues["visit"] == date(2026, 3, 27)
    state, _ = run([review(date(2026, 5, 1), "transfer_to_cp")], TODAY, state)
    # on CP the national cadence applies again: 1 May + 6 months = Sun 1 Nov -> Fri 30 Oct
    assert deadline(state, "review_conference", date(2026, 5, 1)).due_on == date(2026, 10, 30)


def test_end_plan_closes_with_step_down():
    state, events = run([review(date(2026, 6, 19), "end_plan", step_down="child_in_need")], TODAY, on_plan())
    assert [type(x) for x in events][-2:] == [e.PlanEnded, e.JourneyClosed]
    assert (state.closure_reason, state.step_down, state.closed_on) == ("plan_ended", "child_in_need", date(2026, 6, 19))


def test_manager_extension_moves_the_working_deadline_and_keeps_the_statutory_one():
    today = date(2026, 3, 20)
    state, events = run([extend("initial_conference", date(2026, 3, 31))], today, in_s47(today))
    assert isinstance(events[0], e.DeadlineExtended) and events[0].approved_by == MANAGER.id
    icpc = deadline(state, "initial_conference", today)
    assert (icpc.status, icpc.due_on, icpc.original_due_on) == ("extended", date(2026, 3, 31), date(2026, 3, 24))
    state, events = run([conference(date(2026, 3, 27))], date(2026, 3, 27), state)
    met = events[1]
    assert (met.on_time, met.due_on, met.original_due_on) == (True, date(2026, 3, 31), date(2026, 3, 24))


@pytest.mark.parametrize("reason", ["transferred_out", "looked_after", "died", "moved_to_adult_services", "other"])
def test_close_journey_with_each_reason(reason):
    state, events = run([close(date(2026, 7, 1), reason)], TODAY, on_plan())
    assert [type(x) for x in events] == [e.JourneyClosed] and state.closure_reason == reason
    assert open_deadlines(state, state.policy, CALENDAR, TODAY) == []


def test_policy_change_is_an_event_and_moves_open_deadlines():
    state = on_plan(today=date(2026, 3, 20))
    roth = policy_in_force("roth-cadence", date(2026, 3, 20))
    state, events = run([ChangePolicy(cid(), MANAGER, roth)], date(2026, 3, 20), state)
    assert isinstance(events[0], e.TimescalePolicyChanged) and state.policy == roth
    assert deadline(state, "review_conference", date(2026, 3, 20)).due_on == date(2026, 5, 1)


# --- the clock ---------------------------------------------------------------------------

def observe(today):
    return ObserveDay(f"clock:{today}", SYSTEM, today)


def test_clock_reminds_once_then_records_the_miss_once():
    state = in_s47()
    assert next_wake(state, state.policy, CALENDAR, date(2026, 3, 10)) == date(2026, 3, 19)
    state, events = run([observe(date(2026, 3, 19))], date(2026, 3, 19), state)
    assert events == [e.DeadlineApproaching(date(2026, 3, 19), "initial_conference", date(2026, 3, 24))]
    assert run([observe(date(2026, 3, 20))], date(2026, 3, 20), state)[1] == []
    assert next_wake(state, state.policy, CALENDAR, date(2026, 3, 19)) == date(2026, 3, 25)
    state, events = run([observe(date(2026, 3, 25))], date(2026, 3, 25), state)
    assert events == [e.DeadlineMissed(date(2026, 3, 25), "initial_conference", date(2026, 3, 24), date(2026, 3, 24))]
    assert deadline(state, "initial_conference", date(2026, 3, 25)).status == "missed"
    assert run([observe(date(2026, 3, 26))], date(2026, 3, 26), state)[1] == []


def test_clock_skips_a_reminder_whose_deadline_has_already_passed():
    state, events = run([start(REFERRAL_ON), strategy(date(2026, 3, 3)), observe(date(2026, 4, 1))], date(2026, 4, 1))
    assert [type(x) for x in events][-1:] == [e.DeadlineMissed]
    assert not any(isinstance(x, e.DeadlineApproaching) for x in events)


def test_eighteenth_birthday_closes_the_journey_with_a_transition():
    dob = date(2008, 12, 1)
    state, _ = run([start(date(2026, 9, 1), dob=dob), strategy(date(2026, 9, 2)), conference(date(2026, 9, 18))], date(2026, 9, 18))
    assert next_wake(state, state.policy, CALENDAR, date(2026, 11, 30)) == date(2026, 12, 1)
    state, events = run([observe(date(2026, 12, 1))], date(2026, 12, 1), state)
    assert [type(x) for x in events] == [e.EighteenthBirthdayReached, e.JourneyClosed]
    assert state.closed and state.closure_reason == "eighteenth_birthday" and state.closed_on == dob.replace(year=2026)
    assert decide(state, observe(date(2026, 12, 2)), date(2026, 12, 2), CALENDAR) == []


def test_fold_of_the_events_gives_the_same_state():
    state, events = run([start(REFERRAL_ON), strategy(date(2026, 3, 3)), conference(date(2026, 3, 20)), core_group(date(2026, 4, 2))], TODAY)
    assert fold(events) == state and state.version == len(events)


def test_evolve_builds_a_well_formed_state_for_every_event_type():
    # evolve copies the state's fields without __init__ (for speed): a misspelt field in an
    # evolver would add a stray attribute instead of failing, so check every event type.
    import random

    from bench.queries import TODAY as BENCH_TODAY, journey_events, population
    from domain.decider import _EVOLVERS
    from domain.model import JourneyState
    from domain.weighting import WeightedContext

    rng, seen = random.Random(11), set()
    field_names = {f.name for f in dataclasses.fields(JourneyState)}
    for summary, _ in population(400, 3):
        state = initial_state()
        for event in journey_events(rng, summary, CALENDAR):
            state = evolve(state, event)
            seen.add(type(event))
            assert set(vars(state)) == field_names
            assert JourneyState(**vars(state)) == state
    hand_made = [
        e.DeadlineExtended(BENCH_TODAY, "review_conference", BENCH_TODAY, BENCH_TODAY, BENCH_TODAY, "r", "tm"),
        e.TimescalePolicyChanged(BENCH_TODAY, policy_in_force("roth-cadence", BENCH_TODAY)),
        e.DeadlineMissed(BENCH_TODAY, "review_conference", BENCH_TODAY, BENCH_TODAY),
        e.PathwayTransferred(BENCH_TODAY, "roth", "cp", ("emotional",), False),
        e.PlanEnded(BENCH_TODAY, "early_help"),
        e.EighteenthBirthdayReached(BENCH_TODAY),
        e.CaseAllocated(BENCH_TODAY, "sw-1", "tm-1"),
        e.ChairAssigned(BENCH_TODAY, "chair-1"),
        e.ContextWeightingRecorded(BENCH_TODAY, "assessment", (WeightedContext("park", "public_place", "Park", True, False, 7),), "cp"),
        e.PlanUpdated(BENCH_TODAY, "review_conference", 1, ("poverty",), ()),
        e.ParticipationRecorded(BENCH_TODAY, "review_conference", "young_person", True, True, "views"),
        e.ConsentRecorded(BENCH_TODAY, "parent_carer", "given", ("health",)),
        e.TransitionPlanRecorded(BENCH_TODAY, None),
        e.EventCorrected(BENCH_TODAY, "ev-1", "ReviewConferenceHeld", "categories", ("emotional",), ("neglect",), "r"),
        e.CensusDetailsRecorded(BENCH_TODAY, "A950000178301", None, ("NONE",), "6", "N1"),
        e.AssessmentRecorded(BENCH_TODAY, BENCH_TODAY, ("24A",)),
    ]
    state = on_plan()
    for event in hand_made:
        state = evolve(state, event)
        seen.add(type(event))
        assert set(vars(state)) == field_names
    missing = set(_EVOLVERS) - seen
    assert not missing, f"event types not exercised: {sorted(t.__name__ for t in missing)}"


# --- every refusal code ------------------------------------------------------------------

def test_refuses_a_second_start():
    assert refused(in_s47(), start(REFERRAL_ON)) == "journey_already_open"


def test_refuses_a_young_person_aged_18_or_over():
    assert refused(initial_state(), start(REFERRAL_ON, dob=date(2008, 3, 2))) == "young_person_too_old"
    # the day before the 18th birthday is still allowed
    run([start(REFERRAL_ON, dob=date(2008, 3, 3))], TODAY)


def test_refuses_a_referral_in_the_future_or_before_birth():
    assert refused(initial_state(), start(date(2026, 12, 1))) == "date_in_future"
    assert refused(initial_state(), start(date(2009, 1, 1), dob=date(2010, 6, 1))) == "date_before_previous_step"


def test_refuses_commands_before_a_journey_starts():
    assert refused(initial_state(), strategy(date(2026, 3, 3))) == "journey_not_started"


def test_refuses_dates_in_the_future_and_before_the_previous_step():
    assert refused(in_s47(), conference(date(2026, 3, 11)), today=date(2026, 3, 10)) == "date_in_future"
    assert refused(in_s47(), conference(date(2026, 3, 2))) == "date_before_previous_step"
    assert refused(on_plan(), core_group(date(2026, 3, 19))) == "date_before_previous_step"
    assert refused(on_plan(), review(date(2026, 3, 1))) == "date_before_previous_step"
    assert refused(on_plan(), close(date(2026, 3, 1))) == "date_before_previous_step"
    assert refused(on_plan(), visit(date(2026, 3, 1))) == "date_before_previous_step"


def test_refuses_steps_out_of_order():
    referred = run([start(REFERRAL_ON)], TODAY)[0]
    assert refused(referred, conference(date(2026, 3, 20))) == "strategy_discussion_required"
    assert refused(referred, core_group(date(2026, 3, 20))) == "strategy_discussion_required"
    assert refused(in_s47(), review(date(2026, 3, 20))) == "initial_conference_required"
    assert refused(on_plan(), strategy(date(2026, 4, 1))) == "step_out_of_order"
    assert refused(on_plan(), conference(date(2026, 4, 1))) == "step_out_of_order"


def test_refuses_anything_on_a_closed_journey():
    state, _ = run([close(date(2026, 7, 1))], TODAY, on_plan())
    for command in (core_group(date(2026, 7, 2)), visit(date(2026, 7, 2)), close(date(2026, 7, 2)), extend("visit", date(2026, 8, 1))):
        assert refused(state, command) == "journey_closed"


def test_refuses_a_plan_without_a_category_and_categories_without_a_plan():
    assert refused(in_s47(), conference(date(2026, 3, 20), ())) == "category_required"
    assert refused(in_s47(), conference(date(2026, 3, 20), ("physical",), "no_plan", "none")) == "unexpected_categories"


def test_refuses_missing_step_down():
    assert refused(in_s47(), conference(date(2026, 3, 20), (), "no_plan")) == "step_down_required"
    assert refused(on_plan(), review(date(2026, 6, 19), "end_plan")) == "step_down_required"


def test_refuses_a_transfer_to_the_current_pathway():
    assert refused(on_plan(), review(date(2026, 6, 19), "transfer_to_roth")) == "already_on_pathway"


@pytest.mark.parametrize("command", [
    strategy(date(2026, 3, 9), "maybe"),
    conference(date(2026, 3, 20), ("financial",)),
    conference(date(2026, 3, 20), ("physical", "physical")),
    conference(date(2026, 3, 20), decision="adjourned"),
])
def test_refuses_values_outside_the_contract(command):
    assert refused(in_s47(date(2026, 3, 20)), command, today=date(2026, 3, 20)) == "invalid_value"


def test_extension_refusals():
    today = date(2026, 3, 20)
    state = in_s47(today)
    assert refused(state, extend("initial_conference", date(2026, 3, 31), actor=PRACTITIONER), today) == "not_allowed_for_role"
    assert refused(state, extend("initial_conference", date(2026, 3, 31), reason="  "), today) == "reason_required"
    assert refused(state, extend("review_conference", date(2026, 3, 31)), today) == "deadline_not_open"
    assert refused(state, extend("eighteenth_birthday", date(2030, 3, 31)), today) == "deadline_not_open"
    assert refused(state, extend("initial_conference", date(2026, 3, 24)), today) == "extension_not_later"
    assert refused(state, extend("initial_conference", date(2026, 4, 30)), date(2026, 3, 25)) == "deadline_passed"


def test_auditors_write_nothing():
    assert refused(in_s47(), strategy(date(2026, 3, 9), actor=AUDITOR)) == "not_allowed_for_role"


def test_policy_change_refusals():
    state = on_plan()
    assert refused(state, ChangePolicy(cid(), PRACTITIONER, state.policy)) == "not_allowed_for_role"
    assert refused(state, ChangePolicy(cid(), MANAGER, state.policy)) == "policy_unchanged"


def test_la_closure_days_move_deadlines():
    closures = WorkingDayCalendar(closure_days=[date(2026, 3, 23), date(2026, 3, 24)])
    state = in_s47()
    [icpc] = [d for d in open_deadlines(state, state.policy, closures, date(2026, 3, 10)) if d.kind == "initial_conference"]
    assert icpc.due_on == date(2026, 3, 26)
