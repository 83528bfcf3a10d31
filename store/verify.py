"""Re-checking the whole event log against its hash chains.

What this proves: every event still has the contents it was hashed with, no event is
missing from the middle of a stream or of the log, and nothing was inserted between
two events. What it cannot prove alone: that the newest events were not removed or
the entire log rewritten with freshly computed hashes, since the hashes carry no
secret. Catching that needs the stream heads recorded somewhere outside this database.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial
from itertools import repeat
from typing import Iterable, Iterator, NamedTuple

import structlog
from sqlalchemy import Engine

from store import chain, log, processes
from store.records import StoredEvent

logger = structlog.get_logger(__name__)

PAGE_SIZE = 5000
# With more than one worker the log is cut into about this many slices per worker, so that a
# worker given a slice of short events does not sit idle while another finishes a long one.
SLICES_PER_WORKER = 4
# Below this many events per worker, starting processes costs more than it saves.
MIN_EVENTS_PER_WORKER = 20_000


@dataclass(frozen=True)
class Problem:
    """The first event at which the log stops being consistent."""

    position: int
    stream: str
    version: int
    event_id: str
    reason: str


@dataclass(frozen=True)
class Verification:
    ok: bool
    events_checked: int  # events found sound before the first problem, if any
    streams: int
    first_problem: Problem | None


def verify_log(
    engine: Engine, page_size: int = PAGE_SIZE, workers: int = 1, slice_size: int | None = None
) -> Verification:
    """Walk the log in position order, one page per short read transaction.

    Pages may come from different snapshots: appends commit in position order (R4 in
    store/port.py), so an event committed mid-walk only ever appears in a later page.

    Hashing is most of the cost and each event's hash depends only on its own row, so with
    `workers` > 1 the log is cut into slices of `slice_size` positions, each checked in a
    process of its own; what a slice cannot know alone (whether its first event follows the
    previous slice's last, and whether each journey's first event in it links to that
    journey's last event before it) is checked when the slices are joined, in order. The
    answer, first problem included, is the same whatever the slicing.
    """
    bounds = _slices(engine, page_size, workers, slice_size)
    if workers > 1 and len(bounds) > 1 and processes.reachable_from_another_process(engine):
        with processes.pool(workers) as pool:
            return _join(pool.map(_check_slice_at, repeat(processes.url_of(engine)), bounds, repeat(page_size)))
    return _join(_check_slice(engine, after, up_to, page_size) for after, up_to in bounds)


def _slices(
    engine: Engine, page_size: int, workers: int, slice_size: int | None
) -> list[tuple[int, int | None]]:
    """(after, up_to) position bounds; the last slice is open-ended, as a single walk is."""
    if slice_size is not None and slice_size < 1:
        raise ValueError(f"slice_size must be at least 1, got {slice_size}")
    if slice_size is None and workers <= 1:
        return [(0, None)]
    with engine.connect() as connection:
        last = log.last_position(connection)
    if slice_size is None:
        if last < MIN_EVENTS_PER_WORKER * workers:
            return [(0, None)]
        slice_size = max(page_size, math.ceil(last / (workers * SLICES_PER_WORKER)))
    starts = range(0, max(last, 1), slice_size)
    return [(after, after + slice_size) for after in starts[:-1]] + [(starts[-1], None)]


class _Entry(NamedTuple):
    """A journey's first event in a slice: its link to the journey's earlier events is
    checked when the slices are joined."""

    position: int
    stream: str
    version: int
    event_id: str
    prev_hash: str


@dataclass(frozen=True)
class _Slice:
    entries: list[_Entry]  # position order; the first is the slice's first event
    heads: dict[str, tuple[int, str]]  # each journey's last sound (version, hash) in the slice
    checked: int  # sound events before the slice's own problem, if any
    last_position: int  # of the last sound event (0 if none)
    problem: Problem | None  # the first the slice finds on its own
    problem_is_contents: bool  # a link problem at the same event comes first


def _check_slice_at(url: str, bounds: tuple[int, int | None], page_size: int) -> _Slice:
    return _check_slice(processes.engine_for(url), *bounds, page_size)


def _check_slice(engine: Engine, after: int, up_to: int | None, page_size: int) -> _Slice:
    pages = log.read_ahead(engine, partial(log.page, up_to=up_to), page_size, after)
    return _walk(event for events in pages for event in events)


def _walk(events: Iterator[StoredEvent]) -> _Slice:
    entries: list[_Entry] = []
    heads: dict[str, tuple[int, str]] = {}
    checked = 0
    last_position = 0
    for event in events:
        head = heads.get(event.stream)
        if head is None:
            entries.append(_Entry(event.position, event.stream, event.version, event.event_id, event.prev_hash))
        reason = _position_problem(event.position, last_position) if last_position else None
        if reason is None and head is not None:
            reason = _link_problem(event.stream, event.version, event.prev_hash, head)
        contents = reason is None
        if contents:
            reason = _contents_problem(event)
        if reason is not None:
            problem = Problem(event.position, event.stream, event.version, event.event_id, reason)
            return _Slice(entries, heads, checked, last_position, problem, contents)
        heads[event.stream] = (event.version, event.hash)
        last_position = event.position
        checked += 1
    return _Slice(entries, heads, checked, last_position, None, False)


def _join(parts: Iterable[_Slice]) -> Verification:
    heads: dict[str, tuple[int, str]] = {}
    checked = 0
    last_position = 0
    for part in parts:
        problem = _first_problem_across(part, heads, last_position)
        if problem is not None:
            # Before its first problem a slice's events are sound and numbered without gaps.
            sound = problem.position - part.entries[0].position
        else:
            problem, sound = part.problem, part.checked
        if problem is not None:
            earlier = {entry.stream for entry in part.entries if entry.position < problem.position}
            return _broken(problem, checked + sound, len(heads.keys() | earlier))
        heads.update(part.heads)
        checked += part.checked
        last_position = part.last_position or last_position
    logger.info("event_log_verified", events=checked, streams=len(heads))
    return Verification(True, checked, len(heads), None)


def _first_problem_across(
    part: _Slice, heads: dict[str, tuple[int, str]], last_position: int
) -> Problem | None:
    """The first problem in the slice that only its predecessors reveal, if it comes before
    (or, for a link beside a contents problem, at) the slice's own first problem."""
    for index, entry in enumerate(part.entries):
        if part.problem is not None and (
            entry.position > part.problem.position
            or (entry.position == part.problem.position and not part.problem_is_contents)
        ):
            return None
        reason = _position_problem(entry.position, last_position) if index == 0 else None
        reason = reason or _link_problem(
            entry.stream, entry.version, entry.prev_hash, heads.get(entry.stream, (0, chain.GENESIS_HASH))
        )
        if reason is not None:
            return Problem(entry.position, entry.stream, entry.version, entry.event_id, reason)
    return None


def _broken(problem: Problem, checked: int, streams: int) -> Verification:
    logger.warning(
        "event_log_verification_failed",
        position=problem.position,
        stream=problem.stream,
        version=problem.version,
        reason=problem.reason,
    )
    return Verification(False, checked, streams, problem)


def _position_problem(position: int, last_position: int) -> str | None:
    if position <= last_position:
        return f"position {position} does not follow position {last_position}"
    if position != last_position + 1:
        # Positions are assigned without gaps (R4), so a gap is a removed event.
        return f"position {last_position + 1} missing: the log jumps from {last_position} to {position}"
    return None


def _link_problem(stream: str, version: int, prev_hash: str, head: tuple[int, str]) -> str | None:
    last_version, last_hash = head
    if version > last_version + 1:
        return f"version {last_version + 1} missing in stream {stream}"
    if version <= last_version:
        return f"version {version} out of order in stream {stream}: it follows version {last_version}"
    if prev_hash != last_hash:
        if version == 1:
            return "prev_hash of version 1 is not the genesis hash"
        return f"prev_hash does not link to version {last_version}"
    return None


def _contents_problem(event: StoredEvent) -> str | None:
    if chain.link(event.prev_hash, chain.envelope_of(event)) != event.hash:
        return "hash does not match contents"
    return None
