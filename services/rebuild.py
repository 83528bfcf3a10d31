"""Rebuilding the read models from the log (`pathways rebuild`): every journey folded again
with the rules' `evolve`, its deadlines judged on the LA's today (the clock read here)."""

from __future__ import annotations

from functools import partial

from domain.calendar import WorkingDayCalendar
from services.clock import la_today
from settings import Settings
from store.events import EventStore
from store.projections import rebuild_read_models
from workflows.client import workflow_id_of_state


def rebuild(store: EventStore, settings: Settings, batch_size: int, workers: int = 1):
    """Rebuild every journey's read models; what was rebuilt (journeys, events)."""
    return rebuild_read_models(
        store.engine, WorkingDayCalendar(settings.closure_days), la_today(),
        partial(workflow_id_of_state, settings.id_key), batch=batch_size, workers=workers,
    )
