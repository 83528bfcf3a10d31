"""The migrations: idempotent, reversible, and in step with store/schema.py."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from store.engine import make_engine, migrate
from store.events import EventStore
from store.migrations import alembic_config
from store.schema import metadata
from store_factories import new_events, new_journey_id

HEAD = "0009"
TABLES = {
    "events", "journeys", "deadlines", "outbox", "roth_chairs", "checkpoints", "access_log", "population_baselines",
    "dashboard_sessions", "command_requests",
}


def revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def describe(engine: Engine) -> dict:
    inspector = inspect(engine)
    return {
        table: (
            [column["name"] for column in inspector.get_columns(table)],
            sorted(index["name"] for index in inspector.get_indexes(table)),
            sorted(str(unique["name"]) for unique in inspector.get_unique_constraints(table)),
        )
        for table in sorted(inspector.get_table_names())
    }


def test_upgrading_an_up_to_date_database_changes_nothing(
    store_url: str, store_engine: Engine, event_store: EventStore
) -> None:
    stored = event_store.append(new_journey_id(), 0, new_events(2))
    schema = describe(store_engine)

    migrate(store_url)
    migrate(store_url)

    assert revision(store_engine) == HEAD
    assert describe(store_engine) == schema
    assert event_store.read_all() == stored


def test_downgrade_to_base_then_upgrade_rebuilds_everything(
    store_url: str, store_engine: Engine
) -> None:
    with store_engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")

    assert set(inspect(store_engine).get_table_names()) & TABLES == set()
    assert revision(store_engine) is None

    migrate(store_url)

    assert revision(store_engine) == HEAD
    assert set(inspect(store_engine).get_table_names()) >= TABLES
    store = EventStore(store_engine)
    store.append(new_journey_id(), 0, new_events(2))
    with pytest.raises(DBAPIError, match="events are append-only"):
        with store_engine.begin() as connection:
            connection.execute(text("DELETE FROM events"))
    assert store.verify().ok


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_the_app_role_keeps_exactly_its_grants_through_a_downgrade_and_upgrade(
    store_url: str, store_engine: Engine
) -> None:
    def privileges() -> dict[str, set[str]]:
        with store_engine.connect() as connection:
            return {
                table: {
                    privilege
                    for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE")
                    if connection.execute(
                        text("SELECT has_table_privilege('pathways_app', :t, :p)"),
                        {"t": table, "p": privilege},
                    ).scalar_one()
                }
                for table in sorted(TABLES)
            }

    expected = {
        "events": {"SELECT", "INSERT"},
        "journeys": {"SELECT", "INSERT", "UPDATE", "DELETE"},
        "deadlines": {"SELECT", "INSERT", "UPDATE", "DELETE"},
        "outbox": {"SELECT", "INSERT", "UPDATE", "DELETE"},
        # A chair leaves the pool by being marked inactive, never by deleting its row.
        "roth_chairs": {"SELECT", "INSERT", "UPDATE"},
        # Records of what happened: read and appended, never rewritten.
        "checkpoints": {"SELECT", "INSERT"},
        "access_log": {"SELECT", "INSERT"},
        # A new baseline is a new row: the ones reports were published with stay as they were.
        "population_baselines": {"SELECT", "INSERT"},
        # Sign-in credentials that expire, not records: created, refreshed and deleted.
        "dashboard_sessions": {"SELECT", "INSERT", "UPDATE", "DELETE"},
        # Which request a command id answered: recorded with its events, never changed.
        "command_requests": {"SELECT", "INSERT"},
    }
    assert privileges() == expected

    with store_engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
    migrate(store_url)

    assert privileges() == expected


def test_the_migrated_schema_matches_store_schema(store_engine: Engine) -> None:
    with store_engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)

    assert differences == []


def test_migrate_accepts_a_plain_postgresql_url(store_url: str) -> None:
    # libpq-style URLs, as operators copy them, select the psycopg 3 driver.
    plain = store_url.replace("postgresql+psycopg://", "postgresql://")
    migrate(plain)
    engine = make_engine(plain)
    try:
        assert revision(engine) == HEAD
        assert engine.dialect.name != "postgresql" or engine.driver == "psycopg"
    finally:
        engine.dispose()
