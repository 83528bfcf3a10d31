"""The store's port: what the rest of the service may rely on when it keeps a journey's events.

Two protocols, because they change for different reasons. `EventStore` is the log: how an
append is accepted or refused, and what reading it gives back. `JourneyProjections` is what
managers and the delivery side read: the rows folded from the log. The append feeds both in
one transaction, so its signature names the projection updates it takes; keeping a
projection's rows is not the log's business beyond that. `JourneyStore` is both at once, as
store/events.py provides them.

The requirements below are numbered so that code, comments and tests can name the one they
rely on. The contract suite (tests/store/contract.py) is written once and run on each engine,
and each of its tests is named after the requirement it checks. How store/events.py keeps those that depend on
the database engine (R1, R4, R7) is told where it does it.

R1  One transaction. An append writes its events and the projection updates it is given
    together or not at all: the journey summary (upserted), the journey's deadlines (all
    replaced by the ones given; ``deadlines=None`` leaves them alone, an empty list clears
    them), the notifications for the outbox, and the request its command id answers (R7).
    A failure in any part leaves the log and every projection as they were, uses up no
    position (R4), and is raised without the values that were being written.

R2  Idempotent on event id. A batch with an event id already stored must be a retry of what
    was stored: every id stored, in this stream, as consecutive versions in the batch's
    order. A retry writes nothing (projection updates included) and returns the stored
    events; any other overlap raises ``EventIdConflict``. R2 is checked before R3, so a late
    retry of a batch that was stored is not mistaken for a stale one.

R3  Optimistic concurrency. ``expected_version`` is how many events the caller saw in the
    stream (0 for a new one). If the stream holds another number, ``StaleVersion`` is raised
    and nothing is written; otherwise the batch takes versions ``expected_version + 1 ..``.
    A stream's versions are therefore always 1..n, and of concurrent appends at one version
    exactly one succeeds.

R4  Global position in commit order. Every event gets a position in the whole log; positions
    run 1, 2, 3 ... with no gap, and an append with lower positions is committed before any
    with higher ones. A reader that follows the log with ``read_all(after_position)`` never
    steps past an event that commits later. Appends are therefore serialised across streams;
    ``takes_appends()`` says, without writing, whether an append could start now (False while
    another writer holds the log longer than the store waits, or when the database cannot be
    reached); an append that cannot start in that time fails with nothing written.

R5  A hash chain per stream. Each event's ``prev_hash`` is the hash of the event before it in
    its stream (``store.chain.GENESIS_HASH`` for version 1), and its ``hash`` covers its
    envelope as store/chain.py defines it. ``recorded_at`` is the store clock's reading at
    the append (the clock must give aware times), kept in UTC to the microsecond, the same
    for every event of a batch, and read back identically whatever the session's time zone.
    Event data reads back equal to what was appended, whatever the caller does later to its
    own dict. ``verify()`` walks the whole log and reports the first event where R3, R4 or R5
    does not hold.

R6  The outbox. Enqueueing is insert-if-absent on notification id: a notification whose id is
    already there, delivered or not, is skipped. Undelivered notifications are read oldest
    first; marking one delivered keeps the first time it was marked, and marking an id that
    was never enqueued raises ``KeyError``.

R7  Idempotency keys. An append given ``request`` (the client's LA, command id and canonical
    request hash) records which request that command id answered, with its events (R1). If
    the LA's command id is recorded as answering another request (another stream or hash),
    ``CommandIdReused`` is raised and nothing is written. A retry (R2) writes nothing, its
    request included. Command ids are per LA: another LA's same id is its own.

R8  Reads give back what was appended. ``read_stream`` returns a stream's events in version
    order (after a version, if given), ``read_all`` the log's in position order in pages
    (after a position, up to a limit), ``events_for_command`` those of one command in one
    stream, and ``stream_version`` the stream's last version (0 if it has none). Each event
    read equals the one the append returned.

R9  Refused before the database. A batch or projection update that cannot be stored as it
    is (no events, an empty stream id, a negative version, a repeated event id, a value that
    does not fit its column or is missing, data that is not plain JSON: floats, tuples, NUL,
    non-string keys, lone surrogates) raises ``ValueError`` before any statement runs, the
    same way on every engine, without quoting the values (they may name a child).

R10 Append-only. A stored event is never changed or removed: the database itself refuses an
    update or delete of the log, whatever the application does. Where the database has roles
    (PostgreSQL), the one the service runs as can do everything above and cannot rewrite the
    log, nor switch the refusal off.
"""

from __future__ import annotations

from typing import Protocol, Sequence, runtime_checkable

from sqlalchemy import Engine

from store.records import CommandRequest, DeadlineRow, JourneySummary, NewEvent, Notification, StoredEvent
from store.verify import Verification


@runtime_checkable
class EventStore(Protocol):
    """The journeys' event log (R1-R10 above)."""

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
        """Store `events` after `expected_version` of `stream` with the projection updates
        given, in one transaction (R1-R7, R9); the events as stored."""
        ...

    def read_stream(self, stream: str, after_version: int = 0) -> list[StoredEvent]:
        """R8."""
        ...

    def read_all(self, after_position: int = 0, limit: int = 1000) -> list[StoredEvent]:
        """R4, R8."""
        ...

    def stream_version(self, stream: str) -> int:
        """R8."""
        ...

    def events_for_command(self, stream: str, command_id: str) -> list[StoredEvent]:
        """R8."""
        ...

    def takes_appends(self) -> bool:
        """R4."""
        ...

    def verify(self) -> Verification:
        """R5."""
        ...

    @property
    def engine(self) -> Engine:
        """The database the log is kept in. Part of the port because some callers must
        know it: SQLite admits one writer at a time, which the persist activity queues for,
        and whole-log work (verification in worker processes, rebuilds, checkpoints) reads
        the tables directly. Not a way round the requirements above."""
        ...


@runtime_checkable
class JourneyProjections(Protocol):
    """The rows an append's projection updates keep (R1), as their readers see them."""

    def journey(self, journey_id: str) -> JourneySummary | None:
        ...

    def deadlines(self, journey_id: str) -> list[DeadlineRow]:
        ...

    def undelivered_notifications(self, limit: int = 100) -> list[Notification]:
        """R6."""
        ...

    def notifications_for(self, journey_id: str) -> list[Notification]:
        """Every notification a journey raised, delivered or not, oldest first."""
        ...

    def mark_delivered(self, notification_id: str) -> None:
        """R6."""
        ...

    def recorded_request(self, local_authority: str, command_id: str) -> tuple[str, str] | None:
        """R7: the (stream, request hash) the LA's command id answered, or None."""
        ...


@runtime_checkable
class JourneyStore(EventStore, JourneyProjections, Protocol):
    """The log and the projections it feeds, from one object, for callers that read both
    (the auditors' replay finds a journey's workflow through its summary)."""
