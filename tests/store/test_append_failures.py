"""The persist activity against real databases (SQLite and PostgreSQL): a batch the event log
cannot store as it is fails non-retryably, typed `not_recordable`, with nothing written (the
workflow refuses the command); a failure that may pass on its own (a lock held too long) is
raised as it is, for Temporal to retry."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError, TimeoutError as PoolTimeout
from temporalio.exceptions import ApplicationError

from activities.journey import JourneyActivities
from activities.names import NOT_RECORDABLE
from domain.codec import to_data
from store.errors import EventIdConflict, StaleVersion, is_deterministic
from store.events import APPEND_LOCK_KEY, EventStore
from store_factories import deadline, is_postgresql, new_event, new_journey_id, row_counts, summary


def request(stream: str, events, summary=None, deadlines=None) -> dict:
    """The persist activity's input, in the plain form the workflow sends."""
    return {"stream": stream, "expected_version": 0, "events": to_data(events), "summary": to_data(summary),
            "deadlines": None if deadlines is None else to_data(deadlines), "notifications": []}


def refused(activities: JourneyActivities, payload: dict) -> ApplicationError:
    with pytest.raises(ApplicationError) as raised:
        activities.persist_journey_events(payload)
    assert raised.value.non_retryable and raised.value.type == NOT_RECORDABLE
    return raised.value


def test_a_value_the_log_cannot_hold_fails_for_good_and_writes_nothing(store_engine: Engine) -> None:
    activities = JourneyActivities(EventStore(store_engine))
    journey = new_journey_id()
    secret = "park\u0000name"
    for batch in ([new_event(data={"views": secret})],  # PostgreSQL cannot store NUL in text
                  [new_event(data={"views": "half\udfff"})],  # nor can UTF-8 encode a lone surrogate
                  [new_event(command_id="c" * 65)]):  # longer than its column
        error = refused(activities, request(journey, batch))
        assert secret not in str(error)  # named by the error's type only
    assert row_counts(store_engine)["events"] == 0


def test_a_database_constraint_fails_for_good_and_writes_nothing(store_engine: Engine) -> None:
    activities = JourneyActivities(EventStore(store_engine))
    journey = new_journey_id()
    twice = [deadline(1), deadline(1)]  # the deadlines' primary key refuses the second
    refused(activities, request(journey, [new_event()], summary(journey, 1), twice))
    assert row_counts(store_engine) == {"events": 0, "journeys": 0, "deadlines": 0, "outbox": 0, "command_requests": 0}
    # The same journey's next batch is stored: nothing was left half-written.
    [stored] = activities.persist_journey_events(request(journey, [new_event()], summary(journey, 1), [deadline(1)]))
    assert stored["version"] == 1


def test_a_lock_held_too_long_is_raised_as_it_is_to_be_retried(store_url: str, store_engine: Engine) -> None:
    postgresql = is_postgresql(store_engine)

    @event.listens_for(store_engine, "connect")
    def _impatient(dbapi_connection, connection_record) -> None:
        # After the engine's own settings: wait a moment for a lock, not the usual half minute.
        cursor = dbapi_connection.cursor()
        cursor.execute("SET lock_timeout = '200ms'" if postgresql else "PRAGMA busy_timeout = 200")
        cursor.close()
        if postgresql:
            dbapi_connection.commit()

    activities = JourneyActivities(EventStore(store_engine))
    with _append_lock_held(store_url, store_engine, postgresql):
        with pytest.raises(OperationalError) as raised:
            activities.persist_journey_events(request(new_journey_id(), [new_event()]))
    assert not is_deterministic(raised.value)
    assert row_counts(store_engine)["events"] == 0


class _append_lock_held:
    """Another session holding what every append waits for: PostgreSQL's append lock, or
    SQLite's write lock."""

    def __init__(self, url: str, engine: Engine, postgresql: bool) -> None:
        self.url, self.engine, self.postgresql = url, engine, postgresql

    def __enter__(self):
        if self.postgresql:
            self.connection = self.engine.connect()
            self.connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": APPEND_LOCK_KEY})
        else:
            self.connection = sqlite3.connect(self.url.removeprefix("sqlite:///"), isolation_level=None)
            self.connection.execute("BEGIN IMMEDIATE")
        return self

    def __exit__(self, *exc) -> None:
        if self.postgresql:
            self.connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": APPEND_LOCK_KEY})
        else:
            self.connection.execute("ROLLBACK")
        self.connection.close()


def _wrapped(error: Exception, cls=DBAPIError, **kwargs) -> DBAPIError:
    return cls("INSERT INTO events ...", None, error, **kwargs)


@pytest.mark.parametrize("error, deterministic", [
    (ValueError("strings may not contain NUL characters"), True),
    (UnicodeEncodeError("utf-8", "\udfff", 0, 1, "surrogates not allowed"), True),
    (TypeError("unsupported type"), True),
    (_wrapped(sqlite3.IntegrityError("CHECK constraint failed"), IntegrityError), True),
    (_wrapped(sqlite3.DataError("string or blob too big"), DataError), True),
    (_wrapped(sqlite3.OperationalError("database is locked"), OperationalError), False),
    (_wrapped(sqlite3.DatabaseError("disk I/O error"), connection_invalidated=True), False),
    (_wrapped(sqlite3.IntegrityError("constraint"), IntegrityError, connection_invalidated=True), False),
    (_wrapped(sqlite3.ProgrammingError("no such table: events")), False),  # an operator's to mend
    (PoolTimeout("QueuePool limit reached"), False),
    (ConnectionRefusedError(), False),
    (StaleVersion("s", 1, 2), False),
    (EventIdConflict("s", "ids in another stream"), False),
    (threading.ThreadError(), False),
])
def test_which_failures_retrying_cannot_mend(error: Exception, deterministic: bool) -> None:
    assert is_deterministic(error) is deterministic


@pytest.mark.parametrize("sqlstate, deterministic", [
    ("22P05", True),  # untranslatable character (NUL in JSONB)
    ("22001", True),  # string data right truncation
    ("23514", True),  # check violation
    ("21000", True),  # cardinality violation
    ("40001", False),  # serialization failure
    ("40P01", False),  # deadlock detected
    ("55P03", False),  # lock not available
    ("57014", False),  # query cancelled (statement timeout)
    ("57P01", False),  # the server shutting down
    ("08006", False),  # connection failure
    ("53300", False),  # too many connections
    ("42P01", False),  # undefined table: a migration not yet run
    ("42501", False),  # insufficient privilege: a grant not yet given
])
def test_which_postgresql_errors_retrying_cannot_mend(sqlstate: str, deterministic: bool) -> None:
    import psycopg

    driver_error = psycopg.errors.lookup(sqlstate)("from the server")
    assert is_deterministic(DBAPIError.instance("INSERT ...", None, driver_error, psycopg.Error)) is deterministic
