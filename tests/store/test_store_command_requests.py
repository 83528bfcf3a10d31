"""R7 (store/events.py): a batch answering a client's request records which request its
command id answered, with the events; the same LA's command id answering another request
is refused with nothing written. On SQLite and PostgreSQL, on both append paths (the usual
one at a known head, and the careful one a fresh store takes)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import Engine

from store.errors import CommandIdReused
from store.events import EventStore
from store.records import CommandRequest
from store_factories import new_events, new_journey_id, row_counts, summary

HASH_A, HASH_B = "a" * 64, "b" * 64


def request(command_id: str, request_hash: str = HASH_A, la: str = "873") -> CommandRequest:
    return CommandRequest(la, command_id, request_hash)


@pytest.fixture(params=["known head", "fresh store"])
def appender(request, store_engine: Engine):
    """An append through a store that knows the stream's head (the usual path) or through a
    new store each time (which starts on the careful path, under the append lock)."""
    remembering = EventStore(store_engine)
    return (lambda: remembering) if request.param == "known head" else (lambda: EventStore(store_engine))


def test_a_batch_records_the_request_it_answers(appender, event_store):
    stream, command_id = new_journey_id(), str(uuid.uuid4())
    appender().append(stream, 0, new_events(1), summary=summary(stream, 1))
    appender().append(stream, 1, new_events(2, command_id=command_id), request=request(command_id))
    assert event_store.recorded_request("873", command_id) == (stream, HASH_A)
    assert event_store.recorded_request("874", command_id) is None


@pytest.mark.parametrize("other", ["another request", "another stream"])
def test_a_command_id_that_answered_another_request_is_refused_with_nothing_written(
        appender, event_store, store_engine, other):
    stream, command_id = new_journey_id(), str(uuid.uuid4())
    appender().append(stream, 0, new_events(1), summary=summary(stream, 1))
    appender().append(stream, 1, new_events(1), request=request(command_id))
    target = stream if other == "another request" else new_journey_id()
    version = 2 if other == "another request" else 0
    before = row_counts(store_engine)
    with pytest.raises(CommandIdReused):
        appender().append(target, version, new_events(1), summary=summary(target, version + 1),
                          request=request(command_id, HASH_B if other == "another request" else HASH_A))
    assert row_counts(store_engine) == before
    assert event_store.recorded_request("873", command_id) == (stream, HASH_A)


def test_another_las_command_id_is_its_own(appender, event_store):
    command_id = str(uuid.uuid4())
    ours, theirs = new_journey_id(), new_journey_id()
    appender().append(ours, 0, new_events(1), request=request(command_id))
    appender().append(theirs, 0, new_events(1), request=request(command_id, HASH_B, la="874"))
    assert event_store.recorded_request("873", command_id) == (ours, HASH_A)
    assert event_store.recorded_request("874", command_id) == (theirs, HASH_B)


def test_a_retried_batch_writes_nothing_its_request_included(appender, event_store, store_engine):
    stream, command_id = new_journey_id(), str(uuid.uuid4())
    batch = new_events(2, command_id=command_id)
    stored = appender().append(stream, 0, batch, request=request(command_id))
    before = row_counts(store_engine)
    assert appender().append(stream, 0, batch, request=request(command_id)) == stored
    assert row_counts(store_engine) == before


def test_a_request_that_does_not_fit_is_refused_before_the_database(event_store, store_engine):
    with pytest.raises(ValueError, match="local_authority"):
        event_store.append(new_journey_id(), 0, new_events(1), request=request(str(uuid.uuid4()), la="8730"))
    assert row_counts(store_engine)["events"] == 0
