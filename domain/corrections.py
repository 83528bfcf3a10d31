"""Corrections: putting right a date, the categories or the s.47 decision a practitioner got wrong.

The log never changes: a correction is an event of its own that names the event it corrects,
with the field, the previous value, the new one and the reason. Only the latest fact of its
kind can be corrected, and only while nothing recorded since rests on it (a strategy
discussion's date once the initial conference has been held would move a deadline that
conference has already met): anything else is put right by the next step, or by a manager
closing and reopening. That keeps a correction's effect on the state exact and local, so the
workflow, the read models and the auditors' replay still share one fold.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from domain import commands as c
from domain import events as e
from domain import vocabulary
from domain.errors import DomainError
from domain.ranges import check_date
from domain.model import CATEGORIES, CP, PLAN, ROTH, SECTION_47, DeadlineRecord, JourneyState

DATE = "occurred_on"
CATEGORIES_FIELD = "categories"
OUTCOME = "outcome"
FIELDS = (DATE, CATEGORIES_FIELD, OUTCOME)
S47_OUTCOMES = {"s47_roth": ROTH, "s47_cp": CP}

# The deadline kinds a step's DeadlineMet may be recorded under.
_MET_KINDS = {
    "InitialConferenceHeld": ("initial_conference",),
    "CoreGroupHeld": ("first_core_group", "core_group"),
    "ReviewConferenceHeld": ("review_conference",),
}


def decide_correction(state: JourneyState, cmd: c.CorrectEvent, today: date) -> list[e.Event]:
    if not cmd.reason or not cmd.reason.strip():
        raise DomainError("reason_required", "A correction needs the reason it was made.")
    if cmd.field not in FIELDS:
        raise DomainError("invalid_value", f"{cmd.field!r} cannot be corrected; a date (occurred_on), the categories or the s.47 outcome can.")
    fact = cmd.original
    if fact is None:
        raise DomainError("event_not_found", "This journey has no such event.")
    previous, value = _values(fact, cmd)
    _check_correctable(state, fact, cmd.field)
    if value == previous:
        raise DomainError("correction_unchanged", "The event already says that.")
    _check_value(state, fact, cmd.field, value, today)
    return [e.EventCorrected(today, cmd.event_id, fact.type, cmd.field, previous, value, cmd.reason.strip())]


def _values(fact: c.CorrectedFact, cmd: c.CorrectEvent):
    if cmd.field == DATE:
        if not isinstance(cmd.value, str):
            raise DomainError("invalid_value", "A corrected date is given as YYYY-MM-DD.")
        try:
            corrected_on = date.fromisoformat(cmd.value)
        except ValueError:
            raise DomainError("invalid_value", f"{cmd.value!r} is not a date (YYYY-MM-DD).") from None
        # The value is a text to the walk over the command's fields (domain/recordable.py):
        # only here is it known to be a date, so only here can its range be checked.
        check_date(corrected_on, "corrected date")
        return fact.occurred_on.isoformat(), cmd.value
    if cmd.field == CATEGORIES_FIELD:
        if isinstance(cmd.value, str):
            raise DomainError("invalid_value", "Corrected categories are given as a list.")
        return tuple(fact.categories), tuple(cmd.value)
    return fact.outcome, cmd.value


def _check_correctable(state: JourneyState, fact: c.CorrectedFact, field: str) -> None:
    """Only the latest fact of its kind, and only while nothing since rests on it."""
    latest = {
        ("StrategyDiscussionHeld", DATE): state.stage == SECTION_47 and fact.occurred_on == state.strategy_discussion_on,
        ("StrategyDiscussionHeld", OUTCOME): state.stage == SECTION_47 and fact.occurred_on == state.strategy_discussion_on,
        ("InitialConferenceHeld", DATE): _plan_untouched(state) and fact.occurred_on == state.initial_conference_on,
        ("InitialConferenceHeld", CATEGORIES_FIELD): _plan_untouched(state) and bool(fact.categories),
        ("CoreGroupHeld", DATE): state.stage == PLAN and fact.occurred_on == state.last_core_group_on,
        ("ReviewConferenceHeld", DATE): state.stage == PLAN and fact.occurred_on == state.last_review_on,
        ("ReviewConferenceHeld", CATEGORIES_FIELD): (
            state.stage == PLAN and fact.occurred_on == state.last_review_on and bool(fact.categories)
            and tuple(fact.categories) == state.plan.categories),
    }.get((fact.type, field))
    if latest is None:
        raise DomainError("not_correctable", f"The {field.replace('_', ' ')} of a {_words(fact.type)} cannot be corrected.")
    if not latest:
        raise DomainError(
            "not_correctable",
            f"Only the latest {_words(fact.type)} can be corrected, while nothing recorded since rests on it; "
            "put it right at the next step instead.",
        )


def _plan_untouched(state: JourneyState) -> bool:
    return state.stage == PLAN and state.core_groups_held == 0 and state.reviews_held == 0 and state.transfers == 0


def _check_value(state: JourneyState, fact: c.CorrectedFact, field: str, value, today: date) -> None:
    if field == OUTCOME:
        if value not in S47_OUTCOMES:
            raise DomainError("invalid_value", "A s.47 decision can only be corrected to s47_roth or s47_cp.")
        return
    if field == CATEGORIES_FIELD:
        if not value:
            raise DomainError("category_required", "A plan needs at least one category of harm.")
        if any(category not in CATEGORIES for category in value) or len(set(value)) != len(value):
            raise DomainError("invalid_value", f"Categories are one or more of {', '.join(CATEGORIES)}, each once.")
        return
    day = date.fromisoformat(value)
    if day > today:
        raise DomainError("date_in_future", f"The corrected date {vocabulary.uk_date(day)} is in the future.")
    earliest = {
        "StrategyDiscussionHeld": state.referral_date,
        "InitialConferenceHeld": state.strategy_discussion_on,
        "CoreGroupHeld": state.initial_conference_on,
        "ReviewConferenceHeld": state.initial_conference_on,
    }[fact.type]
    if day < earliest:
        raise DomainError("date_before_previous_step", f"The corrected date {vocabulary.uk_date(day)} is before the step it follows, on {vocabulary.uk_date(earliest)}.")


def _words(type_name: str) -> str:
    return {"StrategyDiscussionHeld": "strategy discussion", "InitialConferenceHeld": "initial conference",
            "CoreGroupHeld": "core group", "ReviewConferenceHeld": "review conference"}.get(type_name, type_name)


def corrected(s: JourneyState, ev: e.EventCorrected) -> dict:
    """The state's fields the correction changes (the decider allowed only exact, local ones)."""
    if ev.field == OUTCOME:
        return dict(pathway=S47_OUTCOMES[ev.value])
    if ev.field == CATEGORIES_FIELD:
        return dict(plan=replace(s.plan, categories=tuple(ev.value)))
    old, new = date.fromisoformat(ev.previous), date.fromisoformat(ev.value)
    changes: dict = {"last_step_on": new if s.last_step_on == old else s.last_step_on}
    if ev.corrected_type == "StrategyDiscussionHeld":
        changes.update(strategy_discussion_on=new, s47_started_on=new if s.s47_started_on == old else s.s47_started_on)
    elif ev.corrected_type == "InitialConferenceHeld":
        changes.update(initial_conference_on=new, plan=replace(s.plan, started_on=new))
    elif ev.corrected_type == "CoreGroupHeld":
        changes.update(last_core_group_on=new)
    elif ev.corrected_type == "ReviewConferenceHeld":
        changes.update(last_review_on=new)
    changes["history"] = _history_moved(s.history, _MET_KINDS.get(ev.corrected_type, ()), old, new)
    return changes


def _history_moved(history: tuple[DeadlineRecord, ...], kinds, old: date, new: date) -> tuple[DeadlineRecord, ...]:
    """The step's met deadline, met on the corrected date (and on time or not by it)."""
    moved = list(history)
    for i in range(len(moved) - 1, -1, -1):
        record = moved[i]
        if record.kind in kinds and record.met_on == old:
            moved[i] = replace(record, met_on=new, status="met" if new <= record.due_on else "missed")
            break
    return tuple(moved)
