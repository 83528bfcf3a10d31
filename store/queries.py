"""Reads for the HTTP service: journey summaries, always confined to one LA."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, select

from store.records import JourneySummary
from store.schema import journeys

SUMMARY_COLUMNS = [
    journeys.c.journey_id, journeys.c.workflow_id, journeys.c.local_authority, journeys.c.pathway,
    journeys.c.stage, journeys.c.opened_on, journeys.c.closed, journeys.c.closed_on,
    journeys.c.closure_reason, journeys.c.next_deadline_kind, journeys.c.next_due_on,
    journeys.c.overdue, journeys.c.version, journeys.c.chair_id, journeys.c.linked_contexts,
    journeys.c.plan_findings,
]


def journey_in_la(engine: Engine, journey_id: str, local_authority: str) -> tuple[JourneySummary, dict | None] | None:
    """The summary and contract view of a journey, or None if it is not this LA's."""
    with engine.connect() as connection:
        row = connection.execute(
            select(*SUMMARY_COLUMNS, journeys.c.view).where(
                journeys.c.journey_id == journey_id, journeys.c.local_authority == local_authority
            )
        ).one_or_none()
    if row is None:
        return None
    values = dict(row._mapping)
    view = values.pop("view")
    return JourneySummary(**values), view


def journeys_page(
    engine: Engine, local_authority: str, *, pathway: str | None = None, stage: str | None = None,
    overdue: bool | None = None, due_before: date | None = None, after: str | None = None, limit: int = 50,
) -> list[JourneySummary]:
    """One page of an LA's journeys, in journey id order (keyset: `after` the last id seen)."""
    query = select(*SUMMARY_COLUMNS).where(journeys.c.local_authority == local_authority)
    if pathway is not None:
        query = query.where(journeys.c.pathway == pathway)
    if stage is not None:
        query = query.where(journeys.c.stage == stage)
    if overdue is not None:
        query = query.where(journeys.c.overdue == overdue)
    if due_before is not None:
        query = query.where(journeys.c.next_due_on < due_before)
    if after is not None:
        query = query.where(journeys.c.journey_id > after)
    with engine.connect() as connection:
        rows = connection.execute(query.order_by(journeys.c.journey_id).limit(limit)).all()
    return [JourneySummary(**row._mapping) for row in rows]


def journeys_of_workflow(engine: Engine, local_authority: str, workflow_id: str) -> list[JourneySummary]:
    """Every journey of the LA under one journey workflow id, oldest first: one young person's
    journeys, open and closed (the id is a keyed hash of the LA and the LA's child id, and each
    referral after a closure opens a new journey under it)."""
    query = select(*SUMMARY_COLUMNS).where(
        journeys.c.local_authority == local_authority, journeys.c.workflow_id == workflow_id)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return sorted((JourneySummary(**row._mapping) for row in rows), key=lambda j: (j.opened_on, j.journey_id))
