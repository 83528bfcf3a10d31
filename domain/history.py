"""The case as it stood: folding the log along its two time axes.

Every event has a valid time (`occurred_on`: when it happened) and a system time (when it
was recorded). Auditors ask two different questions of a journey:

- "as the record showed it at T": the events recorded by T, in the order they were recorded,
  so nothing learnt later (a meeting recorded late, a correction) is in it;
- "as it actually stood on V, by what we know now": the events that occurred by V, whenever
  they were recorded, with every correction known now applied; a correction of a date moves
  the corrected event across V if the corrected date does.

Asking both at once is the record at T of the case on V. Each is the domain's own fold over
the chosen events, so it is the same state the workflow held, give or take what is filtered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterable

from domain.decider import fold
from domain.events import Event, EventCorrected
from domain.model import JourneyState


@dataclass(frozen=True)
class Logged:
    """An event as the log keeps it, with the two facts the axes need."""

    event_id: str
    recorded_at: datetime
    event: Event
    command_id: str | None = None


def as_of(
    logged: Iterable[Logged], recorded_by: datetime | None = None, occurred_by: date | None = None,
) -> JourneyState:
    """The journey's state from the events `logged` (in log order) recorded by `recorded_by`
    and that occurred by `occurred_by` (either may be None: no limit on that axis)."""
    return fold(events_as_of(logged, recorded_by, occurred_by))


def events_as_of(
    logged: Iterable[Logged], recorded_by: datetime | None = None, occurred_by: date | None = None,
) -> list[Event]:
    """The events `as_of` folds, in log order: for readers that need the steps, not only
    where they led (the census return's review dates, a plan's first categories)."""
    known = [x for x in logged if recorded_by is None or x.recorded_at <= recorded_by]
    if occurred_by is None:
        return [x.event for x in known]
    dates = _corrected_dates(known)
    kept: set[str] = set()
    chosen = []
    for x in known:
        if isinstance(x.event, EventCorrected):
            # A correction counts where the event it corrects does, whatever day it was made.
            if x.event.corrects in kept:
                chosen.append(x.event)
        elif dates.get(x.event_id, x.event.occurred_on) <= occurred_by:
            kept.add(x.event_id)
            chosen.append(x.event)
    return chosen


def _corrected_dates(logged: list[Logged]) -> dict[str, date]:
    """Event id -> the date it occurred on by the latest correction of its date. A step's
    date moves the events the same command recorded on that date with it (the conference's
    DeadlineMet and PlanStarted move with the conference)."""
    by_id = {x.event_id: x for x in logged}
    dates = {}
    for x in logged:
        if isinstance(x.event, EventCorrected) and x.event.field == "occurred_on" and x.event.corrects in by_id:
            step = by_id[x.event.corrects]
            old, new = date.fromisoformat(x.event.previous), date.fromisoformat(x.event.value)
            for other in logged:
                same_step = other.event_id == step.event_id or (
                    step.command_id is not None and other.command_id == step.command_id)
                if same_step and dates.get(other.event_id, other.event.occurred_on) == old:
                    dates[other.event_id] = new
    return dates


def chronology(entries: list[dict]) -> list[dict]:
    """Stored events (the contract's event shape) in log order, each with the corrections
    made to it beside it (`corrected_by`: their event ids) and each correction naming the
    event it corrects (`corrects`), so a reader sees the original and its correction together."""
    corrections: dict[str, list[str]] = {}
    for entry in entries:
        if entry["type"] == "EventCorrected":
            corrections.setdefault(entry["data"]["corrects"], []).append(entry["event_id"])
    return [
        {**entry, "corrects": entry["data"].get("corrects") if entry["type"] == "EventCorrected" else None,
         "corrected_by": corrections.get(entry["event_id"], [])}
        for entry in entries
    ]
