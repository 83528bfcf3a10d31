"""The store's contract suite: one test per behaviour the port promises (store/port.py, R1-R10),
written once and run against each database engine.

`EventStoreContract` is abstract: pytest collects it only through its subclasses in
test_event_store_contract.py, one per engine, each of which pins `store_url` to its engine and
says what an unreachable database of that engine looks like. A test is named after the
requirement it checks (`test_r3_...`), so a failure names the promise that broke. The tests
observe the store through the port and, to see that nothing was written, through the tables'
row counts; the one place that names the implementation is `new_store`.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from typing import Callable, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from store import chain
from store.engine import for_writing, make_engine
from store.errors import CommandIdReused, EventIdConflict, StaleVersion
from store.events import APPEND_LOCK_KEY, EventStore, utc_now
from store.port import JourneyStore
from store.records import CommandRequest, StoredEvent
from store_factories import (
    TickingClock,
    deadline,
    event_data,
    is_postgresql,
    new_event,
    new_events,
    new_journey_id,
    notification,
    refuse_inserts,
    row_counts,
    summary,
)

# R4 under real concurrency: appenders in threads, each with its own connection.
WRITERS = 8
APPENDS_PER_WRITER = 15
# R7: the canonical hashes of two different requests.
HASH_A, HASH_B = "a" * 64, "b" * 64
NOTHING_WRITTEN = {"events": 0, "journeys": 0, "deadlines": 0, "outbox": 0, "command_requests": 0}


def snapshot(store: JourneyStore, engine: Engine, journey_id: str) -> tuple:
    """Everything an append could have changed, to show that one changed nothing."""
    return (
        row_counts(engine),
        store.read_all(),
        store.journey(journey_id),
        store.deadlines(journey_id),
        store.undelivered_notifications(),
    )


def command_request(command_id: str, request_hash: str = HASH_A, la: str = "873") -> CommandRequest:
    return CommandRequest(la, command_id, request_hash)


@contextlib.contextmanager
def append_lock_held(engine: Engine) -> Iterator[None]:
    """Another writer holding what every append needs: SQLite's write lock (BEGIN IMMEDIATE),
    PostgreSQL's append lock."""
    with for_writing(engine).connect() as connection:
        connection.begin()
        if is_postgresql(engine):
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": APPEND_LOCK_KEY})
        yield
        connection.rollback()


class EventStoreContract:
    """R1-R10 of store/port.py. Subclasses give `store_url` (a fresh, migrated, empty database
    of their engine) and `unreachable_url`."""

    def new_store(self, engine: Engine, clock: Callable[[], datetime] = utc_now) -> JourneyStore:
        """The store under test, on `engine`, reading `clock` for recorded_at."""
        return EventStore(engine, clock=clock)

    @pytest.fixture
    def unreachable_url(self) -> str:
        """A URL of this engine at which no database answers."""
        raise NotImplementedError

    @pytest.fixture
    def clock(self) -> TickingClock:
        return TickingClock()

    @pytest.fixture
    def store(self, store_engine: Engine, clock: TickingClock) -> JourneyStore:
        return self.new_store(store_engine, clock=clock)

    @pytest.fixture
    def event_store(self, store_engine: Engine) -> JourneyStore:
        """A store on the real clock: the concurrency tests share one store between threads,
        and the ticking clock is a generator, which two threads cannot read at once."""
        return self.new_store(store_engine)

    @pytest.fixture
    def journey(self, store: JourneyStore) -> str:
        """A journey with two events, a summary, one deadline and one notification."""
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

    def test_the_store_offers_the_port(self, store: JourneyStore) -> None:
        # Protocols are structural: this fails if a method of the port is missing or renamed.
        assert isinstance(store, JourneyStore)

    # --- R1: one transaction -------------------------------------------------------------------

    def test_r1_everything_given_is_written_together(self, store: JourneyStore) -> None:
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
        self, store: JourneyStore, store_engine: Engine, journey: str, failing_part: str
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
        self, store: JourneyStore, store_engine: Engine, journey: str
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

    def test_r1_a_failed_append_leaves_no_gap_in_positions(self, store: JourneyStore, journey: str) -> None:
        with pytest.raises(IntegrityError):
            store.append(journey, 2, new_events(1), summary=summary(journey, 3, pathway="xyz"))

        [stored] = store.append(journey, 2, new_events(1), summary=summary(journey, 3))

        assert stored.position == 3
        assert stored.version == 3

    def test_r1_deadlines_none_keeps_them_and_empty_clears_them(
        self, store: JourneyStore, journey: str
    ) -> None:
        store.append(journey, 2, new_events(1), deadlines=None)
        assert store.deadlines(journey) == [deadline(1)]

        store.append(journey, 3, new_events(1), deadlines=[deadline(1, status="met"), deadline(2)])
        assert store.deadlines(journey) == [deadline(1, status="met"), deadline(2)]

        store.append(journey, 4, new_events(1), deadlines=[])
        assert store.deadlines(journey) == []

    def test_r1_summary_is_upserted_and_other_journeys_are_untouched(self, store: JourneyStore) -> None:
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

    # --- R2: idempotent on event id ------------------------------------------------------------

    def test_r2_a_retried_batch_returns_the_stored_events_and_writes_nothing(
        self, store: JourneyStore, store_engine: Engine
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
        self, store: JourneyStore, store_engine: Engine
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
        self, store: JourneyStore, store_engine: Engine, shape: str
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

    def test_r2_a_single_stored_event_of_a_batch_counts_as_an_exact_retry(self, store: JourneyStore) -> None:
        # A batch of one that was the second event of an earlier batch is still stored,
        # in this stream, in order: the store has it, so it says so.
        journey_id = new_journey_id()
        batch = new_events(2)
        stored = store.append(journey_id, 0, batch)

        assert store.append(journey_id, 1, [batch[1]]) == [stored[1]]

    def test_r2_a_batch_may_not_repeat_an_event_id(self, store: JourneyStore) -> None:
        event = new_event()
        with pytest.raises(ValueError):
            store.append(new_journey_id(), 0, [event, event])

    # --- R3: optimistic concurrency ------------------------------------------------------------

    def test_r3_versions_are_contiguous_from_one(self, store: JourneyStore) -> None:
        journey_id = new_journey_id()
        store.append(journey_id, 0, new_events(2))
        store.append(journey_id, 2, new_events(1))
        store.append(journey_id, 3, new_events(3))

        assert [event.version for event in store.read_stream(journey_id)] == [1, 2, 3, 4, 5, 6]
        assert store.stream_version(journey_id) == 6

    @pytest.mark.parametrize("expected", [0, 1, 3])
    def test_r3_a_stale_expected_version_is_refused_and_writes_nothing(
        self, store: JourneyStore, store_engine: Engine, journey: str, expected: int
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

    def test_r3_a_new_stream_expects_version_zero(self, store: JourneyStore, store_engine: Engine) -> None:
        journey_id = new_journey_id()
        with pytest.raises(StaleVersion) as stale:
            store.append(journey_id, 1, new_events(1))

        assert stale.value.actual == 0
        assert store.stream_version(journey_id) == 0
        assert row_counts(store_engine)["events"] == 0

    def test_r3_two_writers_to_one_stream_each_see_the_other(self, store_engine: Engine) -> None:
        # Each store remembers the heads it appended (the one-statement append relies on it);
        # another process appending to the same stream must neither be missed nor overwritten.
        first, second = self.new_store(store_engine), self.new_store(store_engine)
        journey_id = new_journey_id()
        first.append(journey_id, 0, new_events(1))
        second.append(journey_id, 1, new_events(2))
        [third] = first.append(journey_id, 3, new_events(1))  # first's memory says version 1

        with pytest.raises(StaleVersion):
            second.append(journey_id, 3, new_events(1))  # second's memory says version 3
        assert third.version == 4
        assert [e.version for e in second.read_stream(journey_id)] == [1, 2, 3, 4]
        assert first.verify().ok

    def test_r3_of_concurrent_appends_at_one_version_exactly_one_wins(
        self, event_store: JourneyStore,
    ) -> None:
        store = event_store
        stream = new_journey_id()
        store.append(stream, 0, new_events(1))
        start = threading.Barrier(WRITERS, timeout=30)

        def attempt(_: int) -> str:
            start.wait()
            try:
                store.append(stream, 1, new_events(2))
            except StaleVersion as stale:
                assert (stale.expected, stale.actual) == (1, 3)
                return "stale"
            return "appended"

        with ThreadPoolExecutor(WRITERS) as pool:
            outcomes = list(pool.map(attempt, range(WRITERS)))

        assert sorted(outcomes) == ["appended"] + ["stale"] * (WRITERS - 1)
        assert [event.version for event in store.read_stream(stream)] == [1, 2, 3]

    # --- R4: global position in commit order ---------------------------------------------------

    def test_r4_concurrent_appends_get_gap_free_positions_in_commit_order(
        self, event_store: JourneyStore,
    ) -> None:
        store = event_store
        start = threading.Barrier(WRITERS + 1, timeout=30)
        done = threading.Event()
        followed: list[StoredEvent] = []
        follower_errors: list[BaseException] = []

        def write(writer: int) -> str:
            stream = new_journey_id()
            start.wait()
            for version in range(APPENDS_PER_WRITER):
                # Batches of one or two, so positions advance unevenly between writers.
                store.append(stream, version * 2, new_events(2) if writer % 2 else new_events(1))
                if not writer % 2:
                    store.append(stream, version * 2 + 1, new_events(1))
            return stream

        def follow() -> None:
            # A subscriber tailing the log while it is written. If a lower position could
            # commit after a higher one, this reader would step past it and never see it.
            try:
                start.wait()
                after = 0
                while True:
                    finished = done.is_set()
                    page = store.read_all(after_position=after, limit=7)
                    followed.extend(page)
                    if page:
                        after = page[-1].position
                    elif finished:
                        return
            except BaseException as error:  # reported by the main thread
                follower_errors.append(error)

        follower = threading.Thread(target=follow, daemon=True)
        follower.start()
        try:
            with ThreadPoolExecutor(WRITERS) as pool:
                streams = list(pool.map(write, range(WRITERS)))
        finally:
            # Also when a writer failed: the follower must stop for the test to end.
            done.set()
            follower.join(timeout=60)

        assert not follower.is_alive()
        assert not follower_errors
        log = store.read_all(limit=10_000)
        total = WRITERS * APPENDS_PER_WRITER * 2
        assert [event.position for event in log] == list(range(1, total + 1))
        assert followed == log

        versions_by_stream: dict[str, list[int]] = defaultdict(list)
        for event in log:
            versions_by_stream[event.stream].append(event.version)
        assert sorted(versions_by_stream) == sorted(streams)
        for versions in versions_by_stream.values():
            assert versions == list(range(1, 2 * APPENDS_PER_WRITER + 1))
        assert store.verify().ok

    def test_r4_an_append_with_a_bounded_wait_gives_way_to_a_held_lock_and_writes_nothing(self, store_url, event_store):
        # As the journey clock's appends do (activities/journey.py): an engine that waits a
        # bounded time for locks (make_engine's lock_wait_seconds) fails within about that
        # wait while another transaction holds the append lock, and goes through once it is free.
        bounded = self.new_store(make_engine(store_url, lock_wait_seconds=0.5))
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

    def test_r4_a_database_that_cannot_be_reached_takes_no_appends(self, unreachable_url: str) -> None:
        unreachable = self.new_store(make_engine(unreachable_url))
        try:
            assert not unreachable.takes_appends()
        finally:
            unreachable.engine.dispose()

    # --- R5: a hash chain per stream -----------------------------------------------------------

    def test_r5_each_event_links_to_the_previous_one_in_its_stream(self, store: JourneyStore) -> None:
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

    def test_r5_stored_events_read_back_exactly_as_append_returned_them(self, store: JourneyStore) -> None:
        journey_id = new_journey_id()
        appended = store.append(journey_id, 0, new_events(2, command_id="cmd-1"))
        appended += store.append(journey_id, 2, [new_event(occurred_on=None)])

        assert store.read_stream(journey_id) == appended
        assert store.read_all() == appended

    def test_r5_recorded_at_is_the_clock_in_utc_to_the_microsecond(self, store_engine: Engine) -> None:
        # A clock in another zone, with microseconds: the stored instant is the same and is
        # written out in UTC, identically after the round trip through either engine.
        london_summer = timezone(timedelta(hours=1))
        reading = datetime(2026, 7, 2, 11, 15, 0, 123456, tzinfo=london_summer)
        store = self.new_store(store_engine, clock=lambda: reading)
        journey_id = new_journey_id()

        [appended] = store.append(journey_id, 0, new_events(1))
        [read_back] = store.read_stream(journey_id)

        for event in (appended, read_back):
            assert event.recorded_at == reading
            assert event.recorded_at.utcoffset() == timedelta(0)
            assert chain.format_recorded_at(event.recorded_at) == "2026-07-02T10:15:00.123456+00:00"
        assert read_back.hash == chain.link(read_back.prev_hash, chain.envelope_of(read_back))

    def test_r5_one_batch_shares_one_recorded_at(self, store: JourneyStore, clock: TickingClock) -> None:
        stored = store.append(new_journey_id(), 0, new_events(3))

        assert {event.recorded_at for event in stored} == {clock.last}

    def test_r5_the_clock_must_be_timezone_aware(self, store_engine: Engine) -> None:
        store = self.new_store(store_engine, clock=lambda: datetime(2026, 3, 2, 10, 15))
        with pytest.raises(ValueError):
            store.append(new_journey_id(), 0, new_events(1))

    def test_r5_json_data_round_trips_unchanged(self, store: JourneyStore) -> None:
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
        self, store: JourneyStore, data: dict
    ) -> None:
        journey_id = new_journey_id()
        [appended] = store.append(journey_id, 0, [new_event(data=data)])
        [read_back] = store.read_stream(journey_id)

        assert read_back == appended
        assert read_back.hash == chain.link(read_back.prev_hash, chain.envelope_of(read_back))

    def test_r5_later_changes_to_the_callers_dict_do_not_change_what_was_stored(
        self, store: JourneyStore,
    ) -> None:
        data = {"items": [1, 2]}
        journey_id = new_journey_id()
        [appended] = store.append(journey_id, 0, [new_event(data=data)])
        data["items"].append(3)

        assert appended.data == {"items": [1, 2]}
        assert store.read_stream(journey_id)[0].data == {"items": [1, 2]}

    # --- R6: the outbox ------------------------------------------------------------------------

    def test_r6_a_notification_id_is_enqueued_once(self, store: JourneyStore, store_engine: Engine) -> None:
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

    def test_r6_a_delivered_notification_is_not_enqueued_again(self, store: JourneyStore) -> None:
        journey_id = new_journey_id()
        batch = new_events(1)
        sent = notification(journey_id, batch[0].event_id)
        store.append(journey_id, 0, batch, notifications=[sent])
        store.mark_delivered(sent.notification_id)

        store.append(journey_id, 1, new_events(1), notifications=[sent])

        assert store.undelivered_notifications() == []

    def test_r6_undelivered_notifications_come_oldest_first_up_to_the_limit(self, store: JourneyStore) -> None:
        journey_id = new_journey_id()
        queued = [notification(journey_id, f"event-{n}") for n in range(5)]
        store.append(journey_id, 0, new_events(1), notifications=queued[:3])
        store.append(journey_id, 1, new_events(1), notifications=queued[3:])

        assert store.undelivered_notifications(limit=4) == queued[:4]

        store.mark_delivered(queued[1].notification_id)
        store.mark_delivered(queued[1].notification_id)  # twice: harmless

        assert store.undelivered_notifications() == [queued[0], *queued[2:]]

    def test_r6_marking_an_unknown_notification_delivered_is_an_error(self, store: JourneyStore) -> None:
        with pytest.raises(KeyError):
            store.mark_delivered("no-such-notification")

    # --- R7: idempotency keys ------------------------------------------------------------------

    @pytest.fixture(params=["known head", "fresh store"])
    def appender(self, request, store_engine: Engine):
        """An append through a store that knows the stream's head (the usual path) or through a
        new store each time (which starts on the careful path, under the append lock)."""
        remembering = self.new_store(store_engine)
        return (lambda: remembering) if request.param == "known head" else (lambda: self.new_store(store_engine))

    def test_r7_a_batch_records_the_request_it_answers(self, appender, event_store):
        stream, command_id = new_journey_id(), str(uuid.uuid4())
        appender().append(stream, 0, new_events(1), summary=summary(stream, 1))
        appender().append(stream, 1, new_events(2, command_id=command_id), request=command_request(command_id))
        assert event_store.recorded_request("873", command_id) == (stream, HASH_A)
        assert event_store.recorded_request("874", command_id) is None

    @pytest.mark.parametrize("other", ["another request", "another stream"])
    def test_r7_a_command_id_that_answered_another_request_is_refused_with_nothing_written(
        self, appender, event_store, store_engine, other):
        stream, command_id = new_journey_id(), str(uuid.uuid4())
        appender().append(stream, 0, new_events(1), summary=summary(stream, 1))
        appender().append(stream, 1, new_events(1), request=command_request(command_id))
        target = stream if other == "another request" else new_journey_id()
        version = 2 if other == "another request" else 0
        before = row_counts(store_engine)
        with pytest.raises(CommandIdReused):
            appender().append(target, version, new_events(1), summary=summary(target, version + 1),
                              request=command_request(command_id, HASH_B if other == "another request" else HASH_A))
        assert row_counts(store_engine) == before
        assert event_store.recorded_request("873", command_id) == (stream, HASH_A)

    def test_r7_another_las_command_id_is_its_own(self, appender, event_store):
        command_id = str(uuid.uuid4())
        ours, theirs = new_journey_id(), new_journey_id()
        appender().append(ours, 0, new_events(1), request=command_request(command_id))
        appender().append(theirs, 0, new_events(1), request=command_request(command_id, HASH_B, la="874"))
        assert event_store.recorded_request("873", command_id) == (ours, HASH_A)
        assert event_store.recorded_request("874", command_id) == (theirs, HASH_B)

    def test_r7_a_retried_batch_writes_nothing_its_request_included(self, appender, event_store, store_engine):
        stream, command_id = new_journey_id(), str(uuid.uuid4())
        batch = new_events(2, command_id=command_id)
        stored = appender().append(stream, 0, batch, request=command_request(command_id))
        before = row_counts(store_engine)
        assert appender().append(stream, 0, batch, request=command_request(command_id)) == stored
        assert row_counts(store_engine) == before

    # --- R8: reads give back what was appended -------------------------------------------------

    def test_r8_read_all_pages_by_position(self, store: JourneyStore) -> None:
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

    def test_r8_read_stream_after_a_version(self, store: JourneyStore) -> None:
        journey_id = new_journey_id()
        stored = store.append(journey_id, 0, new_events(4))

        assert store.read_stream(journey_id, after_version=2) == stored[2:]
        assert store.read_stream(journey_id, after_version=4) == []
        assert store.read_stream(new_journey_id()) == []
        assert store.stream_version(new_journey_id()) == 0

    def test_r8_events_for_command(self, store: JourneyStore) -> None:
        journey_id, other = new_journey_id(), new_journey_id()
        first = store.append(journey_id, 0, new_events(2, command_id="cmd-1"))
        store.append(journey_id, 2, new_events(1, command_id="cmd-2"))
        store.append(other, 0, new_events(1, command_id="cmd-1"))

        assert store.events_for_command(journey_id, "cmd-1") == first
        assert store.events_for_command(journey_id, "cmd-9") == []

    # --- R9: refused before the database -------------------------------------------------------

    @pytest.mark.parametrize("table", ["events", "outbox"])
    def test_r9_missing_required_values_are_refused_before_the_database_sees_them(
        self, store: JourneyStore, store_engine: Engine, table: str
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
        assert row_counts(store_engine) == NOTHING_WRITTEN

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
    def test_r9_invalid_appends_are_refused_alike_on_every_engine(
        self, store: JourneyStore, store_engine: Engine, bad_append
    ) -> None:
        with pytest.raises(ValueError):
            store.append(*bad_append(new_journey_id()))

        assert row_counts(store_engine)["events"] == 0

    def test_r9_projection_updates_are_checked_too(self, store: JourneyStore, store_engine: Engine) -> None:
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

        assert row_counts(store_engine) == NOTHING_WRITTEN

    def test_r9_a_request_that_does_not_fit_is_refused_before_the_database(self, event_store, store_engine):
        with pytest.raises(ValueError, match="local_authority"):
            event_store.append(
                new_journey_id(), 0, new_events(1), request=command_request(str(uuid.uuid4()), la="8730")
            )
        assert row_counts(store_engine)["events"] == 0

    # --- R10: append-only ------------------------------------------------------------------

    @pytest.fixture
    def logged(self, event_store: JourneyStore) -> JourneyStore:
        """A store whose log holds one journey of three events."""
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
    def test_r10_the_trigger_refuses_updates_and_deletes(
        self, logged: JourneyStore, store_engine: Engine, statement: str
    ) -> None:
        before = logged.read_all()

        with pytest.raises(DBAPIError, match="events are append-only"):
            with store_engine.begin() as connection:
                connection.execute(text(statement))

        assert logged.read_all() == before
