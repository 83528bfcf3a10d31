"""Refuse what one engine would accept and the other reject, before writing anything.

SQLite ignores VARCHAR lengths, and PostgreSQL refuses NUL characters and unpaired
surrogates in JSONB (which RFC 8785 cannot serialise either); checking here keeps the
two engines behaving alike, and keeps the hash chain reproducible (a float could come
back from JSONB spelled differently from how it was hashed). Missing required values
are caught here too, because PostgreSQL's NOT NULL error quotes the whole failing row,
event data included, into the message, and messages end up in logs.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Mapping

from sqlalchemy import String, Table


def check_columns(table: Table, values: Mapping[str, Any]) -> None:
    """Required columns are present and strings fit their columns."""
    columns = _columns(table)
    for name, value in values.items():
        nullable, length = columns[name]
        if value is None:
            if not nullable:
                raise ValueError(f"{table.name}.{name} is required")
        elif length and isinstance(value, str) and len(value) > length:
            raise ValueError(f"{table.name}.{name} is limited to {length} characters, got {len(value)}")


@cache
def _columns(table: Table) -> dict[str, tuple[bool, int | None]]:
    """Each column's (nullable, string length limit), looked up once: every append checks them."""
    return {
        column.name: (bool(column.nullable), column.type.length if isinstance(column.type, String) else None)
        for column in table.columns
    }


def check_json_ready(value: Any, where: str) -> None:
    """Only str, int, bool, None, list and dict (with str keys); strings must be valid
    Unicode without NUL characters."""
    if value is None or isinstance(value, (bool, int)):
        return
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError(f"{where}: strings may not contain NUL characters")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(f"{where}: strings must be valid Unicode") from None
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            check_json_ready(item, f"{where}[{index}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{where}: keys must be strings, got {type(key).__name__}")
            check_json_ready(key, where)
            check_json_ready(item, f"{where}.{key}")
        return
    raise ValueError(f"{where}: {type(value).__name__} is not JSON-ready")
