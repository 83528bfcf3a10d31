"""Rebuilding the read models from the log: the same fold the workflow and the auditors use.

The workflow keeps `journeys` and `deadlines` up to date as it appends, in the same
transaction. This rebuild is for an operator: after restoring a backup, after a change to
how the read models are computed, or to prove they agree with the log. It folds every
stream with the domain's `evolve`, in position order, and replaces both tables at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Callable

from sqlalchemy import Engine, delete

from domain.calendar import WorkingDayCalendar
from domain.decider import evolve
from domain.events import decode
from domain.model import JourneyState, initial_state
from domain.views import read_model_rows
from store import log
from store.engine import for_writing
from store.schema import deadlines, journeys

PAGE = 5_000


@dataclass(frozen=True)
class Rebuilt:
    events: int
    journeys: int


def fold_log(engine: Engine, page_size: int = PAGE) -> tuple[dict[str, JourneyState], int]:
    """Every journey's state, folded from the whole log (keyset pages, position order)."""
    states: dict[str, JourneyState] = {}
    count = 0
    for page in log.read_ahead(engine, log.facts_page, page_size):
        for _, stream, type_name, occurred_on, data in page:
            state = states.get(stream)
            states[stream] = evolve(state or initial_state(), decode(type_name, occurred_on, data))
        count += len(page)
    return states, count


def rebuild_read_models(
    engine: Engine, calendar: WorkingDayCalendar, today: date,
    workflow_id_of: Callable[[JourneyState], str], batch: int = 1_000,
) -> Rebuilt:
    states, count = fold_log(engine)
    now = datetime.now(timezone.utc)
    summaries, rows = [], []
    for journey_id, state in states.items():
        summary, deadline_list = read_model_rows(state, workflow_id_of(state), calendar, today)
        summaries.append({**summary, "updated_at": now})
        rows += [{"journey_id": journey_id, **row} for row in deadline_list]
    with for_writing(engine).begin() as connection:
        connection.execute(delete(deadlines))
        connection.execute(delete(journeys))
        for table, values in ((journeys, summaries), (deadlines, rows)):
            for start in range(0, len(values), batch):
                connection.execute(table.insert(), values[start:start + batch])
    return Rebuilt(events=count, journeys=len(states))
