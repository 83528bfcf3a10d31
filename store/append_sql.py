"""The append's usual case, written for each engine at the driver level.

Every command a journey records is an append, so this is the service's hot path. Measured
on this project's machine (bench/store_bench.py), SQLAlchemy's Connection and transaction
machinery cost two to three times the database's own work for a one-event append; here a
pooled connection (still from the engine's pool) is driven directly, with statements
written once per engine. On PostgreSQL the whole append is one statement and one round
trip; SQLite's statements cost no round trip at all.

`append_at_head` only handles the case where the caller knows the stream's head and the
batch is new. Anything else (a retry, a stale version, an id taken, a race for a position)
comes back as None with nothing written, and store/events.py takes the careful path, which
tells those cases apart under the lock.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from datetime import date, datetime, timezone
from typing import Any, Sequence

import psycopg
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from store.records import CommandRequest, DeadlineRow, JourneySummary, Notification, StoredEvent

_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
# How SQLAlchemy's SQLite dialect stores dates and times (in UTC: store.schema.UTCDateTime),
# so that rows written here read back through SQLAlchemy exactly like its own.
SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"

_SUMMARY_COLUMNS = ("journey_id", "workflow_id", "local_authority", "pathway", "stage", "opened_on", "closed",
                    "closed_on", "closure_reason", "next_deadline_kind", "next_due_on", "overdue", "version",
                    "chair_id", "linked_contexts", "plan_findings", "view", "updated_at")
# Lists of strings the journeys table keeps as JSON text (store.schema.JSONArray).
_SUMMARY_ARRAYS = ("linked_contexts", "plan_findings")
_UPSERT_SUMMARY = (
    f"INSERT INTO journeys ({', '.join(_SUMMARY_COLUMNS)}) VALUES ({{values}}) "
    f"ON CONFLICT (journey_id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _SUMMARY_COLUMNS if c != "journey_id")
)
_DEADLINE_COLUMNS = ("journey_id", "seq", "kind", "due_on", "original_due_on", "reminder_on", "status", "met_on")
_OUTBOX_COLUMNS = ("notification_id", "journey_id", "local_authority", "type", "payload", "event_id", "created_at")


class NotAtHead(Exception):
    """The stream's head is not where the caller said, or an id or position is taken."""


def append_at_head(
    engine: Engine, lock_key: int, expected_version: int, head_hash: str,
    batch: Sequence[StoredEvent], data_json: Sequence[str], summary: JourneySummary | None,
    deadlines: Sequence[DeadlineRow] | None, notifications: Sequence[Notification],
    request: CommandRequest | None = None,
) -> int:
    """Insert `batch` (versions expected_version + 1 ..) at positions after the log's last,
    with the read models and the command's request (R7), in one transaction; return the
    first position. Raises NotAtHead (nothing written) if the stream's head is not
    (expected_version, head_hash) or an event id, version, position or the request's command
    id is taken; a read model the database refuses raises SQLAlchemy's DBAPIError, as the
    careful path does, without the values written."""
    pooled = engine.raw_connection()
    try:
        if engine.dialect.name == "postgresql":
            return _postgresql(pooled.driver_connection, lock_key, expected_version, head_hash, batch,
                               summary, deadlines, notifications, request)
        return _sqlite(pooled.driver_connection, expected_version, head_hash, batch, data_json,
                       summary, deadlines, notifications, request)
    finally:
        pooled.close()


# --- PostgreSQL ------------------------------------------------------------------------------
# One statement, run in autocommit mode: it is its own transaction, so the whole append,
# read models included, is one round trip with no BEGIN or COMMIT of its own. The read
# models are written by data-modifying WITH queries that happen only if the events were
# inserted; they share one snapshot, so each touches rows the others do not.

_PG_EVENTS = """
WITH appended AS (
    INSERT INTO events (position, stream, version, recorded_at, event_id, type, occurred_on, actor, actor_role,
                        command_id, schema_version, data, prev_hash, hash)
    SELECT base.last + batch.n, %(stream)s::varchar, %(expected)s::int + batch.n, %(recorded_at)s::timestamptz,
           batch.event_id, batch.type, batch.occurred_on, batch.actor, batch.actor_role, batch.command_id,
           batch.schema_version, batch.data, batch.prev_hash, batch.hash
    FROM (SELECT pg_advisory_xact_lock(%(lock)s::bigint)) AS lock,
         (SELECT coalesce(max(position), 0) AS last FROM events) AS base,
         json_to_recordset(%(events)s::json) AS batch(
             n int, event_id varchar, type varchar, occurred_on date, actor varchar, actor_role varchar,
             command_id varchar, schema_version int, data jsonb, prev_hash varchar, hash varchar)
    WHERE {head}
    RETURNING position
)"""
# The head check. The statement's snapshot predates the lock it takes (store/events.py R4),
# so it may miss an append committed while it waited. It then sees fewer events than there
# are: a check that should fail cannot pass because of it, and the positions or version it
# picks are ones that append took, which the unique keys refuse.
_PG_HEADS = {
    False: "NOT EXISTS (SELECT 1 FROM events WHERE stream = %(stream)s::varchar)",
    True: "EXISTS (SELECT 1 FROM events WHERE stream = %(stream)s::varchar AND version = %(expected)s::int "
          "AND hash = %(head)s::varchar)",
}
# The arrays arrive as json, whose text is what the client sent (compact, as SQLite's).
_PG_SUMMARY = f"""summary AS (
    INSERT INTO journeys ({', '.join(_SUMMARY_COLUMNS)})
    SELECT {', '.join(f"s.{c}::text" if c in _SUMMARY_ARRAYS else f"s.{c}" for c in _SUMMARY_COLUMNS[:-1])},
           %(recorded_at)s::timestamptz
    FROM json_to_recordset(%(summary)s::json) AS s(
        journey_id varchar, workflow_id varchar, local_authority varchar, pathway varchar, stage varchar,
        opened_on date, closed boolean, closed_on date, closure_reason varchar, next_deadline_kind varchar,
        next_due_on date, overdue boolean, version int, chair_id varchar, linked_contexts json,
        plan_findings json, view jsonb)
    WHERE EXISTS (SELECT 1 FROM appended)
    ON CONFLICT (journey_id) DO UPDATE SET
        {', '.join(f"{c} = excluded.{c}" for c in _SUMMARY_COLUMNS if c != "journey_id")}
)"""
_PG_DEADLINES = f"""deadlines_written AS (
    INSERT INTO deadlines ({', '.join(_DEADLINE_COLUMNS)})
    SELECT %(stream)s::varchar, d.seq, d.kind, d.due_on, d.original_due_on, d.reminder_on, d.status, d.met_on
    FROM json_to_recordset(%(deadlines)s::json) AS d(
        seq int, kind varchar, due_on date, original_due_on date, reminder_on date, status varchar, met_on date)
    WHERE EXISTS (SELECT 1 FROM appended)
    ON CONFLICT (journey_id, seq) DO UPDATE SET
        {', '.join(f"{c} = excluded.{c}" for c in _DEADLINE_COLUMNS[2:])}
), deadlines_dropped AS (
    DELETE FROM deadlines
    WHERE journey_id = %(stream)s::varchar AND seq <> ALL (%(deadline_seqs)s::int[])
      AND EXISTS (SELECT 1 FROM appended)
)"""
_PG_NOTIFICATIONS = f"""notified AS (
    INSERT INTO outbox ({', '.join(_OUTBOX_COLUMNS)})
    SELECT n.notification_id, n.journey_id, n.local_authority, n.type, n.payload, n.event_id,
           %(recorded_at)s::timestamptz
    FROM json_to_recordset(%(notifications)s::json) AS n(
        n int, notification_id varchar, journey_id varchar, local_authority varchar, type varchar,
        payload jsonb, event_id varchar)
    WHERE EXISTS (SELECT 1 FROM appended)
    ORDER BY n.n
    ON CONFLICT (notification_id) DO NOTHING
)"""

_PG_REQUEST = """claimed AS (
    INSERT INTO command_requests (local_authority, command_id, stream, request_hash)
    SELECT %(request_la)s::varchar, %(request_id)s::varchar, %(stream)s::varchar, %(request_hash)s::varchar
    WHERE EXISTS (SELECT 1 FROM appended)
)"""


@functools.cache
def _pg_append(at_head: bool, summary: bool, deadlines: bool, notifications: bool, request: bool = False) -> str:
    """The statement for one shape of append: the read models are written by data-modifying
    WITH queries that happen only if the events were inserted, and only the parts this append
    has are in it. One text per shape, so the server plans each once (psycopg prepares a
    statement it sees repeatedly) and never folds away parts at run time: a statement whose
    parts depended on its parameters was planned afresh for every append once the read models
    held rows, which tripled its cost."""
    parts = [_PG_EVENTS.format(head=_PG_HEADS[at_head])]
    parts += [part for part, wanted in ((_PG_SUMMARY, summary), (_PG_DEADLINES, deadlines),
                                        (_PG_NOTIFICATIONS, notifications), (_PG_REQUEST, request)) if wanted]
    return ", ".join(parts) + "\nSELECT position FROM appended"


def _postgresql(
    connection: psycopg.Connection, lock_key: int, expected_version: int, head_hash: str,
    batch: Sequence[StoredEvent], summary: JourneySummary | None, deadlines: Sequence[DeadlineRow] | None,
    notifications: Sequence[Notification], request: CommandRequest | None,
) -> int:
    # Each part travels as one JSON parameter, which the server unpacks in C.
    events = [
        {"n": n, "event_id": e.event_id, "type": e.type, "occurred_on": _iso(e.occurred_on), "actor": e.actor,
         "actor_role": e.actor_role, "command_id": e.command_id, "schema_version": e.schema_version,
         "data": e.data, "prev_hash": e.prev_hash, "hash": e.hash}
        for n, e in enumerate(batch, start=1)
    ]
    summaries = [] if summary is None else [{
        **vars(summary), "opened_on": _iso(summary.opened_on), "closed_on": _iso(summary.closed_on),
        "next_due_on": _iso(summary.next_due_on)}]
    deadline_rows = [
        {**vars(d), "due_on": _iso(d.due_on), "original_due_on": _iso(d.original_due_on),
         "reminder_on": _iso(d.reminder_on), "met_on": _iso(d.met_on)}
        for d in deadlines or ()
    ]
    statement = _pg_append(bool(expected_version), bool(summaries), deadlines is not None, bool(notifications),
                           request is not None)
    parameters = {
        "stream": batch[0].stream, "expected": expected_version, "head": head_hash, "lock": lock_key,
        "recorded_at": batch[0].recorded_at, "events": _JSON.encode(events), "summary": _JSON.encode(summaries),
        "deadlines": _JSON.encode(deadline_rows),
        "deadline_seqs": [d.seq for d in deadlines or ()],
        "notifications": _JSON.encode([{**vars(x), "n": n} for n, x in enumerate(notifications)]),
        "request_la": request and request.local_authority, "request_id": request and request.command_id,
        "request_hash": request and request.request_hash,
    }
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            positions = cursor.execute(statement, parameters).fetchall()
    except psycopg.IntegrityError:
        # An event id, version or position taken meanwhile, or a read model refused: the
        # careful path finds out which, and raises the read model's error itself.
        raise NotAtHead() from None
    except psycopg.Error as error:
        raise _wrapped(statement, error, psycopg) from None
    finally:
        connection.autocommit = False
    if not positions:
        raise NotAtHead()
    return min(row[0] for row in positions)


# --- SQLite ----------------------------------------------------------------------------------
# The connection is in autocommit mode and the store begins its own transactions
# (store/engine.py); BEGIN IMMEDIATE holds the write lock, so the head and the last
# position read here cannot change before the COMMIT, and no statement costs a round trip.

_SQLITE_EVENTS = (
    "INSERT INTO events (position, stream, version, event_id, type, occurred_on, recorded_at, actor, "
    "actor_role, command_id, schema_version, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_SQLITE_UPSERT_SUMMARY = _UPSERT_SUMMARY.format(values=", ".join(f":{c}" for c in _SUMMARY_COLUMNS))
_SQLITE_INSERT_DEADLINES = (
    f"INSERT INTO deadlines ({', '.join(_DEADLINE_COLUMNS)}) VALUES ({', '.join(f':{c}' for c in _DEADLINE_COLUMNS)})"
)
_SQLITE_CLAIM = "INSERT INTO command_requests (local_authority, command_id, stream, request_hash) VALUES (?, ?, ?, ?)"
_SQLITE_ENQUEUE = (
    f"INSERT INTO outbox ({', '.join(_OUTBOX_COLUMNS)}) VALUES ({', '.join(f':{c}' for c in _OUTBOX_COLUMNS)}) "
    "ON CONFLICT (notification_id) DO NOTHING"
)


def _sqlite(
    connection: sqlite3.Connection, expected_version: int, head_hash: str, batch: Sequence[StoredEvent],
    data_json: Sequence[str], summary: JourneySummary | None, deadlines: Sequence[DeadlineRow] | None,
    notifications: Sequence[Notification], request: CommandRequest | None,
) -> int:
    stream = batch[0].stream
    recorded = _sqlite_time(batch[0].recorded_at)
    statement = _SQLITE_EVENTS
    events_inserted = False
    cursor = connection.cursor()
    try:
        cursor.execute("BEGIN IMMEDIATE")
        head = cursor.execute(
            "SELECT version, hash FROM events WHERE stream = ? ORDER BY version DESC LIMIT 1", (stream,)
        ).fetchone()
        if (head or (0, head_hash)) != (expected_version, head_hash):
            raise NotAtHead()
        [last] = cursor.execute("SELECT coalesce(max(position), 0) FROM events").fetchone()
        if request is not None:
            # Before the events: a command id taken is NotAtHead, for the careful path (R7).
            statement = _SQLITE_CLAIM
            cursor.execute(_SQLITE_CLAIM, (request.local_authority, request.command_id, stream, request.request_hash))
            statement = _SQLITE_EVENTS
        cursor.executemany(_SQLITE_EVENTS, [
            (last + n, stream, e.version, e.event_id, e.type, _iso(e.occurred_on), recorded, e.actor,
             e.actor_role, e.command_id, e.schema_version, data, e.prev_hash, e.hash)
            for n, (e, data) in enumerate(zip(batch, data_json), start=1)
        ])
        events_inserted = True
        if summary is not None:
            statement = _SQLITE_UPSERT_SUMMARY
            cursor.execute(_SQLITE_UPSERT_SUMMARY, {
                **vars(summary), "opened_on": _iso(summary.opened_on), "closed_on": _iso(summary.closed_on),
                "next_due_on": _iso(summary.next_due_on),
                "linked_contexts": _JSON.encode(list(summary.linked_contexts)),
                "plan_findings": _JSON.encode(list(summary.plan_findings)),
                "view": None if summary.view is None else _JSON.encode(summary.view), "updated_at": recorded})
        if deadlines is not None:
            statement = _SQLITE_INSERT_DEADLINES
            cursor.execute("DELETE FROM deadlines WHERE journey_id = ?", (stream,))
            cursor.executemany(_SQLITE_INSERT_DEADLINES, [
                {**vars(d), "journey_id": stream, "due_on": _iso(d.due_on),
                 "original_due_on": _iso(d.original_due_on), "reminder_on": _iso(d.reminder_on),
                 "met_on": _iso(d.met_on)}
                for d in deadlines])
        statement = _SQLITE_ENQUEUE
        cursor.executemany(_SQLITE_ENQUEUE, [
            {**vars(x), "payload": _JSON.encode(x.payload), "created_at": recorded} for x in notifications])
        cursor.execute("COMMIT")
    except BaseException as error:
        if connection.in_transaction:
            cursor.execute("ROLLBACK")
        if isinstance(error, sqlite3.IntegrityError) and not events_inserted:
            raise NotAtHead() from None
        if isinstance(error, sqlite3.Error):
            raise _wrapped(statement, error, sqlite3) from None
        raise
    finally:
        cursor.close()
    return last + 1


# --- both ------------------------------------------------------------------------------------

def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _sqlite_time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime(SQLITE_DATETIME)


def _wrapped(statement: str, error: Exception, driver: Any) -> DBAPIError:
    """The driver's error as SQLAlchemy raises it elsewhere in the store, with the values
    that were being written left out (they may name a child, and errors end up in logs)."""
    return DBAPIError.instance(statement, None, error, driver.Error, hide_parameters=True)
