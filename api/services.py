"""What the HTTP service is wired to: settings, the event store, journeys in Temporal, identity."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from api.identity import Identity
from settings import Settings
from store.events import EventStore
from workflows.client import JourneyClient


@dataclass
class Services:
    settings: Settings
    store: EventStore
    journeys: JourneyClient
    identity: Identity


def services(request: Request) -> Services:
    return request.app.state.services
