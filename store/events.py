"""The event store on SQLAlchemy Core: an append-only log of each journey's events, with the
projections it feeds, on SQLite and PostgreSQL from one code path.

`EventStore` here implements the port of store/port.py (`JourneyStore`: the log and the
journey projections), whose requirements R1-R10 state what callers may rely on; the contract
suite in tests/store checks each of them on both engines. What follows is how this store keeps
the ones whose means differ by engine.

R1  The usual append (store/append_sql.py) is one statement on PostgreSQL and one
    ``BEGIN IMMEDIATE`` transaction on SQLite; the careful path below is one SQLAlchemy
    transaction. Either way the projection updates (store/projection_updates.py) are written
    in the events' transaction.

R4  Positions are ``max(position) + 1 ..``, computed while holding a lock released only at
    commit (PostgreSQL: a transaction-level advisory lock with a fixed key; SQLite: the write
    lock taken by ``BEGIN IMMEDIATE``). The price is that appends are serialised across all
    streams, which suits one local authority's volumes. (The one-statement append on
    PostgreSQL takes the lock inside its statement, whose snapshot may predate it; a
    position it computes from a stale snapshot is one a committed append holds, so the
    primary key refuses it and the careful path, lock first, appends instead.)

R7  The careful path claims the request under the append lock, before it inserts the
    events, so a command id that answered another request raises ``CommandIdReused`` with
    nothing written; the usual path only finds the id taken (a unique key) and hands the
    append over to the careful one.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Callable, Sequence

import structlog
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from store import append_sql, chain, command_requests, log, outbox, projection_updates, read_models
from store.engine import for_writing
from store.errors import EventIdConflict, StaleVersion
from store.records import CommandRequest, DeadlineRow, JourneySummary, NewEvent, Notification, StoredEvent
from store.schema import events as events_table
from store.validation import check_columns, json_ready_text
from store.verify import Verification, verify_log

logger = structlog.get_logger(__name__)

# R4: one key for every append, so appends to different streams serialise too.
APPEND_LOCK_KEY = 0x5041_5448_0000
# Stream heads kept in memory, so an append need not read its stream's head first.
HEADS_REMEMBERED = 100_000


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class EventStore:
    """Appends events with their projection updates and reads both back: store.port's
    `JourneyStore`, whose requirements (R1-R10) each method keeps.

    Safe to share between threads: each call takes its own pooled connection.
    ``mark_delivered`` raises ``KeyError`` for a notification that was never enqueued.
    """

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utc_now) -> None:
        self._engine = engine
        self._writer = for_writing(engine)
        self._clock = clock
        # stream -> (version, hash) of its last event as this process appended it.
        self._heads: dict[str, tuple[int, str]] = {}

    def append(
        self,
        stream: str,
        expected_version: int,
        events: Sequence[NewEvent],
        *,
        summary: JourneySummary | None = None,
        deadlines: Sequence[DeadlineRow] | None = None,
        notifications: Sequence[Notification] = (),
        request: CommandRequest | None = None,
    ) -> list[StoredEvent]:
        events = list(events)
        notifications = list(notifications)
        data_json = _validate(stream, expected_version, events, summary, deadlines, notifications, request)
        recorded_at = self._now()

        stored = self._append_at_known_head(
            stream, expected_version, events, data_json, recorded_at, summary, deadlines, notifications, request
        )
        if stored is None:
            stored, retried = self._append_checked(
                stream, expected_version, events, data_json, recorded_at, summary, deadlines, notifications, request
            )
            if retried:
                logger.info("append_retry_ignored", stream=stream, events=len(stored))
                return stored
        self._remember_head(stored[-1])
        logger.info(
            "events_appended",
            stream=stream,
            versions=(stored[0].version, stored[-1].version),
            positions=(stored[0].position, stored[-1].position),
            types=[event.type for event in stored],
        )
        return stored

    def _append_at_known_head(
        self, stream: str, expected_version: int, events: list[NewEvent], data_json: list[str],
        recorded_at: datetime,
        summary: JourneySummary | None, deadlines: Sequence[DeadlineRow] | None,
        notifications: list[Notification], request: CommandRequest | None,
    ) -> list[StoredEvent] | None:
        """The usual append: the caller is right about the stream's head, and the batch is
        new (store/append_sql.py); None if it finds anything unusual, with nothing written."""
        head_hash = self._head_hash(stream, expected_version)
        if head_hash is None:
            return None
        batch = _chain(stream, first_version=expected_version + 1, first_position=0,
                       prev_hash=head_hash, recorded_at=recorded_at, events=events, data_json=data_json)
        try:
            first = append_sql.append_at_head(
                self._engine, APPEND_LOCK_KEY, expected_version, head_hash, batch, data_json,
                summary, deadlines, notifications, request,
            )
        except append_sql.NotAtHead:
            return None
        return [event._replace(position=first + offset) for offset, event in enumerate(batch)]

    def _append_checked(
        self, stream: str, expected_version: int, events: list[NewEvent], data_json: list[str],
        recorded_at: datetime,
        summary: JourneySummary | None, deadlines: Sequence[DeadlineRow] | None,
        notifications: list[Notification], request: CommandRequest | None,
    ) -> tuple[list[StoredEvent], bool]:
        """R1-R7 step by step under the append lock, where retries, stale versions and id
        conflicts are told apart. Returns the stored events and whether they were stored
        before (a retry)."""
        with self._writer.begin() as connection:
            _serialise_appends(connection)
            retried = _stored_batch(connection, stream, events)
            if retried is not None:
                return retried, True

            current = log.head(connection, stream)
            actual = current[0] if current is not None else 0
            if actual != expected_version:
                raise StaleVersion(stream, expected_version, actual)
            if request is not None:
                command_requests.claim(connection, stream, request)

            stored = _chain(
                stream,
                first_version=actual + 1,
                first_position=log.last_position(connection) + 1,
                prev_hash=current[1] if current is not None else chain.GENESIS_HASH,
                recorded_at=recorded_at,
                events=events,
                data_json=data_json,
            )
            log.insert(connection, stored)
            projection_updates.write(connection, stream, recorded_at, summary, deadlines, notifications)
        return stored, False

    def _head_hash(self, stream: str, expected_version: int) -> str | None:
        """The hash at `expected_version` of the stream as this process last saw it (read
        if not known), or None if the stream is not there: then the careful path decides."""
        if expected_version == 0:
            return chain.GENESIS_HASH
        known = self._heads.get(stream)
        if known is None or known[0] != expected_version:
            with self._engine.connect() as connection:
                known = log.head(connection, stream)
        if known is None or known[0] != expected_version:
            return None
        return known[1]

    def _remember_head(self, event: StoredEvent) -> None:
        # Bounded: a worker sees every open journey; losing the memory only costs a read.
        if len(self._heads) >= HEADS_REMEMBERED:
            self._heads.clear()
        self._heads[event.stream] = (event.version, event.hash)

    @property
    def engine(self) -> Engine:
        return self._engine

    def takes_appends(self) -> bool:
        """Whether an append would get the append lock now (R4), within the engine's lock
        wait; nothing is written. False when the database is locked or cannot be reached."""
        try:
            with self._writer.connect() as connection:
                connection.begin()  # SQLite: BEGIN IMMEDIATE takes the write lock
                _serialise_appends(connection)
                connection.rollback()
        except DBAPIError:
            return False
        return True

    def read_stream(self, stream: str, after_version: int = 0) -> list[StoredEvent]:
        with self._engine.connect() as connection:
            return log.stream(connection, stream, after_version)

    def read_all(self, after_position: int = 0, limit: int = 1000) -> list[StoredEvent]:
        with self._engine.connect() as connection:
            return log.page(connection, after_position, limit)

    def stream_version(self, stream: str) -> int:
        with self._engine.connect() as connection:
            current = log.head(connection, stream)
        return current[0] if current is not None else 0

    def events_for_command(self, stream: str, command_id: str) -> list[StoredEvent]:
        with self._engine.connect() as connection:
            return log.for_command(connection, stream, command_id)

    # The projections' side of the port (store.port.JourneyProjections).

    def journey(self, journey_id: str) -> JourneySummary | None:
        with self._engine.connect() as connection:
            return read_models.load_summary(connection, journey_id)

    def deadlines(self, journey_id: str) -> list[DeadlineRow]:
        with self._engine.connect() as connection:
            return read_models.load_deadlines(connection, journey_id)

    def undelivered_notifications(self, limit: int = 100) -> list[Notification]:
        with self._engine.connect() as connection:
            return outbox.undelivered(connection, limit)

    def notifications_for(self, journey_id: str) -> list[Notification]:
        with self._engine.connect() as connection:
            return outbox.for_journey(connection, journey_id)

    def mark_delivered(self, notification_id: str) -> None:
        with self._writer.begin() as connection:
            outbox.mark_delivered(connection, notification_id, self._now())

    def recorded_request(self, local_authority: str, command_id: str) -> tuple[str, str] | None:
        """R7: the (stream, request hash) the LA's command id answered, or None."""
        with self._engine.connect() as connection:
            return command_requests.recorded(connection, local_authority, command_id)

    def verify(self) -> Verification:
        return verify_log(self._engine)

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the store's clock must return aware datetimes")
        return now.astimezone(timezone.utc)


def _validate(
    stream: str,
    expected_version: int,
    events: list[NewEvent],
    summary: JourneySummary | None,
    deadlines: Sequence[DeadlineRow] | None,
    notifications: list[Notification],
    request: CommandRequest | None,
) -> list[str]:
    """R9: everything that can be checked without the database, so that a refused append
    never reaches it (R1 makes it harmless, but the errors would differ by engine).
    Returns each event's data as the JSON that is stored."""
    if not stream:
        raise ValueError("stream id is empty")
    if expected_version < 0:
        raise ValueError(f"expected_version cannot be negative, got {expected_version}")
    if not events:
        raise ValueError("an append needs at least one event")
    if len({event.event_id for event in events}) != len(events):
        raise ValueError("the batch repeats an event id")
    data_json = []
    for event in events:
        if not isinstance(event.data, dict):
            raise ValueError(f"event {event.event_id}: data must be a dict")
        check_columns(events_table, {"stream": stream, **vars(event)})
        data_json.append(json_ready_text(event.data, f"event {event.event_id} data"))
    projection_updates.validate(stream, summary, deadlines, notifications, request)
    return data_json


def _serialise_appends(connection: Connection) -> None:
    """R4. SQLite needs nothing more: BEGIN IMMEDIATE already holds the write lock."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": APPEND_LOCK_KEY})


def _stored_batch(
    connection: Connection, stream: str, events: list[NewEvent]
) -> list[StoredEvent] | None:
    """R2: the stored events if this batch is a retry, None if it is new."""
    ids = [event.event_id for event in events]
    found = {event.event_id: event for event in log.with_ids(connection, ids)}
    if not found:
        return None
    if len(found) != len(ids):
        raise EventIdConflict(
            stream, f"{len(found)} of the batch's {len(ids)} event ids are already stored"
        )
    if any(event.stream != stream for event in found.values()):
        raise EventIdConflict(stream, "the batch's event ids are stored in another stream")
    stored = [found[event_id] for event_id in ids]
    first = stored[0].version
    if [event.version for event in stored] != list(range(first, first + len(stored))):
        raise EventIdConflict(stream, "the batch's event ids were stored in another order")
    return stored


def _chain(
    stream: str,
    *,
    first_version: int,
    first_position: int,
    prev_hash: str,
    recorded_at: datetime,
    events: list[NewEvent],
    data_json: list[str],
) -> list[StoredEvent]:
    """R5: the stored form of the batch, each event linked to the one before."""
    stored = []
    for offset, (event, data) in enumerate(zip(events, data_json)):
        fields = {
            "stream": stream,
            "version": first_version + offset,
            "event_id": event.event_id,
            "type": event.type,
            "occurred_on": event.occurred_on,
            "recorded_at": recorded_at,
            "actor": event.actor,
            "actor_role": event.actor_role,
            "command_id": event.command_id,
            "schema_version": event.schema_version,
            # A private copy, read back from the JSON that is stored: the caller
            # mutating its dict later must not change what was hashed.
            "data": json.loads(data),
        }
        event_hash = chain.link(prev_hash, chain.envelope(**fields))
        stored.append(
            StoredEvent(
                position=first_position + offset, prev_hash=prev_hash, hash=event_hash, **fields
            )
        )
        prev_hash = event_hash
    return stored
