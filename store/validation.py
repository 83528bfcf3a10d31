"""Refuse what one engine would accept and the other reject, before writing anything.

SQLite ignores VARCHAR lengths, and PostgreSQL refuses NUL characters and unpaired
surrogates in JSONB (which RFC 8785 cannot serialise either); checking here keeps the
two engines behaving alike, and keeps the hash chain reproducible (a float could come
back from JSONB spelled differently from how it was hashed). Missing required values
are caught here too, because PostgreSQL's NOT NULL error quotes the whole failing row,
event data included, into the message, and messages end up in logs.
"""

from __future__ import annotations

from typing import Any, Mapping

from sqlalchemy import String, Table


def check_columns(table: Table, values: Mapping[str, Any]) -> None:
    """Required columns are present and strings fit their columns."""
    for name, value in values.items():
        if value is None and not table.c[name].nullable:
            raise ValueError(f"{table.name}.{name} is required")
        column_type = table.c[name].type
        if isinstance(value, str) and isinstance(column_type, String) and column_type.length:
            if len(value) > column_type.length:
                raise ValueError(
                    f"{table.name}.{name} is limited to {column_type.length} characters, "
                    f"got {len(value)}"
                )


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
