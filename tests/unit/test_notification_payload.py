"""What a notification may carry when it leaves the service (domain/notifications.py).

The LA's systems are told ids, kinds and dates only: a young person's details in the
event's data (a name, a date of birth, a note) never reach the payload.
"""

from __future__ import annotations

from domain.events import NOTIFIED
from domain.notifications import notification

PERSONAL = {"name": "Fictional Person", "date_of_birth": "2010-01-01", "note": "Lives with an aunt"}


def test_a_missed_deadline_is_told_as_ids_kinds_and_dates():
    told = notification("ev-1", "DeadlineMissed", "2026-03-02",
                        {"kind": "initial_conference", "due_on": "2026-03-01", **PERSONAL}, "j-1", "873")
    assert told == {
        "notification_id": "ev-1", "journey_id": "j-1", "local_authority": "873", "type": "deadline_missed",
        "event_id": "ev-1",
        "payload": {"journey_id": "j-1", "local_authority": "873", "event_type": "DeadlineMissed",
                    "kind": "initial_conference", "due_on": "2026-03-01", "reason": None,
                    "occurred_on": "2026-03-02"},
    }


def test_no_personal_detail_reaches_any_notified_type():
    for event_type, kind in NOTIFIED.items():
        told = notification("ev", event_type, "2026-03-02", {"reason": "plan_ended", **PERSONAL}, "j", "873")
        assert told["type"] == kind
        assert not set(PERSONAL) & set(told["payload"])
        assert not set(PERSONAL.values()) & set(map(str, told["payload"].values()))


def test_events_the_la_is_not_told_about_make_no_notification():
    assert notification("ev", "VisitRecorded", "2026-03-02", {}, "j", "873") is None
