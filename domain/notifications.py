"""What the LA's own systems are told when a journey records an event they are owed.

A notification leaves the service (the outbox, then a webhook), so what it may carry is a
rule of its own: ids, kinds and dates only, never a young person's personal details. The
event's data can hold such details (a name, a date of birth, a practitioner's note), so the
payload names the fields it takes rather than copying the data and leaving some out.
"""

from __future__ import annotations

from domain.events import NOTIFIED


def notification(event_id: str, event_type: str, occurred_on: str | None, data: dict,
                 journey_id: str, local_authority: str) -> dict | None:
    """The outbox's notification for one stored event (its id doubles as the notification's),
    or None if the LA is not told about events of this type."""
    if event_type not in NOTIFIED:
        return None
    return {
        "notification_id": event_id, "journey_id": journey_id, "local_authority": local_authority,
        "type": NOTIFIED[event_type], "event_id": event_id,
        "payload": {"journey_id": journey_id, "local_authority": local_authority,
                    "event_type": event_type, "kind": data.get("kind"), "due_on": data.get("due_on"),
                    "reason": data.get("reason"), "occurred_on": occurred_on},
    }
