"""Subject access: everything the service holds about one young person, for the auditor (the
data protection officer is an auditor-role user) answering a request under data protection law.

The young person is named by the LA's child id. No index of child ids is kept: a journey's
workflow id is a keyed hash of the LA and the child id (workflows/client.py), so the same
hash finds every journey of theirs in the LA, the closed ones and the one open now.
For each journey the export holds what an auditor's own reads give: the chronology as
`full_chronology` reads it, the state (deadlines, plans, participation and views, consent,
census details) folded from the log as the as-of read folds it, and the access log's rows
about the journey. These are the record's read paths, not copies of them, so whatever opens
the record for those reads opens it for this export too.

Context cases are about places and groups and name no young person (domain/contexts.py):
which contexts a young person's journeys named is in their weightings, listed here too.

Like every read of a young person's data, the export is recorded in the access log (one row
per journey, what `subject_access`, the format as its detail) after it is put together and
before it is handed over. Another LA's young person is "not found", as one the LA never had.
"""

from __future__ import annotations

from datetime import date

from domain.calendar import WorkingDayCalendar
from domain.history import as_of
from domain.views import journey_view
from services import access
from services.access import Reader
from services.clock import Clock, la_today, now
from services.errors import NotFound
from services.journeys import chronology_of
from services.permissions import check_may_export_subject_access
from store.access_log import SUBJECT_ACCESS, AccessRecord, access_for_journey
from store.events import EventStore
from store.history import journey_history
from store.queries import journeys_of_workflow
from store.records import JourneySummary
from workflows.client import journey_workflow_id

FORMATS = ("json", "html")
ACCESS_PAGE = 500


def young_person_not_found() -> NotFound:
    # Another LA's young person answers exactly as one this LA never had a journey for.
    return NotFound("young_person_not_found", "There is no young person with this child id in the LA's journeys.")


def export(store: EventStore, reader: Reader, id_key: bytes, child_id: str, calendar: WorkingDayCalendar,
           format: str = "json", clock: Clock | None = None) -> dict:
    """Everything held about the young person with this LA child id in the reader's LA, its
    export recorded; NotAllowed for a role other than the auditor's (whether or not the LA
    has the young person: the refusal says nothing about them), NotFound if the LA has no
    journey of theirs."""
    check_may_export_subject_access(reader.who)
    found = export_unrecorded(store, reader.who.local_authority, id_key, child_id, calendar, clock)
    record_export(store, reader, found, format)
    return found


def export_unrecorded(store: EventStore, local_authority: str, id_key: bytes, child_id: str,
                      calendar: WorkingDayCalendar, clock: Clock | None = None) -> dict:
    """The export, not yet recorded: for an edge that records it itself, with `record_export`,
    before handing it over (the CLI, which says which step failed). NotFound if the LA has no
    journey of the young person's."""
    moment = now(clock)
    today = la_today(lambda: moment)  # the same instant: the export's time and its day agree
    summaries = journeys_of_workflow(store.engine, local_authority, journey_workflow_id(id_key, local_authority, child_id))
    held = [_journey(store, local_authority, s, calendar, today) for s in summaries]
    held = [j for j in held if j is not None]
    if not held:
        raise young_person_not_found()
    return {
        "local_authority": local_authority,
        "child_id": child_id,
        "exported_at": moment.isoformat(),
        "deadlines_judged_on": today.isoformat(),
        "journeys": held,
        "contexts_named": _contexts_named(held),
    }


def record_export(store: EventStore, reader: Reader, found: dict, format: str) -> None:
    """Record the export: one row per journey in it (who, when and through which channel are
    the row's own), the format (or formats, "json+html") as its detail. Never the child id:
    the journeys say whose."""
    if not set(format.split("+")) <= set(FORMATS):
        raise ValueError(f"a subject access export is in {' or '.join(FORMATS)}")
    access.record(store, reader, SUBJECT_ACCESS, [j["journey_id"] for j in found["journeys"]], f"format={format}")


def _journey(store: EventStore, local_authority: str, summary: JourneySummary, calendar: WorkingDayCalendar,
             today: date) -> dict | None:
    journey_id = summary.journey_id
    state = as_of(journey_history(store, journey_id))
    if state.journey_id is None:
        return None  # a summary with nothing in the log behind it holds nothing to hand over
    return {
        "journey_id": journey_id,
        "opened_on": summary.opened_on.isoformat(),
        "closed": state.closed,
        "state": journey_view(state, calendar, today),
        "chronology": chronology_of(store, journey_id),
        "access_log": [_access(r) for r in _access_log(store, local_authority, journey_id)],
    }


def _access_log(store: EventStore, local_authority: str, journey_id: str) -> list[AccessRecord]:
    """Every recorded read of the journey, oldest first (this export's own rows come after)."""
    rows: list[AccessRecord] = []
    while True:
        page = access_for_journey(store.engine, local_authority, journey_id, rows[-1].id if rows else None, ACCESS_PAGE)
        rows += page
        if len(page) < ACCESS_PAGE:
            return rows


def _access(r: AccessRecord) -> dict:
    return {"id": r.id, "accessed_at": r.accessed_at.isoformat(), "actor": r.actor, "actor_role": r.actor_role,
            "local_authority": r.local_authority, "journey_id": r.journey_id, "what": r.what, "channel": r.channel, "detail": r.detail,
            "request_id": r.request_id}


def _contexts_named(held: list[dict]) -> list[dict]:
    """The contexts the journeys' weightings named, each with the journeys that named it, by id."""
    named: dict[str, dict] = {}
    for journey in held:
        for weighting in journey["state"]["context_weightings"]:
            for context in weighting["contexts"]:
                entry = named.setdefault(context["context_id"], {
                    "context_id": context["context_id"], "kind": context["kind"], "name": context["name"],
                    "journey_ids": []})
                if journey["journey_id"] not in entry["journey_ids"]:
                    entry["journey_ids"].append(journey["journey_id"])
    return [named[k] for k in sorted(named)]
