"""The few statements whose spelling differs between PostgreSQL and SQLite."""

from __future__ import annotations

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def insert(connection: Connection, table: Table):
    """An INSERT that supports ``ON CONFLICT``; both engines spell the clause alike."""
    return _INSERTS[connection.dialect.name](table)
