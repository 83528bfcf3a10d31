"""The store's contract suite (tests/store/contract.py), run once per database engine.

Each class pins `store_url` (tests/conftest.py) to its engine, so PostgreSQL runs here as
everywhere else: on the server given, or on a throwaway one started for the session, never
skipped. What only one engine has (a session time zone, roles and TRUNCATE) is tested in its
class alone.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from contract import EventStoreContract
from store import chain
from store.engine import make_engine
from store.port import JourneyStore
from store_factories import TickingClock, deadline, new_events, new_journey_id, notification, summary

INSUFFICIENT_PRIVILEGE = "42501"


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
class TestSQLiteEventStore(EventStoreContract):
    @pytest.fixture
    def unreachable_url(self, store_url: str) -> str:
        # Beside the test's database, in a folder that is not there: SQLite cannot create it.
        folder = Path(make_url(store_url).database).parent
        return f"sqlite:///{folder / 'no-such-folder' / 'pathways.db'}"


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
class TestPostgresEventStore(EventStoreContract):
    @pytest.fixture
    def unreachable_url(self, store_url: str) -> str:
        # The test's server and database, at a port nothing listens on: refused at once.
        return make_url(store_url).set(host="127.0.0.1", port=1).render_as_string(hide_password=False)

    def test_r5_a_session_in_another_time_zone_reads_the_same_hashes(self, store_url: str) -> None:
        writer, reader = make_engine(store_url), make_engine(store_url)

        @event.listens_for(reader, "connect")
        def _far_away(dbapi_connection, connection_record) -> None:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SET TIME ZONE 'Pacific/Chatham'")
            dbapi_connection.commit()

        try:
            journey_id = new_journey_id()
            appended = self.new_store(writer, clock=TickingClock()).append(journey_id, 0, new_events(2))
            read_back = self.new_store(reader).read_stream(journey_id)

            assert read_back == appended
            assert all(e.recorded_at.utcoffset() == timedelta(0) for e in read_back)
            assert [chain.format_recorded_at(e.recorded_at) for e in read_back] == [
                "2026-03-02T10:15:00.123456+00:00"
            ] * 2
            assert self.new_store(reader).verify().ok
        finally:
            writer.dispose()
            reader.dispose()

    def test_r10_the_trigger_refuses_truncate(self, logged: JourneyStore, store_engine: Engine) -> None:
        with pytest.raises(DBAPIError, match="events are append-only"):
            with store_engine.begin() as connection:
                connection.execute(text("TRUNCATE events"))

        assert len(logged.read_all()) == 3

    def test_r10_the_app_role_can_do_everything_the_store_does(self, app_engine: Engine) -> None:
        store = self.new_store(app_engine)
        journey_id = new_journey_id()
        batch = new_events(2)

        store.append(
            journey_id,
            0,
            batch,
            summary=summary(journey_id, 2),
            deadlines=[deadline(1)],
            notifications=[notification(journey_id, batch[0].event_id)],
        )
        store.append(journey_id, 2, new_events(1), summary=summary(journey_id, 3), deadlines=[])
        store.mark_delivered(notification(journey_id, batch[0].event_id).notification_id)

        with app_engine.connect() as connection:
            assert connection.execute(text("SELECT current_user")).scalar_one() == "pathways_app"
        assert store.stream_version(journey_id) == 3
        assert store.journey(journey_id) == summary(journey_id, 3)
        assert store.undelivered_notifications() == []
        assert store.verify().ok

    @pytest.mark.parametrize(
        "statement",
        [
            "UPDATE events SET type = 'Rewritten'",
            "DELETE FROM events",
            "TRUNCATE events",
            # Nor can it switch the triggers off: only the owner may alter the table.
            "ALTER TABLE events DISABLE TRIGGER USER",
        ],
    )
    def test_r10_the_app_role_is_not_permitted_to_change_events(
        self, logged: JourneyStore, app_engine: Engine, statement: str
    ) -> None:
        with pytest.raises(DBAPIError) as refused:
            with app_engine.begin() as connection:
                connection.execute(text(statement))

        assert refused.value.orig.sqlstate == INSUFFICIENT_PRIVILEGE
        assert len(logged.read_all()) == 3
