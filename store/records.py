"""The values that go into and come out of the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple


@dataclass(frozen=True)
class NewEvent:
    event_id: str  # a uuid string the caller derives deterministically, so retries reuse it
    type: str
    occurred_on: date | None  # valid time: when it happened in the world, per the caller
    actor: str  # a user or system id; never a young person's details
    actor_role: str
    command_id: str | None
    schema_version: int
    data: dict[str, Any]  # JSON-ready: str, int, bool, None, list and dict only


@dataclass(frozen=True)
class CommandRequest:
    """The client's request a batch answers (R7): its LA, its command id (the idempotency
    key) and the canonical hash of the request (api/idempotency.py)."""

    local_authority: str
    command_id: str
    request_hash: str


class StoredEvent(NamedTuple):
    """An event as the log holds it. A named tuple rather than a frozen dataclass: every
    read of the log builds one per row, and a tuple is built several times faster."""

    position: int
    stream: str
    version: int
    event_id: str
    type: str
    occurred_on: date | None
    recorded_at: datetime  # transaction time: aware UTC, from the store's clock
    actor: str
    actor_role: str
    command_id: str | None
    schema_version: int
    data: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class JourneySummary:
    journey_id: str
    workflow_id: str
    local_authority: str
    pathway: str | None  # "roth" or "cp"
    stage: str
    opened_on: date
    closed: bool
    closed_on: date | None
    closure_reason: str | None
    next_deadline_kind: str | None
    next_due_on: date | None
    overdue: bool
    version: int  # how many of the journey's events this summary folds
    # ROTH practice (migration 0004). Lists, as the domain's rows and the JSON columns give
    # them, so that a summary written and one read back compare equal.
    chair_id: str | None = None  # the independent chair assigned to the case
    linked_contexts: list[str] = field(default_factory=list)  # context ids outside the home
    plan_findings: list[str] = field(default_factory=list)  # codes of the plan quality check
    view: dict[str, Any] | None = None  # the contract's state shape, as of `version`


@dataclass(frozen=True)
class DeadlineRow:
    seq: int
    kind: str
    due_on: date
    original_due_on: date
    reminder_on: date | None
    status: str  # "open", "met", "missed" or "extended"
    met_on: date | None


@dataclass(frozen=True)
class Notification:
    notification_id: str  # derived deterministically by the caller: enqueueing twice is a no-op
    journey_id: str
    local_authority: str
    type: str
    payload: dict[str, Any]
    event_id: str


def event_view(event: StoredEvent) -> dict[str, Any]:
    """An event as the v1 contract shows it, in command answers and the chronology."""
    return {
        "event_id": event.event_id, "position": event.position, "version": event.version,
        "type": event.type, "occurred_on": event.occurred_on.isoformat() if event.occurred_on else None,
        "recorded_at": event.recorded_at.isoformat(), "actor": event.actor, "actor_role": event.actor_role,
        "command_id": event.command_id, "schema_version": event.schema_version, "data": event.data,
        "prev_hash": event.prev_hash, "hash": event.hash,
    }
