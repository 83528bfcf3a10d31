"""The log's events as every resource's answers show them (journeys, context cases, the
auditors' chronology)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel

from api.schemas.common import example_config

HASH_1 = "5e0c2a0b7f3f1d9c4b6a8e2d1c0f9a7b3e5d4c2b1a0f9e8d7c6b5a4f3e2d1c0b"
HASH_2 = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
EVENT_EXAMPLE = {
    "event_id": "c8f1a0de-2f5b-5b71-8d3e-6a9c0b1e2d34", "position": 1042, "version": 2,
    "type": "StrategyDiscussionHeld", "occurred_on": "2026-03-19", "recorded_at": "2026-03-19T14:02:11.384211+00:00",
    "actor": "lcs-integration", "actor_role": "system", "command_id": "0b8f5c1e-7d44-4a57-8a0c-1f2e3d4c5b6a",
    "schema_version": 1, "data": {"outcome": "s47_roth", "pathway": "roth", "harm_types": ["cce"]}, "prev_hash": HASH_1, "hash": HASH_2,
}


class Event(BaseModel):
    model_config = example_config(EVENT_EXAMPLE)
    event_id: str
    position: int
    version: int
    type: str
    occurred_on: date | None
    recorded_at: str
    actor: str
    actor_role: str
    command_id: str | None
    schema_version: int
    data: dict[str, Any]
    prev_hash: str
    hash: str
