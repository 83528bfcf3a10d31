"""verify(): a sound log passes; each kind of tampering is found and located."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import Engine, delete, select, update

from store import chain
from store.events import EventStore
from store.records import StoredEvent
from store.schema import events
from store.verify import Problem, Verification, verify_log
from store_factories import TickingClock, guards_off, interleaved_log

# Streams A (4 events), B (3) and C (2), interleaved: positions 1..9 are
#   1 A1, 2 A2, 3 B1, 4 C1, 5 A3, 6 B2, 7 B3, 8 A4, 9 C2
LAYOUT = [("A", 2), ("B", 1), ("C", 1), ("A", 1), ("B", 2), ("A", 1), ("C", 1)]


@pytest.fixture
def store(store_engine: Engine) -> EventStore:
    return EventStore(store_engine, clock=TickingClock())


@pytest.fixture
def log(store: EventStore) -> dict[tuple[str, int], StoredEvent]:
    """The stored events by (stream letter, version)."""
    by_key = interleaved_log(store, LAYOUT)
    assert [by_key[key].position for key in sorted(by_key)] == [1, 2, 5, 8, 3, 6, 7, 4, 9]
    return by_key


def test_a_sound_log_verifies(store: EventStore, store_engine: Engine, log) -> None:
    assert store.verify() == Verification(ok=True, events_checked=9, streams=3, first_problem=None)
    assert verified_every_way(store_engine) == store.verify()


def test_worker_processes_find_what_one_walk_finds(store_engine: Engine, log) -> None:
    sound = verify_log(store_engine, workers=2, slice_size=2)
    assert sound == Verification(ok=True, events_checked=9, streams=3, first_problem=None)

    # Tampering in a later slice, at a journey's first event there (A3 at position 5):
    # only joining the slices shows its link is broken.
    target = log[("A", 3)]
    with guards_off(store_engine) as connection:
        connection.execute(
            update(events).where(events.c.position == target.position).values(prev_hash=log[("A", 1)].hash)
        )
    broken = verify_log(store_engine, workers=2, slice_size=2)
    assert broken == verify_log(store_engine)
    assert broken.first_problem == located_at(target, "prev_hash does not link to version 2")
    assert broken.events_checked == 4


def test_slices_must_be_positive(store_engine: Engine) -> None:
    with pytest.raises(ValueError, match="slice_size"):
        verify_log(store_engine, slice_size=0)


def test_an_empty_log_verifies(store: EventStore) -> None:
    verification = store.verify()
    assert (verification.ok, verification.events_checked, verification.streams) == (True, 0, 0)


def test_verification_reads_in_pages_with_the_same_result(
    store: EventStore, store_engine: Engine, log
) -> None:
    assert verify_log(store_engine, page_size=2) == store.verify()


# Slices of the log checked apart and joined must find what one walk finds, wherever the
# cuts fall: through a journey, at the problem, just before or after it.
SLICINGS = [{"slice_size": size, "page_size": page} for size in (1, 2, 3, 4, 5, 8) for page in (1, 2)]


def verified_every_way(engine: Engine) -> Verification:
    one_walk = verify_log(engine)
    for slicing in SLICINGS:
        assert verify_log(engine, **slicing) == one_walk, slicing
    return one_walk


def only_problem(store_engine: Engine, checked_before: int) -> Problem:
    verification = verified_every_way(store_engine)
    assert not verification.ok
    assert verification.events_checked == checked_before
    assert verification.first_problem is not None
    return verification.first_problem


def located_at(event: StoredEvent, reason: str) -> Problem:
    return Problem(event.position, event.stream, event.version, event.event_id, reason)


def test_a_changed_byte_of_data_is_found(store: EventStore, store_engine: Engine, log) -> None:
    target = log[("A", 3)]
    changed = {**target.data, "note_ref": target.data["note_ref"][:-1] + "4"}
    with guards_off(store_engine) as connection:
        connection.execute(
            update(events).where(events.c.position == target.position).values(data=changed)
        )

    assert only_problem(store_engine, 4) == located_at(target, "hash does not match contents")


def test_a_timestamp_moved_by_one_microsecond_is_found(
    store: EventStore, store_engine: Engine, log
) -> None:
    target = log[("B", 2)]
    with guards_off(store_engine) as connection:
        connection.execute(
            update(events)
            .where(events.c.position == target.position)
            .values(recorded_at=target.recorded_at + timedelta(microseconds=1))
        )

    assert only_problem(store_engine, 5) == located_at(target, "hash does not match contents")


def test_a_deleted_event_is_found_where_the_log_skips_it(
    store: EventStore, store_engine: Engine, log
) -> None:
    with guards_off(store_engine) as connection:
        connection.execute(delete(events).where(events.c.position == log[("A", 2)].position))

    assert only_problem(store_engine, 1) == located_at(
        log[("B", 1)], "position 2 missing: the log jumps from 1 to 3"
    )


def test_a_deleted_event_is_found_even_when_positions_are_closed_up(
    store: EventStore, store_engine: Engine, log
) -> None:
    removed = log[("A", 2)]
    with guards_off(store_engine) as connection:
        connection.execute(delete(events).where(events.c.position == removed.position))
        for later in range(removed.position + 1, 10):
            connection.execute(
                update(events).where(events.c.position == later).values(position=later - 1)
            )

    problem = only_problem(store_engine, 3)
    assert problem == replace(
        located_at(log[("A", 3)], f"version 2 missing in stream {removed.stream}"),
        position=log[("A", 3)].position - 1,
    )


def test_a_forged_event_with_a_made_up_hash_is_found(
    store: EventStore, store_engine: Engine, log
) -> None:
    head = log[("A", 4)]
    forged = head._replace(
        position=10,
        version=5,
        event_id="f0f0f0f0-0000-4000-8000-000000000000",
        data={"note_ref": "forged"},
        prev_hash=head.hash,
        hash=head.hash,
    )
    with guards_off(store_engine) as connection:
        connection.execute(events.insert().values(forged._asdict()))

    assert only_problem(store_engine, 9) == located_at(forged, "hash does not match contents")


def test_a_forged_event_that_does_not_link_is_found(
    store: EventStore, store_engine: Engine, log
) -> None:
    # Self-consistent (its hash covers its contents) but chained to version 2, as if
    # inserted after it with later versions renumbered.
    anchor = log[("A", 2)]
    forged = anchor._replace(
        position=10,
        version=5,
        event_id="f0f0f0f0-0000-4000-8000-000000000001",
        prev_hash=anchor.hash,
    )
    forged = forged._replace(hash=chain.link(forged.prev_hash, envelope_of(forged)))
    with guards_off(store_engine) as connection:
        connection.execute(events.insert().values(forged._asdict()))

    assert only_problem(store_engine, 9) == located_at(forged, "prev_hash does not link to version 4")


def test_swapped_data_between_two_events_is_found(
    store: EventStore, store_engine: Engine, log
) -> None:
    first, second = log[("A", 2)], log[("B", 3)]
    with guards_off(store_engine) as connection:
        for target, source in ((first, second), (second, first)):
            connection.execute(
                update(events)
                .where(events.c.position == target.position)
                .values(data=source.data)
            )

    assert only_problem(store_engine, 1) == located_at(first, "hash does not match contents")


def test_two_swapped_rows_are_found(store: EventStore, store_engine: Engine, log) -> None:
    # Whole rows exchanged, positions kept: the stream's history reads out of order.
    earlier, later = log[("A", 2)], log[("A", 3)]
    with guards_off(store_engine) as connection:
        rows = {
            row.position: dict(row._mapping)
            for row in connection.execute(
                select(events).where(events.c.position.in_([earlier.position, later.position]))
            )
        }
        connection.execute(
            delete(events).where(events.c.position.in_([earlier.position, later.position]))
        )
        connection.execute(
            events.insert(),
            [
                {**rows[later.position], "position": earlier.position},
                {**rows[earlier.position], "position": later.position},
            ],
        )

    assert only_problem(store_engine, 1) == replace(
        located_at(later, f"version 2 missing in stream {later.stream}"),
        position=earlier.position,
    )


def test_a_first_event_that_does_not_start_from_genesis_is_found(
    store: EventStore, store_engine: Engine, log
) -> None:
    target = log[("C", 1)]
    with guards_off(store_engine) as connection:
        connection.execute(
            update(events)
            .where(events.c.position == target.position)
            .values(prev_hash=log[("B", 1)].hash)
        )

    assert only_problem(store_engine, 3) == located_at(
        target, "prev_hash of version 1 is not the genesis hash"
    )


def envelope_of(event: StoredEvent) -> dict:
    fields = event._asdict()
    for name in ("position", "prev_hash", "hash"):
        del fields[name]
    return chain.envelope(**fields)
