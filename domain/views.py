"""How a journey is shown: the v1 contract's state shape and the read-model rows.

The workflow's query, the projections and the auditors' replay all build these from a
state, so a reader sees the same thing whichever door they come through.
"""

from __future__ import annotations

from datetime import date

from domain.calendar import WorkingDayCalendar, birthday
from domain.codec import to_data
from domain.deadlines import MISSED, Deadline, all_deadlines, met_deadlines, open_deadlines
from domain.model import ADULTHOOD, ROTH, JourneyState
from domain.plans import Finding, check_plan
from domain.weighting import most_influential_side, outside_context_ids


def journey_view(
    state: JourneyState, calendar: WorkingDayCalendar, today: date, deadlines: list[Deadline] | None = None
) -> dict:
    """`deadlines`, if given, are the journey's all_deadlines on `today` (saves deriving them again)."""
    if deadlines is None:
        deadlines = _deadlines(state, calendar, today)
    plan = state.plan
    return {
        "journey_id": state.journey_id,
        "local_authority": state.local_authority,
        "young_person": to_data(state.young_person),
        "referral_date": to_data(state.referral_date),
        "pathway": state.pathway,
        "stage": state.stage,
        "plan": None if plan is None else {
            "categories": list(plan.categories), "outside_home": plan.outside_home,
            "started_on": plan.started_on.isoformat(),
        },
        "deadlines": [deadline_view(d) for d in deadlines],
        "policy": state.policy.version if state.policy else None,
        "transfers": state.transfers,
        "harm_types": list(state.harm_types),
        "closed": state.closed,
        "closed_on": to_data(state.closed_on),
        "closure_reason": state.closure_reason,
        "step_down": state.step_down,
        **practice_view(state, today),
        # What the CIN census asks that the steps do not say (reports/cin_census.py).
        "census": to_data(state.census),
        "assessments": to_data(state.assessments),
        "version": state.version,
    }


def practice_view(state: JourneyState, today: date) -> dict:
    """ROTH practice: who holds and chairs the case, the context weighting history with any
    transfer prompt, the plan under three headings with its quality check, the voices of
    the young person and parents, and the transition to adulthood."""
    weightings = [{**to_data(w), "most_influential": most_influential_side(w)} for w in state.weightings]
    care = state.care_plan
    return {
        "allocation": to_data(state.allocation),
        "chair": state.chair,
        "context_weightings": weightings,
        "transfer_prompt": state.transfer_prompt,
        "care_plan": None if care is None else {
            "version": care.version, "made_on": care.made_on.isoformat(), "made_at": care.made_at,
            "needs": list(care.plan.needs), "goals": to_data(care.plan.goals),
        },
        "plan_findings": [to_data(f) for f in plan_findings(state)],
        "participation": to_data(state.participation),
        "consents": to_data(state.consents),
        "transition_plan_on": to_data(state.transition_plan_on),
        "transition_plan_due": (
            not state.closed and state.young_person is not None and state.transition_plan_on is None
            and today >= birthday(state.young_person.date_of_birth, ADULTHOOD - 1)
        ),
    }


def plan_findings(state: JourneyState) -> tuple[Finding, ...]:
    """The plan quality check on the journey's current plan (none before there is a plan)."""
    care = state.care_plan
    if care is None:
        return ()
    latest = state.weightings[-1].contexts if state.weightings else ()
    views = None
    if state.pathway == ROTH and care.made_at != "core_group":
        # The voices the ROTH conference that made this plan recorded.
        views = frozenset(p.participant for p in state.participation
                          if p.meeting == care.made_at and p.occurred_on == care.made_on and p.views)
    return check_plan(care.plan, latest, views)


def deadline_view(d: Deadline) -> dict:
    return {
        "kind": d.kind, "due_on": d.due_on.isoformat(), "original_due_on": d.original_due_on.isoformat(),
        "reminder_on": to_data(d.reminder_on), "status": d.status, "met_on": to_data(d.met_on),
    }


def summary_row(state: JourneyState, workflow_id: str, calendar: WorkingDayCalendar, today: date) -> dict:
    """The journey summary read model: what managers' lists filter and sort on."""
    return read_model_rows(state, workflow_id, calendar, today)[0]


def deadline_rows(state: JourneyState, calendar: WorkingDayCalendar, today: date) -> list[dict]:
    return _rows(_deadlines(state, calendar, today))


def read_model_rows(
    state: JourneyState, workflow_id: str, calendar: WorkingDayCalendar, today: date
) -> tuple[dict, list[dict]]:
    """The summary row and the deadline rows together, deriving the deadlines once: the
    calendar arithmetic behind them is most of the cost of a journey's read models."""
    pending = open_deadlines(state, state.policy, calendar, today) if state.policy else []
    every = _met(state) + pending
    following = pending[0] if pending else None
    summary = {
        "journey_id": state.journey_id,
        "workflow_id": workflow_id,
        "local_authority": state.local_authority,
        "pathway": state.pathway,
        "stage": state.stage,
        "opened_on": state.referral_date,
        "closed": state.closed,
        "closed_on": state.closed_on,
        "closure_reason": state.closure_reason,
        "next_deadline_kind": following.kind if following else None,
        "next_due_on": following.due_on if following else None,
        "overdue": any(d.status == MISSED for d in pending),
        "chair_id": state.chair,
        "linked_contexts": list(outside_context_ids(state.weightings[-1] if state.weightings else None)),
        "plan_findings": [f.code for f in plan_findings(state)],
        "version": state.version,
        "view": journey_view(state, calendar, today, every),
    }
    return summary, _rows(every)


def _rows(deadlines: list[Deadline]) -> list[dict]:
    return [
        {"seq": i, "kind": d.kind, "due_on": d.due_on, "original_due_on": d.original_due_on,
         "reminder_on": d.reminder_on, "status": d.status, "met_on": d.met_on}
        for i, d in enumerate(deadlines)
    ]


def _deadlines(state: JourneyState, calendar: WorkingDayCalendar, today: date) -> list[Deadline]:
    return all_deadlines(state, state.policy, calendar, today) if state.policy else []


def _met(state: JourneyState) -> list[Deadline]:
    return met_deadlines(state) if state.policy else []
