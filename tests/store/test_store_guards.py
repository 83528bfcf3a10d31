"""The database itself refuses to rewrite history, whatever the application does."""

from __future__ import annotations


import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from store.events import EventStore
from store_factories import deadline, new_events, new_journey_id, notification, summary

postgresql_only = pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)

INSUFFICIENT_PRIVILEGE = "42501"


@pytest.fixture
def logged(event_store: EventStore) -> EventStore:
    journey_id = new_journey_id()
    event_store.append(journey_id, 0, new_events(3))
    return event_store


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events SET type = 'Rewritten' WHERE version = 2",
        "UPDATE events SET data = data",
        "DELETE FROM events WHERE version = 3",
        "DELETE FROM events",
    ],
)
def test_the_trigger_refuses_updates_and_deletes(
    logged: EventStore, store_engine: Engine, statement: str
) -> None:
    before = logged.read_all()

    with pytest.raises(DBAPIError, match="events are append-only"):
        with store_engine.begin() as connection:
            connection.execute(text(statement))

    assert logged.read_all() == before


@postgresql_only
def test_the_trigger_refuses_truncate(logged: EventStore, store_engine: Engine) -> None:
    with pytest.raises(DBAPIError, match="events are append-only"):
        with store_engine.begin() as connection:
            connection.execute(text("TRUNCATE events"))

    assert len(logged.read_all()) == 3


@postgresql_only
def test_the_app_role_can_do_everything_the_store_does(app_engine: Engine) -> None:
    store = EventStore(app_engine)
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


@postgresql_only
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
def test_the_app_role_is_not_permitted_to_change_events(
    logged: EventStore, app_engine: Engine, statement: str
) -> None:
    with pytest.raises(DBAPIError) as refused:
        with app_engine.begin() as connection:
            connection.execute(text(statement))

    assert refused.value.orig.sqlstate == INSUFFICIENT_PRIVILEGE
    assert len(logged.read_all()) == 3
