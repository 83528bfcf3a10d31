"""An engine that waits a bounded time for locks (make_engine's `lock_wait_seconds`), as the
journey clock's appends do (activities/journey.py): while another transaction holds the
append lock (R4), its append fails within about that wait and writes nothing, and
`takes_appends` says so; once the lock is free, both go through."""

from __future__ import annotations

import contextlib
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from store.engine import for_writing, make_engine
from store.events import APPEND_LOCK_KEY, EventStore
from store_factories import is_postgresql, new_events, new_journey_id


@contextlib.contextmanager
def append_lock_held(engine):
    """Another writer holding what every append needs: SQLite's write lock (BEGIN IMMEDIATE),
    PostgreSQL's append lock."""
    with for_writing(engine).connect() as connection:
        connection.begin()
        if is_postgresql(engine):
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": APPEND_LOCK_KEY})
        yield
        connection.rollback()


def test_an_append_with_a_bounded_wait_gives_way_to_a_held_lock_and_writes_nothing(store_url, event_store):
    bounded = EventStore(make_engine(store_url, lock_wait_seconds=0.5))
    stream = new_journey_id()
    try:
        with append_lock_held(event_store.engine):
            assert not bounded.takes_appends()
            began = time.monotonic()
            with pytest.raises(DBAPIError):
                bounded.append(stream, 0, new_events(1))
            assert time.monotonic() - began < 5
        assert event_store.read_stream(stream) == []
        assert bounded.takes_appends()
        assert [e.version for e in bounded.append(stream, 0, new_events(1))] == [1]
    finally:
        bounded.engine.dispose()


def test_a_database_that_cannot_be_reached_takes_no_appends(tmp_path):
    unreachable = EventStore(make_engine(f"sqlite:///{tmp_path / 'no-such-folder' / 'pathways.db'}"))
    assert not unreachable.takes_appends()
