"""The reads the reports (reports/) are made from, as one query object per database: reports
take rows from it and never see an engine or a table, so their counting and their files can
be tested and changed without SQL, and the SQL lives with the rest of the store's."""

from __future__ import annotations

from datetime import date
from typing import Iterable

from sqlalchemy import Engine, or_, select

from domain.calendar import WorkingDayCalendar
from domain.history import Logged
from store import manager_queries
from store.baselines import Baseline, current_baselines
from store.events import EventStore
from store.history import journey_history
from store.schema import events, journeys

_BATCH = 500  # journeys per query (bound parameters stay well within both engines' limits)


class ReportQueries:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def journeys_open_between(self, local_authority: str, period_from: date, period_to: date) -> list[tuple[str, dict]]:
        """(journey id, view) of the LA's journeys open at some point of the period, in journey
        id order. A plan starts after its journey opens and ends when it closes, so this bounds
        the plans that overlap the period; the report bounds them by the plan's own dates."""
        query = (
            select(journeys.c.journey_id, journeys.c.view)
            .where(
                journeys.c.local_authority == local_authority,
                journeys.c.view.is_not(None),
                journeys.c.opened_on <= period_to,
                or_(journeys.c.closed_on.is_(None), journeys.c.closed_on >= period_from),
            )
            .order_by(journeys.c.journey_id)
        )
        with self.engine.connect() as connection:
            return [tuple(row) for row in connection.execute(query).all()]

    def events_of_types(self, journey_ids: list[str], types: Iterable[str]) -> list[tuple]:
        """(stream, event id, type, occurred_on, data) of these journeys' events of these
        types, each journey's in log order."""
        types = tuple(types)
        found: list[tuple] = []
        for at in range(0, len(journey_ids), _BATCH):
            query = (
                select(events.c.stream, events.c.event_id, events.c.type, events.c.occurred_on, events.c.data)
                .where(events.c.stream.in_(journey_ids[at:at + _BATCH]), events.c.type.in_(types))
                .order_by(events.c.stream, events.c.version)
            )
            with self.engine.connect() as connection:
                found.extend(tuple(row) for row in connection.execute(query).all())
        return found

    def plan_findings(self, local_authority: str, journey_ids: list[str]) -> dict[str, list[str]]:
        """journey id -> its plan's finding codes (the journeys summary's column), for the LA's journeys."""
        found: dict[str, list[str]] = {}
        for at in range(0, len(journey_ids), _BATCH):
            query = select(journeys.c.journey_id, journeys.c.plan_findings).where(
                journeys.c.local_authority == local_authority, journeys.c.journey_id.in_(journey_ids[at:at + _BATCH]))
            with self.engine.connect() as connection:
                found.update({journey_id: codes or [] for journey_id, codes in connection.execute(query)})
        return found

    def kpis(self, local_authority: str, first: date, last: date, calendar: WorkingDayCalendar) -> dict:
        """The timeliness measures of the steps held from `first` to `last` (manager_queries.kpis)."""
        return manager_queries.kpis(self.engine, local_authority, first, last, calendar)

    def current_baselines(self, local_authority: str) -> dict[str, Baseline]:
        return current_baselines(self.engine, local_authority)

    def journeys_with_views(self, local_authority: str) -> list[tuple[str, dict, date, date | None]]:
        """(journey id, view, opened_on, closed_on) of every journey of the LA, in journey id order."""
        query = (
            select(journeys.c.journey_id, journeys.c.view, journeys.c.opened_on, journeys.c.closed_on)
            .where(journeys.c.local_authority == local_authority, journeys.c.view.is_not(None))
            .order_by(journeys.c.journey_id)
        )
        with self.engine.connect() as connection:
            return [tuple(row) for row in connection.execute(query).all()]

    def history(self, journey_id: str) -> list[Logged]:
        """The journey's events in log order, decoded, with when each was recorded."""
        return journey_history(EventStore(self.engine), journey_id)
