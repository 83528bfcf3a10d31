"""Persistence for Safeguarding Pathways: the event log, read models and outbox."""

from store.engine import make_engine, migrate
from store.errors import EventIdConflict, StaleVersion
from store.events import EventStore
from store.records import DeadlineRow, JourneySummary, NewEvent, Notification, StoredEvent
from store.verify import Problem, Verification

__all__ = [
    "DeadlineRow",
    "EventIdConflict",
    "EventStore",
    "JourneySummary",
    "NewEvent",
    "Notification",
    "Problem",
    "StaleVersion",
    "StoredEvent",
    "Verification",
    "make_engine",
    "migrate",
]
