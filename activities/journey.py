"""The journey's one side effect: append its events and update the read models, atomically.

Thin on purpose: the workflow has already decided everything (events, ids, read-model rows);
this turns plain payloads into the store's records and makes one transaction. Retrying it is
safe because the store ignores a batch whose event ids it already holds.
"""

from __future__ import annotations

from temporalio import activity

from domain.codec import from_data, to_data
from activities.names import PERSIST_JOURNEY_EVENTS
from store.events import EventStore
from store.records import DeadlineRow, JourneySummary, NewEvent, Notification, StoredEvent


class JourneyActivities:
    def __init__(self, store: EventStore) -> None:
        self._store = store

    @activity.defn(name=PERSIST_JOURNEY_EVENTS)
    def persist_journey_events(self, request: dict) -> list[dict]:
        stored = self._store.append(
            request["stream"],
            request["expected_version"],
            [from_data(NewEvent, e) for e in request["events"]],
            summary=from_data(JourneySummary, request["summary"]),
            deadlines=[from_data(DeadlineRow, d) for d in request["deadlines"]],
            notifications=[from_data(Notification, n) for n in request["notifications"]],
        )
        return [stored_event_view(e) for e in stored]


def stored_event_view(event: StoredEvent) -> dict:
    """An event as the contract shows it in responses and the chronology."""
    return {
        "event_id": event.event_id, "position": event.position, "version": event.version,
        "type": event.type, "occurred_on": to_data(event.occurred_on),
        "recorded_at": event.recorded_at.isoformat(), "actor": event.actor, "actor_role": event.actor_role,
        "command_id": event.command_id, "schema_version": event.schema_version, "data": event.data,
        "prev_hash": event.prev_hash, "hash": event.hash,
    }
