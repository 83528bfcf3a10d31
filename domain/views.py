"""How a journey is shown: the v1 contract's state shape and the read-model rows.

The workflow's query, the projections and the auditors' replay all build these from a
state, so a reader sees the same thing whichever door they come through.
"""

from __future__ import annotations

from datetime import date

from domain.calendar import WorkingDayCalendar
from domain.codec import to_data
from domain.deadlines import MISSED, Deadline, all_deadlines, met_deadlines, open_deadlines
from domain.model import JourneyState


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
        "closed": state.closed,
        "closed_on": to_data(state.closed_on),
        "closure_reason": state.closure_reason,
        "step_down": state.step_down,
        "version": state.version,
    }


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
