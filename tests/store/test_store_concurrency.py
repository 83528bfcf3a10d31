"""R3 and R4 under real concurrency: appenders in threads, each with its own connection."""

from __future__ import annotations

import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from store.errors import StaleVersion
from store.events import EventStore
from store.records import StoredEvent
from store_factories import new_events, new_journey_id

WRITERS = 8
APPENDS_PER_WRITER = 15


def test_r4_concurrent_appends_get_gap_free_positions_in_commit_order(
    event_store: EventStore,
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


def test_r3_of_concurrent_appends_at_one_version_exactly_one_wins(
    event_store: EventStore,
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
