"""A journey as an episode of the Children in Need census (reports/cin_census.py writes the XML).

A journey is one CIN episode: a referral, its assessments, at most one s.47 enquiry and at
most one plan (a transfer between ROTH and CP keeps the plan going, so the return has one
child protection plan for it; the ROTH mark stays in the local companion file). Pure: the
return, its readiness report and the tests derive episodes the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.census import Assessment, CensusDetails
from domain.decider import evolve, initial_state
from domain.events import PlanEnded


# DfE's categories of abuse; a plan with several is returned as MUL.
CATEGORY_CODES = {"neglect": "NEG", "physical": "PHY", "emotional": "EMO", "sexual": "SAB"}
MULTIPLE = "MUL"
INITIAL_CPC_WORKING_DAYS = 15  # InitialCPCtarget: 15 working days after the s.47 started

# Closures that end the child's s.17 involvement, by the journey's closure reason. A journey
# stepped down to child in need, or closed because the child became looked after, leaves the
# CIN episode open: the LA's own system closes it.
_STILL_IN_NEED = ("child_in_need", "looked_after")
_REASONS_FOR_CLOSURE = {"transferred_out": "RC5", "died": "RC2", "moved_to_adult_services": "RC6"}
SERVICES_CEASED = "RC7"  # services ceased for any other reason, including no longer in need
CLOSED_AFTER_ASSESSMENT = {"no_further_action": "RC8", "early_help": "RC9"}


@dataclass(frozen=True)
class Section47Enquiry:
    started_on: date
    initial_cpc_target: date
    initial_cpc_on: date | None
    icpc_not_required: bool  # the enquiry ended with no conference


@dataclass(frozen=True)
class ProtectionPlan:
    started_on: date
    ended_on: date | None
    initial_category: str  # a DfE code: NEG PHY EMO SAB, or MUL
    latest_category: str
    reviews: tuple[date, ...]
    pathways: tuple[str, ...]  # "roth" / "cp" in the order the plan was on them

    @property
    def roth(self) -> bool:
        """The plan was on the ROTH pathway at any time (the companion file's mark)."""
        return "roth" in self.pathways


@dataclass(frozen=True)
class Episode:
    journey_id: str
    child_id: str
    date_of_birth: date
    sex: str
    ethnicity: str
    details: CensusDetails
    referral_date: date
    closed_on: date | None  # the CIN episode's closure, None while it goes on
    reason_for_closure: str | None
    assessments: tuple[Assessment, ...]
    section47: Section47Enquiry | None
    plan: ProtectionPlan | None
    previous_plans: int = 0  # NumberOfPreviousCPP: the young person's earlier plans the LA's log holds


def category_code(categories) -> str:
    return MULTIPLE if len(categories) > 1 else CATEGORY_CODES[categories[0]]


def episode(journey_id: str, events, details: CensusDetails, year_start: date, reference_date: date, calendar) -> Episode:
    """The journey as a CIN episode of the collection year from `year_start` to
    `reference_date` (its last day), from its events that occurred by then
    (domain/history.events_as_of, corrections applied) and its census details as last
    recorded (facts about the child and the referral, often completed after the year end
    for the return). `calendar` counts the working days to the initial conference's target.

    An episode carried over from an earlier year returns only the year's activity, as DfE
    asks: assessments completed in the year (or started in it and still going on), the s.47
    enquiry whose conference fell in the year (or that started in it and had none by its
    end), a plan going on at some point of the year, and the reviews held in the year."""

    def in_year(day: date | None) -> bool:
        return day is not None and year_start <= day <= reference_date

    state = initial_state()
    initial = None
    reviews: list[date] = []
    pathways: list[str] = []
    plan_ended = closed_stage = None
    for event in events:
        before = state
        state = evolve(state, event)
        if state.plan is not None and before.plan is None:
            initial = state.plan.categories
        elif state.plan is not None and state.reviews_held == 0:
            initial = state.plan.categories  # the initial conference's categories, as corrected
        if state.reviews_held > before.reviews_held:
            reviews.append(state.last_review_on)
        elif reviews and state.last_review_on != before.last_review_on:
            reviews[-1] = state.last_review_on  # the latest review's date corrected
        if state.plan is not None and (not pathways or pathways[-1] != state.pathway):
            pathways.append(state.pathway)
        if isinstance(event, PlanEnded):
            plan_ended = event.occurred_on
        if state.closed and not before.closed:
            closed_stage = before.stage
    person = state.young_person
    section47 = None
    if state.s47_started_on is not None:
        held = state.initial_conference_on
        if in_year(held) or (held is None and in_year(state.s47_started_on)):
            section47 = Section47Enquiry(
                started_on=state.s47_started_on,
                initial_cpc_target=calendar.add_working_days(state.s47_started_on, INITIAL_CPC_WORKING_DAYS),
                initial_cpc_on=held,
                icpc_not_required=held is None and state.closed,
            )
    plan = None
    if state.plan is not None:
        ended = plan_ended or (state.closed_on if state.closed and closed_stage == "plan" else None)
        if ended is None or ended >= year_start:
            plan = ProtectionPlan(state.plan.started_on, ended, category_code(initial), category_code(state.plan.categories),
                                  tuple(r for r in reviews if in_year(r)), tuple(pathways))
    closed_on, reason = _closure(state, state.s47_started_on is not None)
    # An assessment completed after the year end was still going on at it, its factors not yet found.
    as_at_year_end = [a if a.authorised_on is None or a.authorised_on <= reference_date else Assessment(a.started_on, None, ())
                      for a in state.assessments]
    assessments = tuple(a for a in as_at_year_end
                        if in_year(a.authorised_on) or (a.authorised_on is None and in_year(a.started_on)))
    return Episode(journey_id, person.id, person.date_of_birth, person.sex, person.ethnicity, details,
                   state.referral_date, closed_on, reason, assessments, section47, plan)


def _closure(state, enquired: bool) -> tuple[date | None, str | None]:
    """The CIN episode's closure date and DfE reason, or (None, None) while it goes on."""
    if not state.closed:
        return None, None
    reason = state.closure_reason
    step_down = state.step_down if reason in ("no_plan", "plan_ended") else reason
    if reason in _STILL_IN_NEED or step_down in _STILL_IN_NEED:
        return None, None
    if reason in _REASONS_FOR_CLOSURE:
        return state.closed_on, _REASONS_FOR_CLOSURE[reason]
    if reason == "eighteenth_birthday":
        return state.closed_on, "RC6" if state.transition_plan_on else SERVICES_CEASED
    if not enquired and reason in CLOSED_AFTER_ASSESSMENT:
        # DfE keeps RC8 and RC9 for episodes closed after assessment with no s.47 or plan.
        return state.closed_on, CLOSED_AFTER_ASSESSMENT[reason]
    return state.closed_on, SERVICES_CEASED
