"""What an operator's dashboard and alerts need from the database, counted across every LA.

Counts only: which LA (a three-digit code) and which pathway, never about whom. The queries
read the summary tables (journeys, owed deadlines, deliveries, checkpoints), never the log,
so their cost follows the number of open cases rather than the log's length; the metrics
endpoint keeps the answer for a few seconds (observability/metrics.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, false, func, select

from store.schema import checkpoints, deadlines, journeys, outbox, webhook_deliveries


@dataclass(frozen=True)
class OperationalCounts:
    open_journeys: dict[tuple[str, str | None], int]  # (LA, pathway or None before a conference) -> count
    overdue_deadlines: dict[str, int]  # LA -> deadlines past due and still owed on open journeys
    failing_deliveries: dict[str, int]  # LA -> webhook deliveries retrying after a failed attempt, or given up
    latest_checkpoint_at: datetime | None


# A delivery is failing when a receiver has refused or missed it at least once and it is not
# yet delivered, or when it was given up on.
_FAILING = (
    ((webhook_deliveries.c.status == "pending") & (webhook_deliveries.c.attempts > 0))
    | webhook_deliveries.c.status.in_(("failed", "abandoned"))
)


def operational_counts(engine: Engine) -> OperationalCounts:
    open_query = (
        select(journeys.c.local_authority, journeys.c.pathway, func.count())
        .where(journeys.c.closed == false())
        .group_by(journeys.c.local_authority, journeys.c.pathway)
    )
    overdue_query = (
        select(journeys.c.local_authority, func.count())
        .select_from(deadlines.join(journeys, deadlines.c.journey_id == journeys.c.journey_id))
        .where(deadlines.c.status == "missed", journeys.c.closed == false())
        .group_by(journeys.c.local_authority)
    )
    # A notification's LA is on its outbox row; a delivery row names the notification.
    failing_query = (
        select(outbox.c.local_authority, func.count())
        .select_from(webhook_deliveries.join(outbox, webhook_deliveries.c.notification_id == outbox.c.notification_id))
        .where(_FAILING)
        .group_by(outbox.c.local_authority)
    )
    with engine.connect() as connection:
        open_journeys = {(la, pathway): n for la, pathway, n in connection.execute(open_query)}
        overdue = dict(connection.execute(overdue_query).all())
        failing = dict(connection.execute(failing_query).all())
        latest = connection.execute(select(func.max(checkpoints.c.signed_at))).scalar()
    return OperationalCounts(open_journeys, overdue, failing, latest)
