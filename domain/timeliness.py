"""Timeliness KPIs for a period: pure arithmetic over journeys' events and the calendar.

Four measures, each over the steps *held* in the period (both ends included):

1. initial conferences within 15 working days of the (last) strategy discussion;
2. the DfE measure: s.47 start (the first strategy discussion that opened the enquiry) to the
   initial conference, in working days, counted in the bands 0-10, 11-15, 16-20, 21+;
3. first core groups within 10 working days of the initial conference;
4. review conferences held on or before their due date.

Statutory timeliness is judged against the ORIGINAL due date: an approved extension moves the
working deadline but does not make a late conference on time. How many late steps were still
within an approved extension is reported beside it (`within_extension`).

Measures 1, 3 and 4 read the DeadlineMet event each step produced, which states the due dates
the journey was held to (its policy, and the calendar as it stood then); a conference without
one is judged by the calendar. Measure 2 is counted afresh with the calendar given, as the DfE
return counts it. Only StrategyDiscussionHeld, InitialConferenceHeld, DeadlineMet and
PathwayTransferred are looked at, so a caller may pass just those events of each journey, in
stream order. Breakdowns by pathway use the pathway the journey was on when the step was held.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from domain import events as e
from domain.calendar import WorkingDayCalendar
from domain.model import FIRST_CORE_GROUP, INITIAL_CONFERENCE, PATHWAYS, REVIEW_CONFERENCE

__all__ = ["DFE_BANDS", "EVENT_TYPES", "timeliness"]

INITIAL_CONFERENCE_WORKING_DAYS = 15
FIRST_CORE_GROUP_WORKING_DAYS = 10

# (label, lowest, highest) in working days; None: no upper bound.
DFE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("0-10", 0, 10), ("11-15", 11, 15), ("16-20", 16, 20), ("21+", 21, None),
)

# The only event types timeliness() reads: a store may load just these.
EVENT_TYPES = ("StrategyDiscussionHeld", "InitialConferenceHeld", "DeadlineMet", "PathwayTransferred")


def timeliness(
    journeys_events: Iterable[Sequence[e.Event]], calendar: WorkingDayCalendar, start: date, end: date
) -> dict:
    """The four timeliness measures for steps held from `start` to `end` inclusive."""
    if end < start:
        raise ValueError(f"the period ends ({end}) before it starts ({start})")
    conferences = _Measure()
    dfe = _Bands()
    first_core_groups = _Measure()
    reviews = _Measure()
    for events in journeys_events:
        walk = _Walk(start, end)
        for event in events:
            walk.see(event)
        for held in walk.conferences:
            original, due = held.due_dates(calendar)
            conferences.add(held.pathway, held.held_on, original, due)
            if held.s47_started_on is not None:
                dfe.add(held.pathway, calendar.working_days_between(held.s47_started_on, held.held_on))
        for pathway, met in walk.first_core_groups:
            first_core_groups.add(pathway, met.occurred_on, met.original_due_on, met.due_on)
        for pathway, met in walk.reviews:
            reviews.add(pathway, met.occurred_on, met.original_due_on, met.due_on)
    return {
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "initial_conferences": {
            "measure": f"initial conferences held in the period within {INITIAL_CONFERENCE_WORKING_DAYS} "
                       "working days of the last strategy discussion (original due date)",
            **conferences.as_dict(),
        },
        "s47_to_initial_conference": {
            "measure": "working days from the s.47 start to the initial conference (DfE bands), "
                       "for initial conferences held in the period",
            **dfe.as_dict(),
        },
        "first_core_groups": {
            "measure": f"first core groups held in the period within {FIRST_CORE_GROUP_WORKING_DAYS} "
                       "working days of the initial conference (original due date)",
            **first_core_groups.as_dict(),
        },
        "reviews": {
            "measure": "review conferences held in the period on or before their original due date",
            **reviews.as_dict(),
        },
    }


# --- one journey -----------------------------------------------------------------------------

@dataclass
class _Conference:
    held_on: date
    pathway: str | None
    s47_started_on: date | None
    last_strategy_discussion_on: date | None
    met: e.DeadlineMet | None = None

    def due_dates(self, calendar: WorkingDayCalendar) -> tuple[date | None, date | None]:
        """(original, working) due dates: the recorded ones, else the statutory rule."""
        if self.met is not None:
            return self.met.original_due_on, self.met.due_on
        if self.last_strategy_discussion_on is None:
            return None, None
        due = calendar.add_working_days(self.last_strategy_discussion_on, INITIAL_CONFERENCE_WORKING_DAYS)
        return due, due


class _Walk:
    """Follows one journey's events in order, keeping the steps held in the period."""

    def __init__(self, start: date, end: date) -> None:
        self.start, self.end = start, end
        self.pathway: str | None = None
        self.s47_started_on: date | None = None
        self.last_strategy_discussion_on: date | None = None
        self.conference: _Conference | None = None
        self.conferences: list[_Conference] = []
        self.first_core_groups: list[tuple[str | None, e.DeadlineMet]] = []
        self.reviews: list[tuple[str | None, e.DeadlineMet]] = []

    def _in_period(self, day: date) -> bool:
        return self.start <= day <= self.end

    def see(self, event: e.Event) -> None:
        if isinstance(event, e.StrategyDiscussionHeld):
            self.last_strategy_discussion_on = event.occurred_on
            if event.pathway:
                self.pathway = event.pathway
                self.s47_started_on = self.s47_started_on or event.occurred_on
        elif isinstance(event, e.InitialConferenceHeld):
            self.conference = _Conference(
                event.occurred_on, self.pathway, self.s47_started_on, self.last_strategy_discussion_on)
            if self._in_period(event.occurred_on):
                self.conferences.append(self.conference)
        elif isinstance(event, e.PathwayTransferred):
            self.pathway = event.to_pathway
        elif isinstance(event, e.DeadlineMet):
            self._met(event)

    def _met(self, met: e.DeadlineMet) -> None:
        if met.kind == INITIAL_CONFERENCE:
            # Recorded by the same command as the conference, straight after it.
            if self.conference is not None and self.conference.met is None:
                self.conference.met = met
        elif not self._in_period(met.occurred_on):
            return
        elif met.kind == FIRST_CORE_GROUP:
            self.first_core_groups.append((self.pathway, met))
        elif met.kind == REVIEW_CONFERENCE:
            self.reviews.append((self.pathway, met))


# --- tallies ---------------------------------------------------------------------------------

def _percentage(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass
class _Count:
    count: int = 0
    within: int = 0
    within_extension: int = 0

    def add(self, held_on: date, original_due_on: date | None, due_on: date | None) -> None:
        self.count += 1
        if original_due_on is not None and held_on <= original_due_on:
            self.within += 1
        elif due_on is not None and held_on <= due_on:
            self.within_extension += 1

    def as_dict(self) -> dict:
        return {
            "count": self.count, "within": self.within, "late": self.count - self.within,
            "within_extension": self.within_extension, "percentage": _percentage(self.within, self.count),
        }


@dataclass
class _Measure:
    total: _Count = field(default_factory=_Count)
    by_pathway: dict[str, _Count] = field(default_factory=lambda: {p: _Count() for p in PATHWAYS})

    def add(self, pathway: str | None, held_on: date, original_due_on: date | None, due_on: date | None) -> None:
        self.total.add(held_on, original_due_on, due_on)
        if pathway in self.by_pathway:
            self.by_pathway[pathway].add(held_on, original_due_on, due_on)

    def as_dict(self) -> dict:
        return {**self.total.as_dict(), "by_pathway": {p: c.as_dict() for p, c in self.by_pathway.items()}}


def _band(working_days: int) -> str:
    for label, lowest, highest in DFE_BANDS:
        if working_days >= lowest and (highest is None or working_days <= highest):
            return label
    raise ValueError(f"negative working days: {working_days}")


@dataclass
class _BandCount:
    bands: dict[str, int] = field(default_factory=lambda: {label: 0 for label, _, _ in DFE_BANDS})

    def add(self, working_days: int) -> None:
        self.bands[_band(working_days)] += 1

    def as_dict(self) -> dict:
        count = sum(self.bands.values())
        within = self.bands["0-10"] + self.bands["11-15"]
        return {"count": count, "bands": dict(self.bands), "within_15": within,
                "percentage_within_15": _percentage(within, count)}


@dataclass
class _Bands:
    total: _BandCount = field(default_factory=_BandCount)
    by_pathway: dict[str, _BandCount] = field(default_factory=lambda: {p: _BandCount() for p in PATHWAYS})

    def add(self, pathway: str | None, working_days: int) -> None:
        self.total.add(working_days)
        if pathway in self.by_pathway:
            self.by_pathway[pathway].add(working_days)

    def as_dict(self) -> dict:
        return {**self.total.as_dict(), "by_pathway": {p: c.as_dict() for p, c in self.by_pathway.items()}}
