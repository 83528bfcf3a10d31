"""The journey summary and deadline tables: projections the caller computes and the
store writes in the same transaction as the events they fold (R1, store/port.py)."""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import datetime
from typing import Sequence

from sqlalchemy import Connection, delete, select

from store import sql
from store.records import DeadlineRow, JourneySummary
from store.schema import deadlines, journeys
from store.validation import check_columns, check_string_list

_SUMMARY_FIELDS = [f.name for f in fields(JourneySummary)]
_DEADLINE_FIELDS = [f.name for f in fields(DeadlineRow)]


# (vars, not asdict: asdict deep-copies the summary's view, for nothing, on every append.)
def validate_summary(summary: JourneySummary) -> None:
    check_columns(journeys, vars(summary))
    check_string_list(summary.linked_contexts, "journeys.linked_contexts")
    check_string_list(summary.plan_findings, "journeys.plan_findings")


def validate_deadlines(journey_id: str, rows: Sequence[DeadlineRow]) -> None:
    for row in rows:
        check_columns(deadlines, {"journey_id": journey_id, **vars(row)})


def upsert_summary(connection: Connection, summary: JourneySummary, updated_at: datetime) -> None:
    values = {**asdict(summary), "updated_at": updated_at}
    statement = sql.insert(connection, journeys).values(values)
    statement = statement.on_conflict_do_update(
        index_elements=[journeys.c.journey_id],
        set_={name: statement.excluded[name] for name in values if name != "journey_id"},
    )
    connection.execute(statement)


def replace_deadlines(
    connection: Connection, journey_id: str, rows: Sequence[DeadlineRow]
) -> None:
    connection.execute(delete(deadlines).where(deadlines.c.journey_id == journey_id))
    if not rows:
        return
    connection.execute(
        deadlines.insert(), [{"journey_id": journey_id, **asdict(row)} for row in rows]
    )


def load_summary(connection: Connection, journey_id: str) -> JourneySummary | None:
    columns = [journeys.c[name] for name in _SUMMARY_FIELDS]
    row = connection.execute(
        select(*columns).where(journeys.c.journey_id == journey_id)
    ).one_or_none()
    return JourneySummary(**row._mapping) if row is not None else None


def load_deadlines(connection: Connection, journey_id: str) -> list[DeadlineRow]:
    columns = [deadlines.c[name] for name in _DEADLINE_FIELDS]
    rows = connection.execute(
        select(*columns).where(deadlines.c.journey_id == journey_id).order_by(deadlines.c.seq)
    )
    return [DeadlineRow(**row._mapping) for row in rows]
