"""What an append writes besides its events: the journey's projection updates.

The port (store/port.py) has the append take them and write them in its transaction (R1),
because a summary or a deadline that lagged behind the events would be read as the truth by
managers. Their checks and their writing on the careful path live here, apart from the log's
own logic in store/events.py, so that a new projection changes this module and not the
log's. The usual path writes the same rows in its own statements (store/append_sql.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Sequence

from sqlalchemy import Connection

from store import outbox, read_models
from store.records import CommandRequest, DeadlineRow, JourneySummary, Notification
from store.schema import command_requests as command_requests_table
from store.validation import check_columns


def validate(
    stream: str, summary: JourneySummary | None, deadlines: Sequence[DeadlineRow] | None,
    notifications: Sequence[Notification], request: CommandRequest | None,
) -> None:
    """R9: raise ValueError for an update the database would refuse, before it sees it."""
    if summary is not None:
        if summary.journey_id != stream:
            raise ValueError("the summary belongs to a different journey than the stream")
        read_models.validate_summary(summary)
    if deadlines is not None:
        read_models.validate_deadlines(stream, deadlines)
    for notification in notifications:
        outbox.validate(notification)
    if request is not None:
        check_columns(command_requests_table, {"stream": stream, **vars(request)})


def write(
    connection: Connection, stream: str, recorded_at: datetime, summary: JourneySummary | None,
    deadlines: Sequence[DeadlineRow] | None, notifications: Sequence[Notification],
) -> None:
    """R1 and R6, in the caller's transaction. (The request, R7, is claimed before the events
    are inserted, since a command id taken must refuse the whole append.)"""
    if summary is not None:
        read_models.upsert_summary(connection, summary, recorded_at)
    if deadlines is not None:
        read_models.replace_deadlines(connection, stream, deadlines)
    outbox.enqueue(connection, notifications, recorded_at)
