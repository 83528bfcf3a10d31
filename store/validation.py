"""Refuse what one engine would accept and the other reject, before writing anything.

SQLite ignores VARCHAR lengths, and PostgreSQL refuses NUL characters and unpaired
surrogates in JSONB (which RFC 8785 cannot serialise either); checking here keeps the
two engines behaving alike, and keeps the hash chain reproducible (a float could come
back from JSONB spelled differently from how it was hashed). Missing required values
are caught here too, because PostgreSQL's NOT NULL error quotes the whole failing row,
event data included, into the message, and messages end up in logs.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any, Mapping

from sqlalchemy import String, Table

_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


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


def check_string_list(value: Any, where: str) -> None:
    """A list (or tuple) of strings, each JSON-ready: what a JSON array column keeps
    (store.schema.JSONArray). PostgreSQL's JSON functions refuse a NUL that SQLite's take."""
    if not isinstance(value, (list, tuple)) or not all(type(item) is str for item in value):
        raise ValueError(f"{where} must be a list of strings")
    check_json_ready(list(value), where)


def json_ready_text(value: Any, where: str) -> str:
    """`value` as compact JSON, if it is JSON-ready (see check_json_ready), else ValueError.

    Every append checks its events' data, and walking it in Python was a large part of
    an append's cost: this checks the types in one pass and leaves the strings to the C
    encoder (NUL comes out as \\u0000, an unpaired surrogate fails to encode as UTF-8),
    falling back to check_json_ready for the error message.
    """
    if _json_types(value):
        text = _JSON.encode(value)
        if "\\u0000" not in text:
            try:
                text.encode("utf-8")
                return text
            except UnicodeEncodeError:
                pass
    check_json_ready(value, where)
    return _JSON.encode(value)  # a backslash before "u0000" in a string looked like a NUL


def _json_types(value: Any) -> bool:
    """Only str, int, bool, None, list and dict with str keys, however deep."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            if not all(type(key) is str for key in item):
                return False
            stack.extend(item.values())
        elif kind is list:
            stack.extend(item)
        elif not (kind is str or kind is int or kind is bool or item is None):
            return False
    return True


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
