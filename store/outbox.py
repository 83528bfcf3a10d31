"""Notifications recorded with the events that caused them, delivered later.

The outbox is the one table whose rows change after insertion: ``delivered_at`` is set
once, when a notification has been handed on.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import datetime
from typing import Sequence

from sqlalchemy import Connection, select, update

from store import sql
from store.records import Notification
from store.schema import outbox
from store.validation import check_columns, check_json_ready

_FIELDS = [f.name for f in fields(Notification)]


def validate(notification: Notification) -> None:
    check_columns(outbox, {name: getattr(notification, name) for name in _FIELDS})
    check_json_ready(notification.payload, f"notification {notification.notification_id} payload")


def enqueue(
    connection: Connection, notifications: Sequence[Notification], created_at: datetime
) -> None:
    """Insert-if-absent on notification_id (R6): a retried command re-enqueues harmlessly."""
    if not notifications:
        return
    statement = sql.insert(connection, outbox).on_conflict_do_nothing(
        index_elements=[outbox.c.notification_id]
    )
    connection.execute(
        statement, [{**asdict(n), "created_at": created_at} for n in notifications]
    )


def undelivered(connection: Connection, limit: int) -> list[Notification]:
    columns = [outbox.c[name] for name in _FIELDS]
    rows = connection.execute(
        select(*columns).where(outbox.c.delivered_at.is_(None)).order_by(outbox.c.id).limit(limit)
    )
    return [Notification(**row._mapping) for row in rows]


def for_journey(connection: Connection, journey_id: str) -> list[Notification]:
    """Every notification a journey raised, delivered or not, oldest first."""
    columns = [outbox.c[name] for name in _FIELDS]
    rows = connection.execute(select(*columns).where(outbox.c.journey_id == journey_id).order_by(outbox.c.id))
    return [Notification(**row._mapping) for row in rows]


def mark_delivered(connection: Connection, notification_id: str, at: datetime) -> None:
    """Idempotent: the first delivery time is kept."""
    result = connection.execute(
        update(outbox)
        .where(outbox.c.notification_id == notification_id, outbox.c.delivered_at.is_(None))
        .values(delivered_at=at)
    )
    if result.rowcount == 0:
        known = connection.execute(
            select(outbox.c.id).where(outbox.c.notification_id == notification_id)
        ).first()
        if known is None:
            raise KeyError(f"no notification {notification_id} in the outbox")
