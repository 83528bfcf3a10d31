"""The per-stream hash chain, kept free of the rest of the store.

Auditors' offline tools import this module on its own to re-check an export of the
event log, so it depends only on the standard library and ``rfc8785``.

For each event::

    envelope = {"stream", "version", "event_id", "type", "occurred_on",
                "recorded_at", "actor", "actor_role", "command_id",
                "schema_version", "data"}
    hash = sha256(bytes.fromhex(prev_hash) + rfc8785.dumps(envelope)).hexdigest()

``prev_hash`` is the hash of the previous event in the same stream, or
``GENESIS_HASH`` for version 1. Dates are ISO 8601 (``2026-03-02``) and
``recorded_at`` is UTC with exactly six fractional digits
(``2026-03-02T10:15:00.123456+00:00``) whatever the database handed back.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timezone
from typing import Any

import rfc8785

GENESIS_HASH = "0" * 64


def format_recorded_at(recorded_at: datetime) -> str:
    if recorded_at.tzinfo is None:
        # Only SQLite hands these back, and the store only ever writes UTC.
        recorded_at = recorded_at.replace(tzinfo=timezone.utc)
    return recorded_at.astimezone(timezone.utc).isoformat(timespec="microseconds")


def envelope(
    *,
    stream: str,
    version: int,
    event_id: str,
    type: str,
    occurred_on: date | None,
    recorded_at: datetime,
    actor: str,
    actor_role: str,
    command_id: str | None,
    schema_version: int,
    data: dict[str, Any],
) -> dict[str, Any]:
    """What the hash covers: every stored field except position and the hashes."""
    return {
        "stream": stream,
        "version": version,
        "event_id": event_id,
        "type": type,
        "occurred_on": occurred_on.isoformat() if occurred_on is not None else None,
        "recorded_at": format_recorded_at(recorded_at),
        "actor": actor,
        "actor_role": actor_role,
        "command_id": command_id,
        "schema_version": schema_version,
        "data": data,
    }


def envelope_of(event: Any) -> dict[str, Any]:
    """The envelope of a stored event (anything with the envelope's fields as attributes)."""
    return envelope(
        stream=event.stream, version=event.version, event_id=event.event_id, type=event.type,
        occurred_on=event.occurred_on, recorded_at=event.recorded_at, actor=event.actor,
        actor_role=event.actor_role, command_id=event.command_id,
        schema_version=event.schema_version, data=event.data,
    )


def link(prev_hash: str, envelope: dict[str, Any]) -> str:
    """The hash of an event whose predecessor in the stream hashed to ``prev_hash``."""
    digest = hashlib.sha256(bytes.fromhex(prev_hash))
    digest.update(canonical_json(envelope))
    return digest.hexdigest()


# RFC 8785 numbers are IEEE 754 doubles: integers beyond these are refused.
_INT_MAX = 2**53 - 1
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical_json(value: Any) -> bytes:
    """RFC 8785 (JCS) bytes of `value`, exactly as ``rfc8785.dumps`` makes them.

    ``rfc8785`` is pure Python and was most of the cost of verifying the log. For the
    values events hold (strings, integers, booleans, null, lists and objects with ASCII
    keys) the standard library's C encoder, with sorted keys, no whitespace and no ASCII
    escaping, writes the same bytes: it escapes the same characters the same way, and
    sorting ASCII keys by code point is sorting them by UTF-16 code unit. Anything else
    (floats, non-ASCII keys, out-of-range integers, unpaired surrogates) goes to
    ``rfc8785``, which formats it or refuses it as the standard says. A property test holds
    the two to the same output.
    """
    if _plain(value):
        text = _ENCODER.encode(value)
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError:
            pass  # an unpaired surrogate: rfc8785 refuses it with its own error
    return rfc8785.dumps(value)


def _plain(value: Any) -> bool:
    """True if `value` holds only what the standard library encodes as RFC 8785 does."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str or kind is bool or item is None:
            continue
        if kind is int:
            if -_INT_MAX <= item <= _INT_MAX:
                continue
            return False
        if kind is dict:
            try:
                keys_ascii = "".join(item).isascii()
            except TypeError:  # a key that is not a string
                return False
            if not keys_ascii:
                return False
            stack.extend(item.values())
        elif kind is list or kind is tuple:
            stack.extend(item)
        else:
            return False
    return True
