"""Timescale policy: the "no delay" rules as versioned data, not code.

Guidance changes (Working Together 2023, 2026) and LAs choose shorter ROTH cadences, so a
journey pins the policy it started under (a snapshot travels in its JourneyStarted event) and
changing it is an event of its own. Which version is in force on a date is a look-up by
effective date in a catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.calendar import WorkingDayCalendar

WORKING_DAYS = "working_days"
WEEKS = "weeks"
MONTHS = "months"


@dataclass(frozen=True)
class Interval:
    """A timescale such as "15 working days", "6 weeks" or "3 months" after a date."""

    unit: str
    count: int

    def after(self, start: date, calendar: WorkingDayCalendar) -> date:
        if self.unit == WORKING_DAYS:
            return calendar.add_working_days(start, self.count)
        if self.unit == WEEKS:
            return calendar.add_weeks(start, self.count)
        if self.unit == MONTHS:
            return calendar.add_months(start, self.count)
        raise ValueError(f"unknown interval unit {self.unit!r}")

    def describe(self) -> str:
        return f"{self.count} {self.unit.replace('_', ' ')}"


@dataclass(frozen=True)
class TimescaleProfile:
    """The cadence of one pathway's steps."""

    name: str
    initial_conference: Interval  # after the (last) strategy discussion
    first_core_group: Interval  # after the initial conference
    core_group: Interval  # after the previous core group
    first_review: Interval  # after the initial conference
    review: Interval  # after the previous review conference
    visit: Interval  # after the previous visit, or the plan's start


@dataclass(frozen=True)
class ReminderLead:
    kind: str
    working_days: int


@dataclass(frozen=True)
class TimescalePolicy:
    version: str
    effective_from: date
    cp: TimescaleProfile
    roth: TimescaleProfile
    reminder_leads: tuple[ReminderLead, ...]

    def profile_for(self, pathway: str | None) -> TimescaleProfile:
        return self.roth if pathway == "roth" else self.cp

    def reminder_lead(self, kind: str) -> int:
        for lead in self.reminder_leads:
            if lead.kind == kind:
                return lead.working_days
        return 0


NATIONAL = TimescaleProfile(
    name="national",
    initial_conference=Interval(WORKING_DAYS, 15),
    first_core_group=Interval(WORKING_DAYS, 10),
    core_group=Interval(WEEKS, 6),
    first_review=Interval(MONTHS, 3),
    review=Interval(MONTHS, 6),
    visit=Interval(WORKING_DAYS, 10),
)

# The pilot sites' ROTH cadence (seed report): reviews every 6 weeks and weekly contact,
# with the same statutory initial deadlines as every child protection enquiry.
ROTH_CADENCE = TimescaleProfile(
    name="roth",
    initial_conference=Interval(WORKING_DAYS, 15),
    first_core_group=Interval(WORKING_DAYS, 10),
    core_group=Interval(WEEKS, 6),
    first_review=Interval(WEEKS, 6),
    review=Interval(WEEKS, 6),
    visit=Interval(WEEKS, 1),
)

DEFAULT_REMINDER_LEADS = (
    ReminderLead("initial_conference", 3),
    ReminderLead("first_core_group", 2),
    ReminderLead("core_group", 2),
    ReminderLead("review_conference", 5),
    ReminderLead("visit", 1),
    ReminderLead("eighteenth_birthday", 20),
)

# Working Together to Safeguard Children 2023 was published on 15 December 2023.
WORKING_TOGETHER_2023 = date(2023, 12, 15)

CATALOGUE: tuple[TimescalePolicy, ...] = (
    TimescalePolicy("national/2023-12-15", WORKING_TOGETHER_2023, NATIONAL, NATIONAL, DEFAULT_REMINDER_LEADS),
    TimescalePolicy("roth-cadence/2023-12-15", WORKING_TOGETHER_2023, NATIONAL, ROTH_CADENCE, DEFAULT_REMINDER_LEADS),
)

# The policy families a journey can be moved to ("national", "roth-cadence"): versions share one.
POLICY_FAMILIES = tuple(dict.fromkeys(p.version.split("/")[0] for p in CATALOGUE))


def policy_in_force(
    family: str, on: date, catalogue: tuple[TimescalePolicy, ...] = CATALOGUE
) -> TimescalePolicy:
    """The newest version of a policy family ("national", "roth-cadence") in force on a date.

    A journey referred before a family's first version takes the earliest one: timescales
    apply to every open case, and the earliest version is the oldest rule we know.
    """
    versions = sorted(
        (p for p in catalogue if p.version.split("/")[0] == family), key=lambda p: p.effective_from
    )
    if not versions:
        raise ValueError(f"no timescale policy called {family!r}")
    in_force = [p for p in versions if p.effective_from <= on]
    return in_force[-1] if in_force else versions[0]
