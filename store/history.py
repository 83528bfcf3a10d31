"""A journey's log as the auditors' questions need it: each event with its two time axes,
and the stored fact a correction names."""

from __future__ import annotations

from domain.codec import to_data
from domain.events import decode
from domain.history import Logged
from store.port import EventStore


def journey_history(store: EventStore, journey_id: str) -> list[Logged]:
    """The journey's events in log order, decoded, with when each was recorded."""
    return [Logged(x.event_id, x.recorded_at, decode(x.type, x.occurred_on, x.data), x.command_id)
            for x in store.read_stream(journey_id)]


def corrected_fact(store: EventStore, journey_id: str, event_id: str) -> dict | None:
    """The event `event_id` of this journey as a correct_event command's `original` (the
    rules are pure, so the service tells them what the log holds), or None if the journey
    has no such event."""
    for x in store.read_stream(journey_id):
        if x.event_id == event_id:
            data = x.data
            return {"type": x.type, "occurred_on": to_data(x.occurred_on), "outcome": data.get("outcome"),
                    "categories": list(data.get("categories") or ())}
    return None
