"""Contexts as cases of their own: a place, a peer group or a school where young people are harmed.

The seed report's sites referred contexts to context conferences or panels that link several
young people and plan safety in the place or group itself: guardianship (the adults who can
keep a space safe), environmental change (lighting, positive use of a space), and work with
a school or transport staff. A context case is referred, meets at context conferences on a
cadence of its own (the first within 15 working days of the referral, then reviews), agrees
actions, and closes. Like a journey, its rules are `decide` and `evolve`, and its deadlines
are derived, never stored. Which young people it links is not its own state: journeys name
contexts in their weightings, and the read models join the two.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from domain.calendar import WorkingDayCalendar
from domain.codec import from_data, to_data
from domain.deadlines import status_on, working_days_before
from domain.errors import DomainError
from domain.model import Actor
from domain.recordable import check_recordable
from domain.roles import CASEWORK, may, records_nothing
from domain.timescales import MONTHS, WORKING_DAYS, Interval
from domain import vocabulary
from domain.weighting import CONTEXT_KINDS, HOME_FAMILY, check_context_id

CONTEXT_CONFERENCE = "context_conference"  # the first, after the referral
CONTEXT_REVIEW = "context_review"  # each later one, after the previous
ACTION_KINDS = ("guardianship", "environmental", "school", "transport", "other")
CONFERENCE_DECISIONS = ("continue", "close")
CLOSE_REASONS = ("safety_improved", "merged", "no_longer_a_concern", "other")


@dataclass(frozen=True)
class ContextCadence:
    """When a context case meets: its own cadence, pinned at referral like a journey's policy."""

    first_conference: Interval = Interval(WORKING_DAYS, 15)
    review: Interval = Interval(MONTHS, 3)
    reminder_working_days: int = 5


# --- commands -------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReferContext:
    command_id: str
    actor: Actor
    case_id: str
    local_authority: str
    context_id: str  # the id journeys' weightings use for it
    kind: str
    name: str
    referred_on: date
    cadence: ContextCadence = ContextCadence()


@dataclass(frozen=True)
class RecordContextConference:
    command_id: str
    actor: Actor
    occurred_on: date
    decision: str  # continue or close
    note: str | None = None


@dataclass(frozen=True)
class RecordContextAction:
    command_id: str
    actor: Actor
    action_id: str
    kind: str  # one of ACTION_KINDS
    description: str
    owner: str
    due_on: date
    done_on: date | None = None  # recording the same action_id again with done_on completes it


@dataclass(frozen=True)
class CloseContext:
    command_id: str
    actor: Actor
    occurred_on: date
    reason: str


@dataclass(frozen=True)
class ObserveContextDay:
    command_id: str
    actor: Actor
    today: date


CONTEXT_COMMAND_TYPES: dict[str, type] = {
    "refer_context": ReferContext,
    "record_context_conference": RecordContextConference,
    "record_context_action": RecordContextAction,
    "close_context": CloseContext,
}
# What callers send an open context case: a referral has a door of its own (and the clock's
# ObserveContextDay is the workflow's, so it has no contract name).
SENT_CONTEXT_COMMAND_TYPES = tuple(name for name, cls in CONTEXT_COMMAND_TYPES.items() if cls is not ReferContext)


# --- events ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ContextReferred:
    occurred_on: date
    case_id: str
    local_authority: str
    context_id: str
    kind: str
    name: str
    cadence: ContextCadence


@dataclass(frozen=True)
class ContextConferenceHeld:
    occurred_on: date
    decision: str
    note: str | None
    due_on: date  # the conference's due date, so the chronology shows timeliness on its own
    on_time: bool


@dataclass(frozen=True)
class ContextActionRecorded:
    occurred_on: date
    action_id: str
    kind: str
    description: str
    owner: str
    due_on: date
    done_on: date | None


@dataclass(frozen=True)
class ContextConferenceApproaching:
    occurred_on: date
    kind: str
    due_on: date


@dataclass(frozen=True)
class ContextConferenceMissed:
    occurred_on: date
    kind: str
    due_on: date


@dataclass(frozen=True)
class ContextClosed:
    occurred_on: date
    reason: str


CONTEXT_EVENT_TYPES: dict[str, type] = {
    cls.__name__: cls for cls in (
        ContextReferred, ContextConferenceHeld, ContextActionRecorded, ContextConferenceApproaching,
        ContextConferenceMissed, ContextClosed,
    )
}


def decode(type_name: str, occurred_on, data: dict):
    """A context case's event from the log's columns (domain.events.encode writes them)."""
    return from_data(CONTEXT_EVENT_TYPES[type_name], {**data, "occurred_on": occurred_on})


# --- state ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ContextAction:
    action_id: str
    kind: str
    description: str
    owner: str
    due_on: date
    done_on: date | None


@dataclass(frozen=True)
class ContextCase:
    case_id: str | None = None
    local_authority: str | None = None
    context_id: str | None = None
    kind: str | None = None
    name: str | None = None
    cadence: ContextCadence = ContextCadence()
    referred_on: date | None = None
    conferences_held: int = 0
    last_conference_on: date | None = None
    actions: tuple[ContextAction, ...] = ()
    reminded: tuple[date, ...] = ()  # due dates reminded of
    missed: tuple[date, ...] = ()  # due dates recorded as missed
    closed: bool = False
    closed_on: date | None = None
    closure_reason: str | None = None
    version: int = 0


@dataclass(frozen=True)
class ContextDeadline:
    kind: str
    due_on: date
    reminder_on: date
    status: str  # open or missed


def next_conference(case: ContextCase, calendar: WorkingDayCalendar, today: date) -> ContextDeadline | None:
    """The context conference the case owes next, with its status on `today`."""
    if case.closed or case.referred_on is None:
        return None
    if case.conferences_held == 0:
        kind, due = CONTEXT_CONFERENCE, case.cadence.first_conference.after(case.referred_on, calendar)
    else:
        kind, due = CONTEXT_REVIEW, case.cadence.review.after(case.last_conference_on, calendar)
    reminder = working_days_before(calendar, due, case.cadence.reminder_working_days)
    return ContextDeadline(kind, due, reminder, status_on(kind, due, today))


def next_wake(case: ContextCase, calendar: WorkingDayCalendar, today: date) -> date | None:
    deadline = next_conference(case, calendar, today)
    if deadline is None:
        return None
    candidates = [d for d, pending in ((deadline.reminder_on, deadline.due_on not in case.reminded),
                                       (deadline.due_on + timedelta(days=1), deadline.due_on not in case.missed))
                  if pending and d > today]
    return min(candidates) if candidates else None


# --- decide ---------------------------------------------------------------------------------

def decide(case: ContextCase, command, today: date, calendar: WorkingDayCalendar, *, check_values: bool = True) -> list:
    """The events `command` produces, or a DomainError; `check_values` as in domain/decider.py."""
    if check_values:
        check_recordable(command)
    if not may(command.actor.role, CASEWORK):  # a context case is casework (domain/roles.py)
        raise DomainError("not_allowed_for_role", f"A {command.actor.role} can read context cases but not record anything."
                          if records_nothing(command.actor.role)
                          else f"A {command.actor.role} can read context cases but not record casework.")
    if isinstance(command, ReferContext):
        return _refer(case, command, today)
    if case.referred_on is None:
        raise DomainError("context_not_referred", "This context has not been referred.")
    if case.closed:
        if isinstance(command, ObserveContextDay):
            return []
        raise DomainError("context_closed", f"This context case was closed on {vocabulary.uk_date(case.closed_on)}.")
    if isinstance(command, RecordContextConference):
        return _conference(case, command, today, calendar)
    if isinstance(command, RecordContextAction):
        return _action(case, command, today)
    if isinstance(command, CloseContext):
        _choice(command.reason, CLOSE_REASONS, "closure reason")
        _date(command.occurred_on, today, case.last_conference_on or case.referred_on, "closure")
        return [ContextClosed(command.occurred_on, command.reason)]
    if isinstance(command, ObserveContextDay):
        return _observe(case, command.today, calendar)
    raise DomainError("unknown_command", f"{type(command).__name__} is not a context command.")


def _choice(value, allowed, what: str) -> None:
    if value not in allowed:
        raise DomainError("invalid_value", f"{value!r} is not a valid {what}; expected one of {', '.join(allowed)}.")


def _date(day: date, today: date, not_before: date, step: str) -> None:
    if day > today:
        raise DomainError("date_in_future", f"The {step} date {vocabulary.uk_date(day)} is in the future.")
    if day < not_before:
        raise DomainError("date_before_previous_step", f"The {step} date {vocabulary.uk_date(day)} is before {vocabulary.uk_date(not_before)}.")


def _text(value: str | None, what: str) -> str:
    if not value or not value.strip():
        raise DomainError("invalid_value", f"Give the {what}.")
    return value.strip()


def _refer(case: ContextCase, cmd: ReferContext, today: date) -> list:
    if case.referred_on is not None:
        raise DomainError("context_already_open", f"{case.name} already has an open context case.")
    _choice(cmd.kind, tuple(k for k in CONTEXT_KINDS if k != HOME_FAMILY), "kind of context")
    name = _text(cmd.name, "context's name")
    check_context_id(cmd.context_id)
    if cmd.referred_on > today:
        raise DomainError("date_in_future", f"The referral date {vocabulary.uk_date(cmd.referred_on)} is in the future.")
    return [ContextReferred(cmd.referred_on, cmd.case_id, cmd.local_authority, cmd.context_id, cmd.kind, name, cmd.cadence)]


def _conference(case: ContextCase, cmd: RecordContextConference, today, calendar) -> list:
    _choice(cmd.decision, CONFERENCE_DECISIONS, "context conference decision")
    _date(cmd.occurred_on, today, case.last_conference_on or case.referred_on, "context conference")
    if case.last_conference_on == cmd.occurred_on:
        raise DomainError("step_out_of_order", "A context conference is already recorded on that date.")
    due = next_conference(case, calendar, cmd.occurred_on)
    note = cmd.note.strip() if cmd.note and cmd.note.strip() else None
    events = [ContextConferenceHeld(cmd.occurred_on, cmd.decision, note, due.due_on, cmd.occurred_on <= due.due_on)]
    if cmd.decision == "close":
        events.append(ContextClosed(cmd.occurred_on, "safety_improved"))
    return events


def _action(case: ContextCase, cmd: RecordContextAction, today) -> list:
    _choice(cmd.kind, ACTION_KINDS, "kind of context action")
    action_id = _text(cmd.action_id, "action's id")
    description = _text(cmd.description, "action's description")
    owner = _text(cmd.owner, "organisation that owns the action")
    if cmd.done_on is not None:
        _date(cmd.done_on, today, case.referred_on, "action completion")
    return [ContextActionRecorded(today, action_id, cmd.kind, description, owner, cmd.due_on, cmd.done_on)]


def _observe(case: ContextCase, today: date, calendar) -> list:
    deadline = next_conference(case, calendar, today)
    if deadline is None:
        return []
    if deadline.status == "missed":
        if deadline.due_on in case.missed:
            return []
        return [ContextConferenceMissed(deadline.due_on + timedelta(days=1), deadline.kind, deadline.due_on)]
    if deadline.reminder_on <= today and deadline.due_on not in case.reminded:
        return [ContextConferenceApproaching(today, deadline.kind, deadline.due_on)]
    return []


# --- evolve ---------------------------------------------------------------------------------

def evolve(case: ContextCase, event) -> ContextCase:
    changes = _changes(case, event)
    return replace(case, **changes, version=case.version + 1)


def _changes(case: ContextCase, ev) -> dict:
    if isinstance(ev, ContextReferred):
        return dict(case_id=ev.case_id, local_authority=ev.local_authority, context_id=ev.context_id, kind=ev.kind,
                    name=ev.name, cadence=ev.cadence, referred_on=ev.occurred_on)
    if isinstance(ev, ContextConferenceHeld):
        return dict(conferences_held=case.conferences_held + 1, last_conference_on=ev.occurred_on)
    if isinstance(ev, ContextActionRecorded):
        action = ContextAction(ev.action_id, ev.kind, ev.description, ev.owner, ev.due_on, ev.done_on)
        return dict(actions=(*(a for a in case.actions if a.action_id != ev.action_id), action))
    if isinstance(ev, ContextConferenceApproaching):
        return dict(reminded=(*case.reminded, ev.due_on))
    if isinstance(ev, ContextConferenceMissed):
        return dict(missed=(*case.missed, ev.due_on))
    if isinstance(ev, ContextClosed):
        return dict(closed=True, closed_on=ev.occurred_on, closure_reason=ev.reason)
    raise TypeError(f"{type(ev).__name__} is not a context event")


def fold(events, case: ContextCase | None = None) -> ContextCase:
    case = case or ContextCase()
    for event in events:
        case = evolve(case, event)
    return case


def context_view(case: ContextCase, calendar: WorkingDayCalendar, today: date) -> dict:
    """The context case as the contract and the dashboard show it."""
    deadline = next_conference(case, calendar, today)
    return {
        "case_id": case.case_id, "local_authority": case.local_authority, "context_id": case.context_id,
        "kind": case.kind, "name": case.name, "referred_on": to_data(case.referred_on),
        "conferences_held": case.conferences_held, "last_conference_on": to_data(case.last_conference_on),
        "next_conference": None if deadline is None else to_data(deadline),
        "actions": to_data(case.actions), "closed": case.closed, "closed_on": to_data(case.closed_on),
        "closure_reason": case.closure_reason, "version": case.version,
    }
