"""The few statements whose spelling differs between PostgreSQL and SQLite."""

from __future__ import annotations

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def insert(connection: Connection, table: Table):
    """An INSERT that supports ``ON CONFLICT``; both engines spell the clause alike."""
    return _INSERTS[connection.dialect.name](table)


_ARRAY_ELEMENTS = {
    "postgresql": "json_array_elements_text({column}::json) AS {alias}(value)",
    "sqlite": "json_each({column}) AS {alias}",
}


def array_elements(connection: Connection, column: str, alias: str = "element") -> str:
    """A FROM item: one row per string of the JSON array text in `column` (a JSONArray
    column, store/schema.py), its text in `alias`.value. It may name a table earlier in
    the same FROM list (a function there sees it on both engines)."""
    return _ARRAY_ELEMENTS[connection.dialect.name].format(column=column, alias=alias)
