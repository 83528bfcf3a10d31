"""What the use cases are wired to: settings, the event store, journeys and context cases in
Temporal, identity, and the webhook subscriptions (whose secrets it seals). The HTTP service
builds one at start-up (api/app.py)."""

from __future__ import annotations

from dataclasses import dataclass

from sealing.codec import SealingCodec
from services.identity import Identity
from settings import Settings
from store.engine import make_engine
from store.events import EventStore
from store.webhooks import WebhookStore
from workflows.client import ContextClient, JourneyClient


def open_store(settings: Settings) -> EventStore:
    """The event store of the settings' database, for a process of its own (the CLI's)."""
    return EventStore(make_engine(settings.database_url))


@dataclass
class Services:
    settings: Settings
    store: EventStore
    journeys: JourneyClient
    identity: Identity
    contexts: ContextClient
    webhooks: WebhookStore
    codec: SealingCodec  # opens and seals Temporal payloads for the UI's codec endpoint
