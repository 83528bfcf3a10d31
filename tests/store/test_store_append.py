"""The append contract (R1-R6 in store/events.py), run on SQLite and on PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError, IntegrityError

from store import chain
from store.engine import make_engine
from store.errors import EventIdConflict, StaleVersion
from store.events import EventStore
from store_factories import (
    TickingClock,
    deadline,
    event_data,
    new_event,
    new_events,
    new_journey_id,
    notification,
    refuse_inserts,
    row_counts,
    summary,
)


@pytest.fixture
def clock() -> TickingClock:
    return TickingClock()


@pytest.fixture
def store(store_engine: Engine, clock: TickingClock) -> EventStore:
    return EventStore(store_engine, clock=clock)


@pytest.fixture
def journey(store: EventStore) -> str:
    """A journey with one event, a summary, one deadline and one notification."""
    journey_id = new_journey_id()
    [opened] = store.append(
        journey_id,
        0,
        [new_event("JourneyOpened")],
        summary=summary(journey_id, 1),
        deadlines=[deadline(1)],
        notifications=[],
    )
    store.append(
        journey_id,
        1,
        [new_event("StrategyDiscussionHeld")],
        summary=summary(journey_id, 2),
        notifications=[notification(journey_id, opened.event_id)],
    )
    return journey_id


def snapshot(store: EventStore, engine: Engine, journey_id: str) -> tuple:
    return (
        row_counts(engine),
        store.read_all(),
        store.journey(journey_id),
        store.deadlines(journey_id),
        store.undelivered_notifications(),
    )


# --- R1: one transaction ------------------------------------------------------------


def test_r1_everything_given_is_written_together(store: EventStore) -> None:
    journey_id = new_journey_id()
    batch = new_events(2)
    stored = store.append(
        journey_id,
        0,
        batch,
        summary=summary(journey_id, 2),
        deadlines=[deadline(1), deadline(2, kind="child_protection_conference")],
        notifications=[notification(journey_id, batch[1].event_id)],
    )

    assert [event.event_id for event in stored] == [event.event_id for event in batch]
    assert store.journey(journey_id) == summary(journey_id, 2)
    assert store.deadlines(journey_id) == [
        deadline(1),
        deadline(2, kind="child_protection_conference"),
    ]
    assert store.undelivered_notifications() == [notification(journey_id, batch[1].event_id)]


@pytest.mark.parametrize("failing_part", ["summary", "deadlines", "notifications"])
def test_r1_a_failing_part_leaves_everything_as_it_was(
    store: EventStore, store_engine: Engine, journey: str, failing_part: str
) -> None:
    batch = new_events(2)
    parts = dict(
        summary=summary(journey, 4),
        deadlines=[deadline(1, status="met", met_on=date(2026, 3, 10)), deadline(2)],
        notifications=[notification(journey, batch[0].event_id)],
    )
    # Each fails in the database, after the events were inserted in the same transaction.
    if failing_part == "summary":
        parts["summary"] = summary(journey, 4, pathway="xyz")  # CHECK constraint
    elif failing_part == "deadlines":
        parts["deadlines"] = [deadline(1), deadline(1)]  # primary key
    else:
        refuse_inserts(store_engine, "outbox")
    before = snapshot(store, store_engine, journey)

    with pytest.raises(DBAPIError):
        store.append(journey, 2, batch, **parts)

    assert snapshot(store, store_engine, journey) == before
    assert store.stream_version(journey) == 2


def test_r1_database_errors_do_not_carry_what_was_written(
    store: EventStore, store_engine: Engine, journey: str
) -> None:
    # Error messages end up in logs, and payloads may name a child.
    secret = "Name Surname, 12 Example Road"
    batch = [new_event(data={"note": secret})]
    refuse_inserts(store_engine, "outbox")

    with pytest.raises(DBAPIError) as failed:
        store.append(
            journey, 2, batch, notifications=[notification(journey, "e", payload={"to": secret})]
        )

    assert "refused by test" in str(failed.value)
    assert secret not in str(failed.value)


@pytest.mark.parametrize("table", ["events", "outbox"])
def test_r1_missing_required_values_are_refused_before_the_database_sees_them(
    store: EventStore, store_engine: Engine, table: str
) -> None:
    # PostgreSQL's NOT NULL error would quote the failing row, data and all.
    secret = "Name Surname, 12 Example Road"
    journey_id = new_journey_id()
    if table == "events":
        batch, notifications = [replace(new_event(data={"note": secret}), actor=None)], []
    else:
        batch = new_events(1)
        notifications = [
            notification(journey_id, "e", payload={"to": secret}, local_authority=None)
        ]

    with pytest.raises(ValueError) as refused:
        store.append(journey_id, 0, batch, notifications=notifications)

    assert secret not in str(refused.value)
    assert row_counts(store_engine) == {"events": 0, "journeys": 0, "deadlines": 0, "outbox": 0, "command_requests": 0}


def test_r1_a_failed_append_leaves_no_gap_in_positions(store: EventStore, journey: str) -> None:
    with pytest.raises(IntegrityError):
        store.append(journey, 2, new_events(1), summary=summary(journey, 3, pathway="xyz"))

    [stored] = store.append(journey, 2, new_events(1), summary=summary(journey, 3))

    assert stored.position == 3
    assert stored.version == 3


def test_r1_deadlines_none_keeps_them_and_empty_clears_them(
    store: EventStore, journey: str
) -> None:
    store.append(journey, 2, new_events(1), deadlines=None)
    assert store.deadlines(journey) == [deadline(1)]

    store.append(journey, 3, new_events(1), deadlines=[deadline(1, status="met"), deadline(2)])
    assert store.deadlines(journey) == [deadline(1, status="met"), deadline(2)]

    store.append(journey, 4, new_events(1), deadlines=[])
    assert store.deadlines(journey) == []


def test_r1_summary_is_upserted_and_other_journeys_are_untouched(store: EventStore) -> None:
    first, second = new_journey_id(), new_journey_id()
    store.append(first, 0, new_events(1), summary=summary(first, 1), deadlines=[deadline(1)])
    store.append(second, 0, new_events(1), summary=summary(second, 1), deadlines=[deadline(1)])

    store.append(
        first,
        1,
        new_events(1),
        summary=summary(first, 2, closed=True, closed_on=date(2026, 4, 1), pathway=None),
        deadlines=[],
    )

    assert store.journey(first) == summary(
        first, 2, closed=True, closed_on=date(2026, 4, 1), pathway=None
    )
    assert store.journey(second) == summary(second, 1)
    assert store.deadlines(second) == [deadline(1)]
    assert store.journey(new_journey_id()) is None


# --- R2: idempotent on event id ------------------------------------------------------


def test_r2_a_retried_batch_returns_the_stored_events_and_writes_nothing(
    store: EventStore, store_engine: Engine
) -> None:
    journey_id = new_journey_id()
    batch = new_events(3)
    first = store.append(
        journey_id,
        0,
        batch,
        summary=summary(journey_id, 3),
        deadlines=[deadline(1)],
        notifications=[notification(journey_id, batch[0].event_id)],
    )
    before = snapshot(store, store_engine, journey_id)

    retried = store.append(
        journey_id,
        0,
        batch,
        # Different read models: a retry must not write them.
        summary=summary(journey_id, 3, stage="changed"),
        deadlines=[deadline(7)],
        notifications=[notification(journey_id, batch[0].event_id, key="other")],
    )

    assert retried == first
    assert snapshot(store, store_engine, journey_id) == before


def test_r2_is_checked_before_the_version_so_a_late_retry_is_not_stale(
    store: EventStore, store_engine: Engine
) -> None:
    journey_id = new_journey_id()
    batch = new_events(2)
    first = store.append(journey_id, 0, batch)
    store.append(journey_id, 2, new_events(1))
    counts = row_counts(store_engine)

    assert store.append(journey_id, 0, batch) == first
    assert row_counts(store_engine) == counts


@pytest.mark.parametrize(
    "shape",
    ["stored_then_new", "new_then_stored", "other_order", "other_stream", "subset_of_stored"],
)
def test_r2_a_batch_that_is_not_an_exact_retry_is_refused(
    store: EventStore, store_engine: Engine, shape: str
) -> None:
    journey_id, other_journey = new_journey_id(), new_journey_id()
    batch = new_events(2)
    store.append(journey_id, 0, batch)
    fresh = new_event()
    stream, attempt = {
        "stored_then_new": (journey_id, [batch[0], fresh]),
        "new_then_stored": (journey_id, [fresh, batch[1]]),
        "other_order": (journey_id, [batch[1], batch[0]]),
        "other_stream": (other_journey, batch),
        "subset_of_stored": (journey_id, [batch[1], fresh]),
    }[shape]
    counts = row_counts(store_engine)

    with pytest.raises(EventIdConflict) as refused:
        store.append(stream, 2 if stream == journey_id else 0, attempt)

    assert refused.value.stream == stream
    assert row_counts(store_engine) == counts


def test_r2_a_single_stored_event_of_a_batch_counts_as_an_exact_retry(store: EventStore) -> None:
    # A batch of one that was the second event of an earlier batch is still stored,
    # in this stream, in order: the store has it, so it says so.
    journey_id = new_journey_id()
    batch = new_events(2)
    stored = store.append(journey_id, 0, batch)

    assert store.append(journey_id, 1, [batch[1]]) == [stored[1]]


def test_r2_a_batch_may_not_repeat_an_event_id(store: EventStore) -> None:
    event = new_event()
    with pytest.raises(ValueError):
        store.append(new_journey_id(), 0, [event, event])


# --- R3: optimistic concurrency ------------------------------------------------------


def test_r3_versions_are_contiguous_from_one(store: EventStore) -> None:
    journey_id = new_journey_id()
    store.append(journey_id, 0, new_events(2))
    store.append(journey_id, 2, new_events(1))
    store.append(journey_id, 3, new_events(3))

    assert [event.version for event in store.read_stream(journey_id)] == [1, 2, 3, 4, 5, 6]
    assert store.stream_version(journey_id) == 6


@pytest.mark.parametrize("expected", [0, 1, 3])
def test_r3_a_stale_expected_version_is_refused_and_writes_nothing(
    store: EventStore, store_engine: Engine, journey: str, expected: int
) -> None:
    before = snapshot(store, store_engine, journey)
    batch = new_events(1)

    with pytest.raises(StaleVersion) as stale:
        store.append(
            journey,
            expected,
            batch,
            summary=summary(journey, 9),
            deadlines=[],
            notifications=[notification(journey, batch[0].event_id)],
        )

    assert (stale.value.stream, stale.value.expected, stale.value.actual) == (journey, expected, 2)
    assert str(stale.value) == (
        f"stream {journey} is at version 2, but the append expected version {expected}"
    )
    assert snapshot(store, store_engine, journey) == before


def test_r3_a_new_stream_expects_version_zero(store: EventStore, store_engine: Engine) -> None:
    journey_id = new_journey_id()
    with pytest.raises(StaleVersion) as stale:
        store.append(journey_id, 1, new_events(1))

    assert stale.value.actual == 0
    assert store.stream_version(journey_id) == 0
    assert row_counts(store_engine)["events"] == 0


def test_r3_two_writers_to_one_stream_each_see_the_other(store_engine: Engine) -> None:
    # Each store remembers the heads it appended (the one-statement append relies on it);
    # another process appending to the same stream must neither be missed nor overwritten.
    first, second = EventStore(store_engine), EventStore(store_engine)
    journey_id = new_journey_id()
    first.append(journey_id, 0, new_events(1))
    second.append(journey_id, 1, new_events(2))
    [third] = first.append(journey_id, 3, new_events(1))  # first's memory says version 1

    with pytest.raises(StaleVersion):
        second.append(journey_id, 3, new_events(1))  # second's memory says version 3
    assert third.version == 4
    assert [e.version for e in second.read_stream(journey_id)] == [1, 2, 3, 4]
    assert first.verify().ok


# --- R5: hash chain ------------------------------------------------------------------


def test_r5_each_event_links_to_the_previous_one_in_its_stream(store: EventStore) -> None:
    journey_id, other = new_journey_id(), new_journey_id()
    store.append(journey_id, 0, new_events(2))
    store.append(other, 0, new_events(1))  # interleaved: chains are per stream
    store.append(journey_id, 2, new_events(2))

    stored = store.read_stream(journey_id)

    assert stored[0].prev_hash == "0" * 64
    for previous, event in zip(stored, stored[1:]):
        assert event.prev_hash == previous.hash
    for event in stored:
        assert event.hash == chain.link(event.prev_hash, chain.envelope_of(event))
    assert store.read_stream(other)[0].prev_hash == "0" * 64


def test_r5_stored_events_read_back_exactly_as_append_returned_them(store: EventStore) -> None:
    journey_id = new_journey_id()
    appended = store.append(journey_id, 0, new_events(2, command_id="cmd-1"))
    appended += store.append(journey_id, 2, [new_event(occurred_on=None)])

    assert store.read_stream(journey_id) == appended
    assert store.read_all() == appended


def test_r5_recorded_at_is_the_clock_in_utc_to_the_microsecond(store_engine: Engine) -> None:
    # A clock in another zone, with microseconds: the stored instant is the same and is
    # written out in UTC, identically after the round trip through either engine.
    london_summer = timezone(timedelta(hours=1))
    reading = datetime(2026, 7, 2, 11, 15, 0, 123456, tzinfo=london_summer)
    store = EventStore(store_engine, clock=lambda: reading)
    journey_id = new_journey_id()

    [appended] = store.append(journey_id, 0, new_events(1))
    [read_back] = store.read_stream(journey_id)

    for event in (appended, read_back):
        assert event.recorded_at == reading
        assert event.recorded_at.utcoffset() == timedelta(0)
        assert chain.format_recorded_at(event.recorded_at) == "2026-07-02T10:15:00.123456+00:00"
    assert read_back.hash == chain.link(read_back.prev_hash, chain.envelope_of(read_back))


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_r5_a_session_in_another_time_zone_reads_the_same_hashes(store_url: str) -> None:
    writer, reader = make_engine(store_url), make_engine(store_url)

    @event.listens_for(reader, "connect")
    def _far_away(dbapi_connection, connection_record) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'Pacific/Chatham'")
        dbapi_connection.commit()

    try:
        journey_id = new_journey_id()
        appended = EventStore(writer, clock=TickingClock()).append(journey_id, 0, new_events(2))
        read_back = EventStore(reader).read_stream(journey_id)

        assert read_back == appended
        assert all(e.recorded_at.utcoffset() == timedelta(0) for e in read_back)
        assert [chain.format_recorded_at(e.recorded_at) for e in read_back] == [
            "2026-03-02T10:15:00.123456+00:00"
        ] * 2
        assert EventStore(reader).verify().ok
    finally:
        writer.dispose()
        reader.dispose()


def test_r5_one_batch_shares_one_recorded_at(store: EventStore, clock: TickingClock) -> None:
    stored = store.append(new_journey_id(), 0, new_events(3))

    assert {event.recorded_at for event in stored} == {clock.last}


def test_r5_the_clock_must_be_timezone_aware(store_engine: Engine) -> None:
    store = EventStore(store_engine, clock=lambda: datetime(2026, 3, 2, 10, 15))
    with pytest.raises(ValueError):
        store.append(new_journey_id(), 0, new_events(1))


def test_r5_json_data_round_trips_unchanged(store: EventStore) -> None:
    data = {
        "text": "Zoë's ‘notes’ — 日本語 \U0001f600 \"quoted\" \\ \n",
        "largest_safe_integer": 2**53 - 1,
        "negative": -7,
        "flags": [True, False, None, 0, 1],
        "nested": {"b": {"c": []}, "a": {}},
        "": "empty key",
    }
    journey_id = new_journey_id()
    store.append(journey_id, 0, [new_event(data=data)])

    [event] = store.read_stream(journey_id)

    assert event.data == data
    assert [type(value) for value in event.data["flags"]] == [bool, bool, type(None), int, int]
    assert store.verify().ok


@settings(
    max_examples=25,
    deadline=None,
    # Each example appends to a stream of its own, so sharing the database is harmless.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=event_data)
def test_r5_any_accepted_data_reads_back_equal_and_hashing_the_same(
    store: EventStore, data: dict
) -> None:
    journey_id = new_journey_id()
    [appended] = store.append(journey_id, 0, [new_event(data=data)])
    [read_back] = store.read_stream(journey_id)

    assert read_back == appended
    assert read_back.hash == chain.link(read_back.prev_hash, chain.envelope_of(read_back))


def test_r5_later_changes_to_the_callers_dict_do_not_change_what_was_stored(
    store: EventStore,
) -> None:
    data = {"items": [1, 2]}
    journey_id = new_journey_id()
    [appended] = store.append(journey_id, 0, [new_event(data=data)])
    data["items"].append(3)

    assert appended.data == {"items": [1, 2]}
    assert store.read_stream(journey_id)[0].data == {"items": [1, 2]}


# --- R6: outbox inserts are idempotent ----------------------------------------------


def test_r6_a_notification_id_is_enqueued_once(store: EventStore, store_engine: Engine) -> None:
    journey_id = new_journey_id()
    batch = new_events(1)
    once = notification(journey_id, batch[0].event_id)
    store.append(journey_id, 0, batch, notifications=[once, once])
    store.append(
        journey_id,
        1,
        new_events(1),
        notifications=[replace(once, type="something_else"), notification(journey_id, "x", "2")],
    )

    assert store.undelivered_notifications() == [once, notification(journey_id, "x", "2")]
    assert row_counts(store_engine)["outbox"] == 2


def test_r6_a_delivered_notification_is_not_enqueued_again(store: EventStore) -> None:
    journey_id = new_journey_id()
    batch = new_events(1)
    sent = notification(journey_id, batch[0].event_id)
    store.append(journey_id, 0, batch, notifications=[sent])
    store.mark_delivered(sent.notification_id)

    store.append(journey_id, 1, new_events(1), notifications=[sent])

    assert store.undelivered_notifications() == []


# --- the outbox's delivery side ------------------------------------------------------


def test_undelivered_notifications_come_oldest_first_up_to_the_limit(store: EventStore) -> None:
    journey_id = new_journey_id()
    queued = [notification(journey_id, f"event-{n}") for n in range(5)]
    store.append(journey_id, 0, new_events(1), notifications=queued[:3])
    store.append(journey_id, 1, new_events(1), notifications=queued[3:])

    assert store.undelivered_notifications(limit=4) == queued[:4]

    store.mark_delivered(queued[1].notification_id)
    store.mark_delivered(queued[1].notification_id)  # twice: harmless

    assert store.undelivered_notifications() == [queued[0], *queued[2:]]


def test_marking_an_unknown_notification_delivered_is_an_error(store: EventStore) -> None:
    with pytest.raises(KeyError):
        store.mark_delivered("no-such-notification")


# --- reads ---------------------------------------------------------------------------


def test_read_all_pages_by_position(store: EventStore) -> None:
    first, second = new_journey_id(), new_journey_id()
    store.append(first, 0, new_events(2))
    store.append(second, 0, new_events(3))
    store.append(first, 2, new_events(1))

    everything = store.read_all()
    pages, after = [], 0
    while page := store.read_all(after_position=after, limit=2):
        pages.append(page)
        after = page[-1].position

    assert [event.position for event in everything] == [1, 2, 3, 4, 5, 6]
    assert [len(page) for page in pages] == [2, 2, 2]
    assert [event for page in pages for event in page] == everything
    assert store.read_all(after_position=6) == []


def test_read_stream_after_a_version(store: EventStore) -> None:
    journey_id = new_journey_id()
    stored = store.append(journey_id, 0, new_events(4))

    assert store.read_stream(journey_id, after_version=2) == stored[2:]
    assert store.read_stream(journey_id, after_version=4) == []
    assert store.read_stream(new_journey_id()) == []
    assert store.stream_version(new_journey_id()) == 0


def test_events_for_command(store: EventStore) -> None:
    journey_id, other = new_journey_id(), new_journey_id()
    first = store.append(journey_id, 0, new_events(2, command_id="cmd-1"))
    store.append(journey_id, 2, new_events(1, command_id="cmd-2"))
    store.append(other, 0, new_events(1, command_id="cmd-1"))

    assert store.events_for_command(journey_id, "cmd-1") == first
    assert store.events_for_command(journey_id, "cmd-9") == []


# --- what is refused before anything is written --------------------------------------


@pytest.mark.parametrize(
    "bad_append",
    [
        pytest.param(lambda j: (j, 0, []), id="no events"),
        pytest.param(lambda j: ("", 0, new_events(1)), id="empty stream id"),
        pytest.param(lambda j: ("j" * 65, 0, new_events(1)), id="stream id too long"),
        pytest.param(lambda j: (j, -1, new_events(1)), id="negative version"),
        pytest.param(lambda j: (j, 0, [new_event(type="T" * 65)]), id="type too long"),
        pytest.param(lambda j: (j, 0, [new_event(data={"x": 1.5})]), id="float in data"),
        pytest.param(lambda j: (j, 0, [new_event(data={"x": (1, 2)})]), id="tuple in data"),
        pytest.param(lambda j: (j, 0, [new_event(data={"x": "a\x00b"})]), id="NUL in data"),
        pytest.param(lambda j: (j, 0, [new_event(data={1: "x"})]), id="non-string key"),
        pytest.param(lambda j: (j, 0, [new_event(data={"\ud800": 1})]), id="lone surrogate"),
    ],
)
def test_invalid_appends_are_refused_alike_on_both_engines(
    store: EventStore, store_engine: Engine, bad_append
) -> None:
    with pytest.raises(ValueError):
        store.append(*bad_append(new_journey_id()))

    assert row_counts(store_engine)["events"] == 0


def test_read_models_are_validated_too(store: EventStore, store_engine: Engine) -> None:
    journey_id = new_journey_id()
    with pytest.raises(ValueError):
        store.append(journey_id, 0, new_events(1), summary=summary(new_journey_id(), 1))
    with pytest.raises(ValueError):
        store.append(
            journey_id, 0, new_events(1), summary=summary(journey_id, 1, local_authority="2020")
        )
    with pytest.raises(ValueError):
        store.append(
            journey_id,
            0,
            new_events(1),
            notifications=[notification(journey_id, "e", payload={"due": 1.5})],
        )

    assert row_counts(store_engine) == {"events": 0, "journeys": 0, "deadlines": 0, "outbox": 0, "command_requests": 0}


