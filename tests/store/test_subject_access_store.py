"""Subject access (services/subject_access.py) on SQLite and PostgreSQL, over hand-made journeys:
a young person's journeys are found by the keyed hash of LA and child id, in their LA only,
and the export is recorded a row per journey. (The HTTP and CLI edges: tests/api.)"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone

import pytest

from domain import events as e
from domain.calendar import WorkingDayCalendar
from domain.model import YoungPerson
from domain.timescales import policy_in_force
from services import subject_access
from services.access import Reader
from services.errors import NotAllowed, NotFound
from services.identity import Principal
from store.access_log import access_for_journey
from store.events import EventStore
from store.records import JourneySummary, NewEvent
from workflows.client import journey_workflow_id

KEY, LA, OTHER_LA = b"subject-access-test-key", "873", "874"
CALENDAR = WorkingDayCalendar()
CLOCK = lambda: datetime(2026, 6, 1, 9, tzinfo=timezone.utc)  # noqa: E731


def put(store: EventStore, child: str, referred: date, closed_on: date | None = None, la: str = LA) -> str:
    """A journey of the young person `child`: started (and closed), with its summary."""
    jid = str(uuid.uuid4())
    person = YoungPerson(child, date(2011, 2, 3), "M", "MWBC")
    facts = [e.JourneyStarted(referred, jid, la, person, policy_in_force("national", referred))]
    if closed_on:
        facts.append(e.JourneyClosed(closed_on, "other", note="Moved away"))
    rows = []
    for fact in facts:
        name, occurred_on, data = e.encode(fact)
        rows.append(NewEvent(str(uuid.uuid4()), name, date.fromisoformat(occurred_on), "sw-0042", "practitioner",
                             str(uuid.uuid4()), e.SCHEMA_VERSION, data))
    summary = JourneySummary(
        journey_id=jid, workflow_id=journey_workflow_id(KEY, la, child), local_authority=la, pathway=None,
        stage="closed" if closed_on else "referral", opened_on=referred, closed=closed_on is not None,
        closed_on=closed_on, closure_reason="other" if closed_on else None, next_deadline_kind=None,
        next_due_on=None, overdue=False, version=len(rows))
    store.append(jid, 0, rows, summary=summary, deadlines=[])
    return jid


def auditor(la: str = LA, role: str = "auditor") -> Reader:
    return Reader(Principal(f"{role}-{la}", role, la), "api", f"req-{uuid.uuid4()}")


def test_the_young_persons_journeys_in_their_la_only(event_store: EventStore):
    child = "LCS0012345"
    later = put(event_store, child, date(2026, 3, 2))
    earlier = put(event_store, child, date(2025, 9, 1), closed_on=date(2026, 1, 15))
    put(event_store, "LCS0099999", date(2026, 2, 2))  # someone else
    elsewhere = put(event_store, child, date(2026, 1, 5), la=OTHER_LA)  # the same id in another LA

    reader = auditor()
    found = subject_access.export(event_store, reader, KEY, child, CALENDAR, "html", CLOCK)
    assert [j["journey_id"] for j in found["journeys"]] == [earlier, later]  # oldest first
    assert [j["closed"] for j in found["journeys"]] == [True, False]
    assert found["deadlines_judged_on"] == "2026-06-01"
    closed = found["journeys"][0]
    assert [x["type"] for x in closed["chronology"]] == ["JourneyStarted", "JourneyClosed"]
    assert closed["state"]["young_person"]["id"] == child and closed["state"]["closed_on"] == "2026-01-15"
    for jid in (earlier, later):
        rows = [(a.actor, a.what, a.channel, a.detail, a.request_id) for a in access_for_journey(event_store.engine, LA, jid)]
        assert rows == [("auditor-873", "subject_access", "api", "format=html", reader.request_id)]

    # Another LA's auditor finds only their own LA's journey of that child id.
    theirs = subject_access.export(event_store, auditor(OTHER_LA), KEY, child, CALENDAR, clock=CLOCK)
    assert [j["journey_id"] for j in theirs["journeys"]] == [elsewhere]
    with pytest.raises(NotFound):
        subject_access.export(event_store, auditor(OTHER_LA), KEY, "LCS0099999", CALENDAR, clock=CLOCK)
    with pytest.raises(NotFound):
        subject_access.export(event_store, auditor(), b"another key", child, CALENDAR, clock=CLOCK)


@pytest.mark.parametrize("role", ["system", "practitioner", "manager", "admin"])
def test_only_an_auditor_exports(event_store: EventStore, role: str):
    jid = put(event_store, "LCS0012345", date(2026, 3, 2))
    with pytest.raises(NotAllowed):
        subject_access.export(event_store, auditor(role=role), KEY, "LCS0012345", CALENDAR, clock=CLOCK)
    assert access_for_journey(event_store.engine, LA, jid) == []
