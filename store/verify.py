"""Re-checking the whole event log against its hash chains.

What this proves: every event still has the contents it was hashed with, no event is
missing from the middle of a stream or of the log, and nothing was inserted between
two events. What it cannot prove alone: that the newest events were not removed or
the entire log rewritten with freshly computed hashes, since the hashes carry no
secret. Catching that needs the stream heads recorded somewhere outside this database.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from sqlalchemy import Engine

from store import chain, log
from store.records import StoredEvent

logger = structlog.get_logger(__name__)

PAGE_SIZE = 5000


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


def verify_log(engine: Engine, page_size: int = PAGE_SIZE) -> Verification:
    """Walk the log in position order, one page per short read transaction.

    Pages may come from different snapshots: appends commit in position order (R4 in
    store/events.py), so an event committed mid-walk only ever appears in a later page.
    Memory is one (version, hash) pair per stream.
    """
    heads: dict[str, tuple[int, str]] = {}
    checked = 0
    last_position = 0
    for events in log.read_ahead(engine, log.page, page_size):
        for event in events:
            reason = _problem_with(event, heads.get(event.stream), last_position)
            if reason is not None:
                problem = Problem(
                    event.position, event.stream, event.version, event.event_id, reason
                )
                logger.warning(
                    "event_log_verification_failed",
                    position=event.position,
                    stream=event.stream,
                    version=event.version,
                    reason=reason,
                )
                return Verification(False, checked, len(heads), problem)
            heads[event.stream] = (event.version, event.hash)
            last_position = event.position
            checked += 1
    logger.info("event_log_verified", events=checked, streams=len(heads))
    return Verification(True, checked, len(heads), None)


def _problem_with(
    event: StoredEvent, head: tuple[int, str] | None, last_position: int
) -> str | None:
    if event.position <= last_position:
        return f"position {event.position} does not follow position {last_position}"
    if event.position != last_position + 1:
        # Positions are assigned without gaps (R4), so a gap is a removed event.
        return (
            f"position {last_position + 1} missing: "
            f"the log jumps from {last_position} to {event.position}"
        )

    last_version, last_hash = head if head is not None else (0, chain.GENESIS_HASH)
    if event.version > last_version + 1:
        return f"version {last_version + 1} missing in stream {event.stream}"
    if event.version <= last_version:
        return (
            f"version {event.version} out of order in stream {event.stream}: "
            f"it follows version {last_version}"
        )
    if event.prev_hash != last_hash:
        if event.version == 1:
            return "prev_hash of version 1 is not the genesis hash"
        return f"prev_hash does not link to version {last_version}"

    recomputed = chain.link(event.prev_hash, chain.envelope_of(event))
    if recomputed != event.hash:
        return "hash does not match contents"
    return None
