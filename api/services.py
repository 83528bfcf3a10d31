"""What the HTTP service is wired to: settings, the event store, journeys and context cases in
Temporal, identity, and the webhook subscriptions (whose secrets it seals)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from services.identity import Identity
from sealing.codec import SealingCodec
from settings import Settings
from store.events import EventStore
from store.webhooks import WebhookStore
from workflows.client import ContextClient, JourneyClient


@dataclass
class Services:
    settings: Settings
    store: EventStore
    journeys: JourneyClient
    identity: Identity
    contexts: ContextClient
    webhooks: WebhookStore
    codec: SealingCodec  # opens and seals Temporal payloads for the UI's codec endpoint


async def services(request: Request) -> Services:
    # Async, though it awaits nothing: FastAPI runs a plain function dependency in its thread
    # pool, a hop per request for an attribute read.
    return request.app.state.services
