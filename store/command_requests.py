"""Queries on ``command_requests``: which request each command id of an LA answered (R7)."""

from __future__ import annotations

from sqlalchemy import Connection, insert, select

from store.errors import CommandIdReused
from store.records import CommandRequest
from store.schema import command_requests as table


def recorded(connection: Connection, local_authority: str, command_id: str) -> tuple[str, str] | None:
    """The (stream, request hash) the LA's command id answered, or None if it answered none."""
    row = connection.execute(
        select(table.c.stream, table.c.request_hash)
        .where(table.c.local_authority == local_authority, table.c.command_id == command_id)
    ).first()
    return None if row is None else (row.stream, row.request_hash)


def claim(connection: Connection, stream: str, request: CommandRequest) -> None:
    """Record that `request`'s command id answers it with `stream`'s new events; refuse
    (CommandIdReused) if the id answered another request. Under the append lock (R4)."""
    found = recorded(connection, request.local_authority, request.command_id)
    if found == (stream, request.request_hash):
        return
    if found is not None:
        raise CommandIdReused(request.local_authority, request.command_id)
    connection.execute(insert(table).values(
        local_authority=request.local_authority, command_id=request.command_id, stream=stream,
        request_hash=request.request_hash,
    ))
