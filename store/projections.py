"""Rebuilding the read models from the log: the same fold the workflow and the auditors use.

The workflow keeps `journeys` and `deadlines` up to date as it appends, in the same
transaction. This rebuild is for an operator: after restoring a backup, after a change to
how the read models are computed, or to prove they agree with the log. It folds every
journey's stream with the domain's `evolve`, in position order, and replaces both tables at
once. The log also holds streams that are not journeys (context cases, domain/contexts.py):
a journey's stream begins with JourneyStarted, and any other stream is passed over whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from itertools import repeat
from typing import Callable

from psycopg.types.json import Jsonb
from sqlalchemy import JSON, Connection, Engine, Table, delete

from domain.calendar import WorkingDayCalendar
from domain.decider import evolve
from domain.events import decode
from domain.model import JourneyState, initial_state
from domain.views import read_model_rows
from store import log, processes
from store.engine import for_writing
from store.schema import JSONArray, deadlines, journeys

PAGE = 5_000
# The first event of every journey's stream; a stream that begins otherwise is not a journey.
JOURNEY_STARTED = "JourneyStarted"
# With more than one worker the journeys are cut into about this many ranges per worker.
RANGES_PER_WORKER = 4
# Below this many journeys per worker, starting processes costs more than it saves.
MIN_JOURNEYS_PER_WORKER = 1_000


@dataclass(frozen=True)
class Rebuilt:
    events: int
    journeys: int


def fold_log(engine: Engine, page_size: int = PAGE) -> tuple[dict[str, JourneyState], int]:
    """Every journey's state, folded from the whole log (keyset pages, position order), and
    how many events were folded (those of other streams are not)."""
    states: dict[str, JourneyState] = {}
    others: set[str] = set()
    count = 0
    for page in log.read_ahead(engine, log.facts_page, page_size):
        count += _fold_page(states, others, page)
    return states, count


def _fold_page(states: dict[str, JourneyState], others: set[str], page: list) -> int:
    """Fold rows of (position or version, stream, type, occurred_on, data) into `states`;
    return how many were folded. Both orders meet a stream's first event before the rest of
    it, so a stream whose first event is not JourneyStarted goes into `others` (kept across
    pages) and its events are skipped: the journey decoder knows no other stream's types."""
    folded = 0
    for _, stream, type_name, occurred_on, data in page:
        state = states.get(stream)
        if state is None:
            if stream in others or type_name != JOURNEY_STARTED:
                others.add(stream)
                continue
            state = initial_state()
        states[stream] = evolve(state, decode(type_name, occurred_on, data))
        folded += 1
    return folded


def rebuild_read_models(
    engine: Engine, calendar: WorkingDayCalendar, today: date,
    workflow_id_of: Callable[[JourneyState], str], batch: int = 1_000, workers: int = 1,
) -> Rebuilt:
    """Folding is Python work per event and each journey folds alone, so with `workers` > 1
    the journeys are cut into ranges of their ids, each folded (and its rows derived) in a
    process of its own; `workflow_id_of` and `calendar` then travel to those processes, so
    they must pickle (a module-level function or a functools.partial of one, not a lambda)."""
    ranges = _journey_ranges(engine, workers) if workers > 1 and processes.reachable_from_another_process(engine) else []
    if len(ranges) > 1:
        with processes.pool(workers) as pool:
            parts = list(pool.map(_read_models_in_range, repeat(processes.url_of(engine)), ranges,
                                  repeat(calendar), repeat(today), repeat(workflow_id_of)))
    else:
        states, count = fold_log(engine)
        parts = [_read_models(states, count, calendar, today, workflow_id_of)]
    now = datetime.now(timezone.utc)
    summaries = [{**summary, "updated_at": now} for part in parts for summary in part.summaries]
    rows = [row for part in parts for row in part.deadline_rows]
    # One transaction: readers see the old tables or the new ones, never a half-written mix.
    with for_writing(engine).begin() as connection:
        connection.execute(delete(deadlines))
        connection.execute(delete(journeys))
        for table, values in ((journeys, summaries), (deadlines, rows)):
            if connection.dialect.name == "postgresql":
                _copy(connection, table, values)
            else:
                for start in range(0, len(values), batch):
                    connection.execute(table.insert(), values[start:start + batch])
    return Rebuilt(events=sum(part.events for part in parts), journeys=len(summaries))


def _copy(connection: Connection, table: Table, values: list[dict]) -> None:
    """PostgreSQL's COPY, inside the caller's transaction: loading whole tables with it took
    a fraction of the time INSERTs of the same rows did (bench/store_bench.py, catch-up)."""
    names = [column.name for column in table.columns]
    documents = {column.name for column in table.columns if isinstance(column.type, JSON)}
    # COPY bypasses SQLAlchemy's types: the JSON text columns get the text they would have had.
    arrays = {column.name: column.type for column in table.columns if isinstance(column.type, JSONArray)}
    columns = ", ".join(f'"{name}"' for name in names)
    with connection.connection.driver_connection.cursor() as cursor, \
            cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
        for value in values:
            copy.write_row([
                Jsonb(value[name]) if name in documents and value[name] is not None
                else arrays[name].process_bind_param(value[name], connection.dialect) if name in arrays
                else value[name]
                for name in names])


@dataclass(frozen=True)
class _Part:
    events: int
    summaries: list[dict]
    deadline_rows: list[dict]


def _read_models(
    states: dict[str, JourneyState], events: int, calendar: WorkingDayCalendar, today: date,
    workflow_id_of: Callable[[JourneyState], str],
) -> _Part:
    summaries, rows = [], []
    for journey_id, state in states.items():
        summary, deadline_list = read_model_rows(state, workflow_id_of(state), calendar, today)
        summaries.append(summary)
        rows += [{"journey_id": journey_id, **row} for row in deadline_list]
    return _Part(events, summaries, rows)


def _journey_ranges(engine: Engine, workers: int) -> list[tuple[str | None, str | None]]:
    """(after, up_to) journey ids, about the same number of journeys in each. The cuts are
    taken from every stream id (an index-only read; telling journeys apart would read the
    rows): a range's context cases are few and its fold passes over them."""
    with engine.connect() as connection:
        streams = log.streams(connection)
    if len(streams) < MIN_JOURNEYS_PER_WORKER * workers:
        return []
    size = -(-len(streams) // (workers * RANGES_PER_WORKER))
    cuts = [None, *streams[size - 1:-1:size], None]
    return list(zip(cuts, cuts[1:]))


def _read_models_in_range(
    url: str, bounds: tuple[str | None, str | None], calendar: WorkingDayCalendar, today: date,
    workflow_id_of: Callable[[JourneyState], str],
) -> _Part:
    states, count = fold_range(processes.engine_for(url), *bounds)
    return _read_models(states, count, calendar, today, workflow_id_of)


def fold_range(engine: Engine, after: str | None, up_to: str | None) -> tuple[dict[str, JourneyState], int]:
    """The states of the journeys whose ids are in (after, up_to], None meaning unbounded,
    folded in journey order (keyset pages on the (stream, version) index)."""
    states: dict[str, JourneyState] = {}
    others: set[str] = set()
    count = 0
    key = (after, None)
    while page := _stream_page(engine, key, up_to):
        count += _fold_page(states, others, page)
        key = (page[-1][1], page[-1][0])  # (stream, version)
    return states, count


def _stream_page(engine: Engine, key: tuple[str | None, int | None], up_to: str | None) -> list:
    with engine.connect() as connection:
        return log.facts_by_stream(connection, key, up_to, PAGE)
