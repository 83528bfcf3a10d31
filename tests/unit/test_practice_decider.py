"""ROTH practice in the decider: allocation and independent chairs, context weighting and its
transfer prompts, the plan under three headings, participation, consent and the transition
to adulthood. Every command's happy path and every refusal code.

Dates as in test_decider: referral Mon 2 Mar 2026, strategy discussion Tue 3 Mar, initial
conference Fri 20 Mar; the young person was born on 1 Jun 2010 (17 on 1 Jun 2027).
"""

from dataclasses import replace
from datetime import date

import pytest

from domain import events as e
from domain import plans as p
from domain.commands import ObserveDay, RecordConsent, RecordTransitionPlan
from domain.decider import decide, evolve
from domain.errors import DomainError
from domain.views import journey_view
from support import (
    CALENDAR, PRACTITIONER, SYSTEM, allocate, assign_chair, cid, conference, context, core_group, participation,
    review, run, start, strategy, update_plan, weighting,
)

TODAY = date(2026, 11, 20)
REFERRAL_ON = date(2026, 3, 2)
SD_ON = date(2026, 3, 3)
ICPC_ON = date(2026, 3, 20)

HOME = context("home", kind="home_family", weight=4, harm=False, safety=True, name="Home")
PARK = context("riverside-park", weight=9, name="Riverside park")
SCHOOL = context("northgate-academy", kind="school_college", weight=3, harm=False, safety=True)


def chaired_start(referral=REFERRAL_ON, dob=date(2010, 6, 1)):
    return replace(start(referral, dob), chairs_required=True)


def in_roth_s47(chaired=True):
    commands = [chaired_start(), strategy(SD_ON, "s47_roth")]
    if chaired:
        commands += [allocate(), assign_chair()]
    return run(commands, TODAY)[0]


def on_roth_plan():
    return run([conference(ICPC_ON)], TODAY, in_roth_s47())[0]


def refused(state, command, today=TODAY) -> str:
    with pytest.raises(DomainError) as raised:
        decide(state, command, today, CALENDAR)
    assert raised.value.message
    return raised.value.code


def one(state, command, today=TODAY):
    [event] = decide(state, command, today, CALENDAR)
    return evolve(state, event), event


# --- allocation and chairs ----------------------------------------------------------------------

def test_allocation_and_an_independent_chair_from_the_pool():
    state = run([chaired_start(), strategy(SD_ON, "s47_roth")], TODAY)[0]
    state, allocated = one(state, allocate("sw-1", "tm-1"))
    assert allocated == e.CaseAllocated(TODAY, "sw-1", "tm-1")
    state, chaired = one(state, assign_chair("chair-9"))
    assert chaired == e.ChairAssigned(TODAY, "chair-9") and state.chair == "chair-9"


def test_allocation_refusals():
    state = in_roth_s47()
    assert refused(state, allocate("sw-1", "sw-1")) == "invalid_value"
    assert refused(state, allocate(" ", "tm-1")) == "invalid_value"
    assert refused(state, allocate()) == "allocation_unchanged"
    # The chair cannot be made the case's social worker or team manager.
    assert refused(state, allocate("chair-0003", "tm-0007")) == "chair_not_independent"


def test_chair_refusals():
    unallocated = run([chaired_start(), strategy(SD_ON, "s47_roth")], TODAY)[0]
    assert refused(unallocated, assign_chair()) == "case_not_allocated"
    allocated = run([allocate("sw-1", "tm-1")], TODAY, unallocated)[0]
    assert refused(allocated, assign_chair(in_pool=False)) == "chair_not_in_pool"
    assert refused(allocated, assign_chair("sw-1")) == "chair_not_independent"
    assert refused(allocated, assign_chair("tm-1")) == "chair_not_independent"
    chaired = run([assign_chair("chair-1")], TODAY, allocated)[0]
    assert refused(chaired, assign_chair("chair-1")) == "chair_unchanged"


def test_a_roth_conference_needs_a_chair_where_the_journey_requires_one():
    assert refused(in_roth_s47(chaired=False), conference(ICPC_ON)) == "chair_required"
    state = on_roth_plan()
    assert state.stage == "plan"
    # The review needs one too, and the chair must still be independent of the case.
    reallocated = run([allocate("sw-2", "tm-2")], TODAY, state)[0]
    assert decide(reallocated, review(date(2026, 6, 19)), TODAY, CALENDAR)
    # A CP conference, or a journey started before the rule, needs none.
    cp = run([chaired_start(), strategy(SD_ON, "s47_cp"), conference(ICPC_ON)], TODAY)[0]
    assert cp.stage == "plan"
    legacy = run([start(REFERRAL_ON), strategy(SD_ON, "s47_roth"), conference(ICPC_ON)], TODAY)[0]
    assert legacy.stage == "plan"


# --- context weighting and transfer prompts ---------------------------------------------------

def test_a_weighting_is_kept_with_its_history():
    state = in_roth_s47()
    state, first = one(state, weighting(date(2026, 3, 10), (HOME, PARK, SCHOOL)))
    assert first == e.ContextWeightingRecorded(date(2026, 3, 10), "assessment", (HOME, PARK, SCHOOL), None)
    state = run([conference(ICPC_ON), weighting(ICPC_ON, (HOME, PARK), at="initial_conference")], TODAY, state)[0]
    assert [w.at for w in state.weightings] == ["assessment", "initial_conference"]
    view = journey_view(state, CALENDAR, TODAY)
    assert [w["most_influential"] for w in view["context_weightings"]] == ["outside", "outside"]


@pytest.mark.parametrize("contexts, at, on, code", [
    ((), "assessment", date(2026, 3, 10), "contexts_required"),
    ((PARK, PARK), "assessment", date(2026, 3, 10), "duplicate_context"),
    ((replace(PARK, affects=("bus-station",)),), "assessment", date(2026, 3, 10), "unknown_context"),
    ((replace(PARK, weight=11),), "assessment", date(2026, 3, 10), "invalid_value"),
    ((replace(PARK, kind="street"),), "assessment", date(2026, 3, 10), "invalid_value"),
    ((PARK,), "initial_conference", date(2026, 3, 10), "meeting_not_held"),
    ((PARK,), "assessment", date(2026, 11, 21), "date_in_future"),
    ((PARK,), "at_the_gate", date(2026, 3, 10), "invalid_value"),
])
def test_weighting_refusals(contexts, at, on, code):
    assert refused(in_roth_s47(), weighting(on, contexts, at=at)) == code


def test_a_weighting_at_assessment_needs_a_s47_enquiry():
    referred = run([chaired_start()], TODAY)[0]
    assert refused(referred, weighting(date(2026, 3, 10), (PARK,))) == "strategy_discussion_required"


def _weighed(state, *weights):
    """Record one weighting per (home weight, park weight) pair; returns the prompts."""
    prompts = []
    for day, (home_weight, park_weight) in enumerate(weights, start=4):
        contexts = (replace(HOME, weight=home_weight), replace(PARK, weight=park_weight))
        state, event = one(state, weighting(date(2026, 3, day), contexts))
        prompts.append(event.transfer_prompt)
    return state, prompts


def test_transfer_prompt_when_the_family_becomes_most_influential_on_roth():
    state, prompts = _weighed(in_roth_s47(), (3, 8), (9, 4))
    assert prompts == [None, "cp"]
    assert journey_view(state, CALENDAR, TODAY)["transfer_prompt"] == "cp"


def test_transfer_prompt_when_outside_becomes_most_influential_on_cp():
    cp = run([chaired_start(), strategy(SD_ON, "s47_cp")], TODAY)[0]
    assert _weighed(cp, (8, 2), (8, 5), (2, 7))[1] == [None, None, "roth"]


def test_no_prompt_without_a_shift_or_towards_the_pathway_already_taken():
    # Weights move but the outside stays most influential on ROTH: no prompt.
    assert _weighed(in_roth_s47(), (2, 9), (5, 6), (1, 10))[1] == [None, None, None]
    # The family leads from the first weighting on CP: nothing moved, nothing to consider.
    cp = run([chaired_start(), strategy(SD_ON, "s47_cp")], TODAY)[0]
    assert _weighed(cp, (9, 2), (7, 6))[1] == [None, None]
    # A tie at the top has no leading side: the prompt stands as it was.
    assert _weighed(in_roth_s47(), (3, 8), (9, 4), (6, 6))[1] == [None, "cp", "cp"]


def test_a_shift_back_withdraws_the_prompt_and_a_conference_answers_it():
    assert _weighed(in_roth_s47(), (3, 8), (9, 4), (2, 8))[1] == [None, "cp", None]
    state, _ = _weighed(in_roth_s47(), (3, 8), (9, 4))
    state = run([conference(ICPC_ON)], TODAY, state)[0]
    assert state.transfer_prompt is None


# --- the plan -----------------------------------------------------------------------------------

ACTION = p.Action("Reduced timetable with a mentor", "Northgate Academy", date(2026, 4, 30), (p.YOUNG_PERSON,))
GUARD = p.Action("Detached youth work in the park", "Youth service", date(2026, 4, 15), ("riverside-park",))
PLAN = p.Plan(
    needs=("education_access",),
    goals=(
        p.Goal("g1", p.NEEDS_HEADING, "Back in full-time education", "education_access", (ACTION,), "Attendance above 90%"),
        p.Goal("g2", p.GUARDIANSHIP, "Safe adults in the park", None, (GUARD,), "No incidents reported"),
    ),
)


def weighted_plan_state():
    state = run([weighting(date(2026, 3, 10), (HOME, PARK))], TODAY, in_roth_s47())[0]
    return run([conference(ICPC_ON)], TODAY, state)[0]


def test_a_plan_is_versioned_by_the_meetings_that_make_it():
    state = weighted_plan_state()
    state, made = one(state, update_plan(ICPC_ON, PLAN))
    assert made == e.PlanUpdated(ICPC_ON, "initial_conference", 1, PLAN.needs, PLAN.goals)
    state = run([core_group(date(2026, 4, 2)), update_plan(date(2026, 4, 2), PLAN, made_at="core_group")], TODAY, state)[0]
    assert (state.care_plan.version, state.care_plan.made_at) == (2, "core_group")


def test_plan_refusals():
    assert refused(in_roth_s47(), update_plan(ICPC_ON, PLAN)) == "initial_conference_required"
    state = weighted_plan_state()
    assert refused(state, update_plan(date(2026, 3, 21), PLAN)) == "meeting_not_held"
    assert refused(state, update_plan(ICPC_ON, PLAN, made_at="review_conference")) == "meeting_not_held"
    aimed_elsewhere = replace(GUARD, targets=("bus-station",))
    stray = replace(PLAN, goals=(PLAN.goals[0], replace(PLAN.goals[1], actions=(aimed_elsewhere,))))
    assert refused(state, update_plan(ICPC_ON, stray)) == "unknown_target"
    twice = replace(PLAN, goals=(PLAN.goals[0], replace(PLAN.goals[1], goal_id="g1")))
    assert refused(state, update_plan(ICPC_ON, twice)) == "duplicate_goal"
    assert refused(state, update_plan(ICPC_ON, replace(PLAN, needs=("housing",)))) == "invalid_value"
    unmet_heading = replace(PLAN, goals=(replace(PLAN.goals[0], heading="wishes"),))
    assert refused(state, update_plan(ICPC_ON, unmet_heading)) == "invalid_value"


def test_the_plan_check_asks_for_the_voices_of_a_roth_conference():
    state = run([update_plan(ICPC_ON, PLAN)], TODAY, weighted_plan_state())[0]
    codes = [f["code"] for f in journey_view(state, CALENDAR, TODAY)["plan_findings"]]
    assert codes == [p.VOICES_NOT_RECORDED]
    state = run([participation(ICPC_ON), participation(ICPC_ON, "parent_carer", views="Worried about the park")],
                TODAY, state)[0]
    assert journey_view(state, CALENDAR, TODAY)["plan_findings"] == []


def test_the_plan_check_flags_a_place_of_harm_the_plan_leaves_alone():
    without_park = replace(PLAN, goals=PLAN.goals[:1])
    state = run([update_plan(ICPC_ON, without_park), participation(ICPC_ON),
                 participation(ICPC_ON, "parent_carer")], TODAY, weighted_plan_state())[0]
    codes = [f["code"] for f in journey_view(state, CALENDAR, TODAY)["plan_findings"]]
    assert codes == [p.HARM_CONTEXT_WITHOUT_ACTION, p.ONLY_BEHAVIOUR_TARGETED]


# --- participation and consent ------------------------------------------------------------------

def test_participation_is_one_record_per_person_per_meeting():
    state = on_roth_plan()
    state, first = one(state, participation(ICPC_ON, invited=True, attended=False, views=None))
    assert first == e.ParticipationRecorded(ICPC_ON, "initial_conference", "young_person", True, False, None)
    state = run([participation(ICPC_ON, views="  Said the park feels unsafe after dark ")], TODAY, state)[0]
    [record] = state.participation
    assert record.attended and record.views == "Said the park feels unsafe after dark"


def test_participation_refusals():
    state = on_roth_plan()
    assert refused(state, participation(date(2026, 3, 21))) == "meeting_not_held"
    assert refused(state, participation(ICPC_ON, invited=False, attended=True)) == "invalid_value"
    assert refused(state, participation(ICPC_ON, participant="uncle")) == "invalid_value"


def test_consent_to_share_with_its_scope_and_date():
    state = on_roth_plan()
    given = RecordConsent(cid(), PRACTITIONER, ICPC_ON, "parent_carer", "given", ("police", "education", "police"))
    state, event = one(state, given)
    assert event == e.ConsentRecorded(ICPC_ON, "parent_carer", "given", ("education", "police"))
    withdrawn = RecordConsent(cid(), PRACTITIONER, date(2026, 5, 1), "parent_carer", "withdrawn")
    state = run([withdrawn], TODAY, state)[0]
    assert [x.decision for x in state.consents] == ["given", "withdrawn"]
    assert refused(state, RecordConsent(cid(), PRACTITIONER, ICPC_ON, "young_person", "given")) == "scope_required"
    assert refused(state, RecordConsent(cid(), PRACTITIONER, ICPC_ON, "young_person", "given", ("neighbours",))) == "invalid_value"


# --- the transition to adulthood -------------------------------------------------------------

def test_a_seventeen_year_old_is_prompted_for_a_transition_plan_that_goes_with_them_at_18():
    dob = date(2009, 1, 15)  # 17 on 15 Jan 2026, 18 on 15 Jan 2027
    state = run([chaired_start(dob=dob)], TODAY)[0]
    view = journey_view(state, CALENDAR, TODAY)
    assert view["transition_plan_due"] is True
    assert any(d["kind"] == "eighteenth_birthday" and d["due_on"] == "2027-01-15" and d["reminder_on"]
               for d in view["deadlines"])
    state, planned = one(state, RecordTransitionPlan(cid(), PRACTITIONER, date(2026, 11, 2), "Adult social care referral made"))
    assert journey_view(state, CALENDAR, TODAY)["transition_plan_due"] is False
    events = decide(state, ObserveDay(cid(), SYSTEM, date(2027, 1, 15)), date(2027, 1, 15), CALENDAR)
    assert events[0] == e.EighteenthBirthdayReached(date(2027, 1, 15), date(2026, 11, 2))
    assert isinstance(events[1], e.JourneyClosed)


def test_no_transition_prompt_before_seventeen_and_no_plan_before_it():
    state = run([chaired_start()], TODAY)[0]  # born 1 Jun 2010: 16 today
    assert journey_view(state, CALENDAR, TODAY)["transition_plan_due"] is False
    assert refused(state, RecordTransitionPlan(cid(), PRACTITIONER, date(2026, 11, 2))) == "not_yet_seventeen"


# --- harm types -------------------------------------------------------------------------------

def test_the_strategy_discussion_records_the_harm_it_found():
    from domain.commands import RecordStrategyDiscussion

    discussion = RecordStrategyDiscussion(cid(), PRACTITIONER, SD_ON, "s47_roth", ("cce", "serious_youth_violence", "cce"))
    state, events = run([chaired_start(), discussion], TODAY)
    assert events[-1].harm_types == ("cce", "serious_youth_violence")
    assert journey_view(state, CALENDAR, TODAY)["harm_types"] == ["cce", "serious_youth_violence"]
    wrong = RecordStrategyDiscussion(cid(), PRACTITIONER, SD_ON, "s47_roth", ("gang",))
    assert refused(run([chaired_start()], TODAY)[0], wrong) == "invalid_value"
