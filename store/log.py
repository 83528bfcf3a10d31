"""Queries on the ``events`` table, shared by the event store and the verifier."""

from __future__ import annotations

import json
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from datetime import timezone
from typing import Callable, Iterator, Sequence

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import IntegrityError

from store.records import StoredEvent
from store.schema import events

_COLUMNS = [events.c[name] for name in StoredEvent._fields]
_BATCH_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
# How SQLAlchemy's SQLite dialect stores a DateTime (in UTC: see store.schema.UTCDateTime).
SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"


def _stored(result) -> list[StoredEvent]:
    # The columns are selected in StoredEvent's field order, so rows map by position.
    return list(map(StoredEvent._make, result.all()))


def page(connection: Connection, after_position: int, limit: int) -> list[StoredEvent]:
    """Keyset pagination: cost does not grow with how far into the log the reader is."""
    return _stored(
        connection.execute(
            select(*_COLUMNS)
            .where(events.c.position > after_position)
            .order_by(events.c.position)
            .limit(limit)
        )
    )


def facts_page(connection: Connection, after_position: int, limit: int) -> list:
    """Like `page`, but only what folding needs: (position, stream, type, occurred_on,
    data) rows. Folding the whole log reads every row, and the other columns (hashes,
    actors, timestamps) are most of what it would otherwise convert."""
    return connection.execute(
        select(events.c.position, events.c.stream, events.c.type, events.c.occurred_on, events.c.data)
        .where(events.c.position > after_position)
        .order_by(events.c.position)
        .limit(limit)
    ).all()


def read_ahead(engine: Engine, read_page: Callable[[Connection, int, int], list], page_size: int) -> Iterator[list]:
    """The whole log in keyset pages, in position order, for readers that walk all of it
    (catch-up, verification). The next page is read on a thread while the caller works
    on this one: the database's time then overlaps the caller's, instead of adding to it.
    Each page is a short read transaction of its own."""

    def read(after: int) -> list:
        with engine.connect() as connection:
            return read_page(connection, after, page_size)

    with ThreadPoolExecutor(1, thread_name_prefix="log-read-ahead") as pool:
        following = pool.submit(read, 0)
        while page := following.result():
            following = pool.submit(read, page[-1][0])  # rows begin with their position
            yield page


def stream(connection: Connection, stream_id: str, after_version: int = 0) -> list[StoredEvent]:
    return _stored(
        connection.execute(
            select(*_COLUMNS)
            .where(events.c.stream == stream_id, events.c.version > after_version)
            .order_by(events.c.version)
        )
    )


def for_command(connection: Connection, stream_id: str, command_id: str) -> list[StoredEvent]:
    return _stored(
        connection.execute(
            select(*_COLUMNS)
            .where(events.c.stream == stream_id, events.c.command_id == command_id)
            .order_by(events.c.version)
        )
    )


def with_ids(connection: Connection, event_ids: Sequence[str]) -> list[StoredEvent]:
    return _stored(
        connection.execute(
            select(*_COLUMNS)
            .where(events.c.event_id.in_(list(event_ids)))
            .order_by(events.c.position)
        )
    )


def head(connection: Connection, stream_id: str) -> tuple[int, str] | None:
    """The stream's last version and its hash, or None for a stream with no events."""
    row = connection.execute(
        select(events.c.version, events.c.hash)
        .where(events.c.stream == stream_id)
        .order_by(events.c.version.desc())
        .limit(1)
    ).first()
    return (row.version, row.hash) if row is not None else None


def last_position(connection: Connection) -> int:
    return connection.execute(select(func.coalesce(func.max(events.c.position), 0))).scalar_one()


def insert(connection: Connection, stored: Sequence[StoredEvent]) -> None:
    connection.execute(events.insert(), [event._asdict() for event in stored])


# --- the append's fast path ----------------------------------------------------------------
# Appends are the hot path, so their insert is written for each engine as plain SQL (no
# statement building or type processing per call) and checks the stream's head as it
# inserts. It reports "not inserted" rather than deciding why: the caller then takes the
# careful path (store/events.py), which reads everything under the lock first.

_PG_INSERT = """
INSERT INTO events (position, stream, version, recorded_at, event_id, type, occurred_on, actor, actor_role,
                    command_id, schema_version, data, prev_hash, hash)
SELECT base.last + batch.n, %(stream)s::varchar, %(expected)s::int + batch.n, %(recorded_at)s::timestamptz,
       batch.event_id, batch.type, batch.occurred_on, batch.actor, batch.actor_role, batch.command_id,
       batch.schema_version, batch.data, batch.prev_hash, batch.hash
FROM (SELECT pg_advisory_xact_lock(%(lock)s::bigint)) AS lock,
     (SELECT coalesce(max(position), 0) AS last FROM events) AS base,
     json_to_recordset(%(batch)s::json) AS batch(
         n int, event_id varchar, type varchar, occurred_on date, actor varchar, actor_role varchar,
         command_id varchar, schema_version int, data jsonb, prev_hash varchar, hash varchar)
WHERE {head}
RETURNING position
"""
_PG_HEAD = {
    "new": "NOT EXISTS (SELECT 1 FROM events WHERE stream = %(stream)s::varchar)",
    "at": "EXISTS (SELECT 1 FROM events WHERE stream = %(stream)s::varchar AND version = %(expected)s::int "
          "AND hash = %(head)s::varchar)",
}
_PG_INSERTS = {key: _PG_INSERT.format(head=check) for key, check in _PG_HEAD.items()}

_SQLITE_INSERT = (
    "INSERT INTO events (position, stream, version, event_id, type, occurred_on, recorded_at, actor, "
    "actor_role, command_id, schema_version, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def insert_at_head(
    connection: Connection, lock_key: int, expected_version: int, head_hash: str,
    batch: Sequence[StoredEvent], data_json: Sequence[str],
) -> int | None:
    """Insert `batch` (versions expected_version + 1 ..) if the stream's head is still
    (expected_version, head_hash), at positions after the log's last; return the first
    position, or None if the head has moved. Raises IntegrityError if an event id or a
    (stream, version) is taken meanwhile, or (PostgreSQL) if a position is.

    PostgreSQL, one round trip: the statement takes the append lock (store/events.py R4)
    itself. Its snapshot predates the lock, so it may miss an append committed while it
    waited; the positions it then picks are that append's, and the primary key refuses
    them, so it can never write out of commit order. SQLite holds the write lock already
    (BEGIN IMMEDIATE), and its statements cost no round trip.
    """
    stream, recorded_at = batch[0].stream, batch[0].recorded_at
    if connection.dialect.name == "postgresql":
        # The whole batch travels as one JSON parameter: far cheaper to send than one
        # array per column, and the server unpacks it in C.
        rows = [{"n": n, "event_id": e.event_id, "type": e.type,
                 "occurred_on": e.occurred_on.isoformat() if e.occurred_on is not None else None,
                 "actor": e.actor, "actor_role": e.actor_role, "command_id": e.command_id,
                 "schema_version": e.schema_version, "data": e.data, "prev_hash": e.prev_hash, "hash": e.hash}
                for n, e in enumerate(batch, start=1)]
        positions = connection.exec_driver_sql(
            _PG_INSERTS["at" if expected_version else "new"],
            {"stream": stream, "expected": expected_version, "head": head_hash, "lock": lock_key,
             "recorded_at": recorded_at, "batch": _BATCH_JSON.encode(rows)},
        ).fetchall()
        return min(row[0] for row in positions) if positions else None

    cursor = connection.connection.driver_connection.cursor()
    try:
        current = cursor.execute(
            "SELECT version, hash FROM events WHERE stream = ? ORDER BY version DESC LIMIT 1", (stream,)
        ).fetchone()
        if (current or (0, head_hash)) != (expected_version, head_hash):
            return None
        [last] = cursor.execute("SELECT coalesce(max(position), 0) FROM events").fetchone()
        recorded = recorded_at.astimezone(timezone.utc).strftime(SQLITE_DATETIME)
        cursor.executemany(_SQLITE_INSERT, [
            (last + n, stream, e.version, e.event_id, e.type,
             e.occurred_on.isoformat() if e.occurred_on is not None else None, recorded, e.actor,
             e.actor_role, e.command_id, e.schema_version, text, e.prev_hash, e.hash)
            for n, (e, text) in enumerate(zip(batch, data_json), start=1)
        ])
    except sqlite3.IntegrityError as error:
        raise IntegrityError(_SQLITE_INSERT, None, error) from None
    finally:
        cursor.close()
    return last + 1
