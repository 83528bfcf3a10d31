"""Queries on the ``events`` table, shared by the event store and the verifier."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Sequence

from sqlalchemy import Connection, func, select

from store.records import StoredEvent
from store.schema import events

_COLUMNS = [events.c[f.name] for f in fields(StoredEvent)]


def _stored(rows) -> list[StoredEvent]:
    return [StoredEvent(**row._mapping) for row in rows]


def page(connection: Connection, after_position: int, limit: int) -> list[StoredEvent]:
    """Keyset pagination: cost does not grow with how far into the log the reader is."""
    return _stored(
        connection.execute(
            select(*_COLUMNS)
            .where(events.c.position > after_position)
            .order_by(events.c.position)
            .limit(limit)
        )
    )


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
    connection.execute(events.insert(), [asdict(event) for event in stored])
