"""Deadlines are derived, never stored: a pure function of the state, policy, calendar and day.

A calendar change (a new bank holiday, an LA closure day) or a policy change therefore moves
every open deadline without rewriting anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from domain.calendar import WorkingDayCalendar, birthday
from domain.model import (
    ADULTHOOD, CORE_GROUP, EIGHTEENTH_BIRTHDAY, FIRST_CORE_GROUP, INITIAL_CONFERENCE, NOT_STARTED,
    PLAN, REVIEW_CONFERENCE, SECTION_47, VISIT, DeadlineKey, JourneyState,
)
from domain.timescales import TimescalePolicy

OPEN = "open"
MET = "met"
MISSED = "missed"
EXTENDED = "extended"
STATUSES = (OPEN, MET, MISSED, EXTENDED)


@dataclass(frozen=True)
class Deadline:
    kind: str
    due_on: date  # the working due date: an approved extension moves it
    original_due_on: date  # the statutory due date, kept for timeliness reporting
    reminder_on: date | None
    status: str
    met_on: date | None = None

    @property
    def key(self) -> DeadlineKey:
        return DeadlineKey(self.kind, self.due_on)


def open_deadlines(
    state: JourneyState, policy: TimescalePolicy, calendar: WorkingDayCalendar, today: date
) -> list[Deadline]:
    """The deadlines the journey still owes, earliest first, with their status on `today`."""
    result = []
    for kind, original in _statutory_due_dates(state, policy, calendar):
        due = original
        extended = False
        for extension in state.extensions:
            if extension.kind == kind and extension.original_due_on == original:
                due, extended = extension.new_due_on, True
        status = status_on(kind, due, today, extended)
        reminder = working_days_before(calendar, due, policy.reminder_lead(kind))
        result.append(Deadline(kind, due, original, reminder, status))
    return sorted(result, key=lambda d: (d.due_on, d.kind))


def status_on(kind: str, due_on: date, today: date, extended: bool = False) -> str:
    """The status on `today` of a deadline still owed (a journey's, a context case's, or an
    action's): missed once its due day has passed, else open, or extended when an approved
    extension set the day.

    The 18th birthday is never missed: it is a day the young person reaches, not a step anyone
    holds, and the journey closes on it.
    """
    if today > due_on and kind != EIGHTEENTH_BIRTHDAY:
        return MISSED
    return EXTENDED if extended else OPEN


def all_deadlines(
    state: JourneyState, policy: TimescalePolicy, calendar: WorkingDayCalendar, today: date
) -> list[Deadline]:
    """Deadlines already met (on time or late) followed by the open ones."""
    return met_deadlines(state) + open_deadlines(state, policy, calendar, today)


def met_deadlines(state: JourneyState) -> list[Deadline]:
    """Deadlines already met, on time or late, in the order they were met."""
    return [Deadline(r.kind, r.due_on, r.original_due_on, None, r.status, r.met_on) for r in state.history]


def next_wake(
    state: JourneyState, policy: TimescalePolicy, calendar: WorkingDayCalendar, today: date
) -> date | None:
    """The first day after `today` on which the journey's clock has something to record."""
    candidates = []
    for deadline in open_deadlines(state, policy, calendar, today):
        if deadline.kind == EIGHTEENTH_BIRTHDAY:
            candidates.append(deadline.due_on)
        elif deadline.key not in state.missed:
            candidates.append(deadline.due_on + timedelta(days=1))
        if deadline.reminder_on and deadline.key not in state.reminded:
            candidates.append(deadline.reminder_on)
    later = [d for d in candidates if d > today]
    return min(later) if later else None


def working_days_before(calendar: WorkingDayCalendar, day: date, n: int) -> date:
    for _ in range(n):
        day = calendar.previous_working_day(day - timedelta(days=1))
    return day


def _statutory_due_dates(
    state: JourneyState, policy: TimescalePolicy, calendar: WorkingDayCalendar
) -> list[tuple[str, date]]:
    if state.closed or state.stage == NOT_STARTED:
        return []
    profile = policy.profile_for(state.pathway)
    dues = []
    if state.stage == SECTION_47:
        dues.append((INITIAL_CONFERENCE, profile.initial_conference.after(state.strategy_discussion_on, calendar)))
    if state.stage == PLAN:
        conference = state.initial_conference_on
        if state.core_groups_held == 0:
            dues.append((FIRST_CORE_GROUP, profile.first_core_group.after(conference, calendar)))
        else:
            dues.append((CORE_GROUP, profile.core_group.after(state.last_core_group_on, calendar)))
        if state.reviews_held == 0:
            dues.append((REVIEW_CONFERENCE, profile.first_review.after(conference, calendar)))
        else:
            dues.append((REVIEW_CONFERENCE, profile.review.after(state.last_review_on, calendar)))
        last_contact = max(state.last_visit_on or conference, state.plan.started_on)
        dues.append((VISIT, profile.visit.after(last_contact, calendar)))
    dues.append((EIGHTEENTH_BIRTHDAY, birthday(state.young_person.date_of_birth, ADULTHOOD)))
    return dues
