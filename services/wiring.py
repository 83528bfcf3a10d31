"""What the use cases are wired to: settings, the event store, journeys and context cases in
Temporal, identity, and the webhook subscriptions (whose secrets it seals). The HTTP service
builds one at start-up (api/app.py); the CLI opens the store alone (`open_store`). The
stores that share the event store's database are made here, so no edge holds an engine."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sealing.codec import SealingCodec
from sealing.keys import KeyRing
from services.identity import Identity
from settings import Settings
from store.engine import make_engine
from store.events import EventStore
from store.operational import OperationalCounts, operational_counts
from store.sessions import DashboardSessions
from store.webhooks import WebhookStore
from workflows.client import ContextClient, JourneyClient


def open_store(settings: Settings) -> EventStore:
    """The event store of the settings' database (with the settings' connection pool)."""
    return EventStore(make_engine(settings.database_url, settings.db_pool_size, settings.db_max_overflow))


def close_store(store: EventStore) -> None:
    """Close the store's connections (a command that is done with its database)."""
    store.engine.dispose()


def webhook_store(store: EventStore, ring: KeyRing) -> WebhookStore:
    """The webhook subscriptions, in the event store's database, their secrets sealed with `ring`."""
    return WebhookStore(store.engine, ring)


def dashboard_sessions(store: EventStore) -> DashboardSessions:
    """The dashboard's sessions, in the event store's database."""
    return DashboardSessions(store.engine)


def operational_figures(store: EventStore) -> Callable[[], OperationalCounts]:
    """The database's figures for /metrics (open journeys, overdue deadlines, failing
    deliveries, checkpoint age), read afresh on each call."""
    return lambda: operational_counts(store.engine)


@dataclass
class Services:
    settings: Settings
    store: EventStore
    journeys: JourneyClient
    identity: Identity
    contexts: ContextClient
    webhooks: WebhookStore
    codec: SealingCodec  # opens and seals Temporal payloads for the UI's codec endpoint
