"""Queries on the ``events`` table, shared by the event store and the verifier."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterator, Sequence

from sqlalchemy import Connection, Engine, func, literal, select, tuple_

from store.records import StoredEvent
from store.schema import events

_COLUMNS = [events.c[name] for name in StoredEvent._fields]


def _stored(result) -> list[StoredEvent]:
    # The columns are selected in StoredEvent's field order, so rows map by position.
    return list(map(StoredEvent._make, result.all()))


def page(connection: Connection, after_position: int, limit: int, up_to: int | None = None) -> list[StoredEvent]:
    """Keyset pagination: cost does not grow with how far into the log the reader is.
    `up_to` stops the page at that position (a slice of the log); None reads to the end."""
    query = select(*_COLUMNS).where(events.c.position > after_position)
    if up_to is not None:
        query = query.where(events.c.position <= up_to)
    return _stored(connection.execute(query.order_by(events.c.position).limit(limit)))


def facts_page(connection: Connection, after_position: int, limit: int) -> list:
    """Like `page`, but only what folding needs: (position, stream, type, occurred_on,
    data) rows. Folding the whole log reads every row, and the other columns (hashes,
    actors, timestamps) are most of what it would otherwise convert."""
    return connection.execute(
        select(events.c.position, events.c.stream, events.c.type, events.c.occurred_on, events.c.data)
        .where(events.c.position > after_position)
        .order_by(events.c.position)
        .limit(limit)
    ).all()


def facts_by_stream(
    connection: Connection, after: tuple[str | None, int | None], up_to: str | None, limit: int
) -> list:
    """Like `facts_page` (with the version where it has the position: (version, stream, type,
    occurred_on, data) rows), in journey order, for folding a range of journeys
    (after[0], up_to] on its own. Keyset pagination on the (stream, version) index: `after`
    is the last row's (stream, version), or (journey id, None) to begin after that journey,
    or (None, None) to begin at the first."""
    query = select(events.c.version, events.c.stream, events.c.type, events.c.occurred_on, events.c.data)
    stream, version = after
    if version is not None:
        query = query.where(tuple_(events.c.stream, events.c.version) > tuple_(literal(stream), literal(version)))
    elif stream is not None:
        query = query.where(events.c.stream > stream)
    if up_to is not None:
        query = query.where(events.c.stream <= up_to)
    return connection.execute(query.order_by(events.c.stream, events.c.version).limit(limit)).all()


def streams(connection: Connection) -> list[str]:
    """Every stream id in the log, in order (read from the (stream, version) index)."""
    return list(connection.execute(select(events.c.stream).distinct().order_by(events.c.stream)).scalars())


def read_ahead(
    engine: Engine, read_page: Callable[[Connection, int, int], list], page_size: int, after: int = 0
) -> Iterator[list]:
    """The log after position `after` in keyset pages, in position order, for readers that
    walk all of it (catch-up, verification). The next page is read on a thread while the caller works
    on this one: the database's time then overlaps the caller's, instead of adding to it.
    Each page is a short read transaction of its own."""

    def read(after: int) -> list:
        with engine.connect() as connection:
            return read_page(connection, after, page_size)

    with ThreadPoolExecutor(1, thread_name_prefix="log-read-ahead") as pool:
        following = pool.submit(read, after)
        while page := following.result():
            following = pool.submit(read, page[-1][0])  # rows begin with their position
            yield page


def stream(connection: Connection, stream_id: str, after_version: int = 0) -> list[StoredEvent]:
    return _stored(
        connection.execute(
            select(*_COLUMNS)
            .where(events.c.stream == stream_id, events.c.version > after_version)
            .order_by(events.c.version)
        )
    )


def for_command(connection: Connection, stream_id: str, command_id: str) -> list[StoredEvent]:
    return _stored(
        connection.execute(
            select(*_COLUMNS)
            .where(events.c.stream == stream_id, events.c.command_id == command_id)
            .order_by(events.c.version)
        )
    )


def with_ids(connection: Connection, event_ids: Sequence[str]) -> list[StoredEvent]:
    return _stored(
        connection.execute(
            select(*_COLUMNS)
            .where(events.c.event_id.in_(list(event_ids)))
            .order_by(events.c.position)
        )
    )


def head(connection: Connection, stream_id: str) -> tuple[int, str] | None:
    """The stream's last version and its hash, or None for a stream with no events."""
    row = connection.execute(
        select(events.c.version, events.c.hash)
        .where(events.c.stream == stream_id)
        .order_by(events.c.version.desc())
        .limit(1)
    ).first()
    return (row.version, row.hash) if row is not None else None


def last_position(connection: Connection) -> int:
    return connection.execute(select(func.coalesce(func.max(events.c.position), 0))).scalar_one()


def insert(connection: Connection, stored: Sequence[StoredEvent]) -> None:
    connection.execute(events.insert(), [event._asdict() for event in stored])
