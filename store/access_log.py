"""The access log: every read of a journey's data, who read it and how, appended and never changed.

One row per journey read per request: who (the actor as the token or the operating system
names them, and their role), their LA, which journey, what they read (a code below), through
which channel (the HTTP API, the dashboard or the `pathways journey` command), when, and the
request id that ties the row to the request log. Rows are never updated or deleted: the
migration's triggers refuse it on both engines, and on PostgreSQL the application role is
only granted SELECT and INSERT.

Recording is part of the read, not a side effect of it: `record_access` raises whatever the
database raises, and callers let it propagate, so a read whose access cannot be recorded
fails (the HTTP service answers 500 and returns nothing of the journey) rather than going
unrecorded. That is what auditors expect of an access log: an absent row means there was no
read. The rows are written before the data is handed over (before the answer is returned),
so a process that dies in between leaves a recorded read that was never seen, never the
reverse.

Reads of the log are confined to one LA and page by keyset on `id`, oldest first (the order
the log was written in, like a chronology): pass the last id seen as `cursor`, and, to page
through the log as it stood at the first page (reading it adds rows to it, so a listing that
followed them could page for ever), the first id left out as `before`.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Iterable

from sqlalchemy import Engine, insert, select

from store.engine import for_writing
from store.schema import access_log
from store.validation import check_columns

__all__ = [
    "Access", "AccessRecord", "CHANNELS", "WHAT", "access_by_user", "access_for_journey", "record_access",
]

API, DASHBOARD, CLI = "api", "dashboard", "cli"
CHANNELS = (API, DASHBOARD, CLI)

# What was read: the codes in the `what` column, with what each means.
JOURNEY = "journey"
EVENTS = "events"
COMMAND_ANSWER = "command_answer"
TIMELINE = "timeline"
JOURNEY_LIST = "journey_list"
OVERDUE_LIST = "overdue_list"
DUE_LIST = "due_list"
CONTEXT_LINKED = "context_linked"
OVERVIEW = "overview"
JOURNEY_PAGE = "journey_page"
JOURNEY_RECORD = "journey_record"
ACCESS_LOG = "access_log"
TEMPORAL_PAYLOADS = "temporal_payloads"
SUBJECT_ACCESS = "subject_access"

# The codes the service records, with what each means (docs/audit.md's table, the API's
# documentation and the dashboard's words follow it). A new read path adds its code here.
WHAT = {
    JOURNEY: "the journey's state (GET /v1/journeys/{id})",
    EVENTS: "the journey's chronology (GET /v1/journeys/{id}/events)",
    COMMAND_ANSWER: "the journey's state in a command's answer (POST /v1/journeys, POST /v1/journeys/{id}/commands)",
    TIMELINE: "the journey's timeline (GET /v1/journeys/{id}/timeline)",
    JOURNEY_LIST: "the journey's summary in a list of journeys (GET /v1/journeys, the dashboard's journey list)",
    OVERDUE_LIST: "the journey's summary in the overdue list (GET /v1/overdue)",
    DUE_LIST: "the journey's summary in the due-soon list (GET /v1/due)",
    CONTEXT_LINKED: "the journey listed as naming a context (GET /v1/contexts/{id}, the dashboard's context page; "
                    "detail: the context id)",
    OVERVIEW: "the journey listed on the dashboard's overview (overdue, due this week)",
    JOURNEY_PAGE: "the dashboard's journey page (state, deadlines, timeline, plan, participation)",
    JOURNEY_RECORD: "the journey's state and chronology from the event log (`pathways journey`)",
    ACCESS_LOG: "the access log itself: per journey (journey_id set) or per user (detail: the actor)",
    "audit_bundle": "the journey's events in an audit bundle (`pathways audit export`)",
    "roth_dataset": "the journey's row in the ROTH dataset (GET /v1/reports/roth-dataset, `pathways report roth-dataset`)",
    "cin_census": "the journey as an episode of a CIN census return, its companion file or its readiness report "
                  "(GET /v1/reports/cin-census..., `pathways report cin-census`)",
    "cohort_report": "the cohort report's published counts, a chart or an export: no journey (detail: period, "
                     "threshold and format or chart)",
    TEMPORAL_PAYLOADS: "Temporal payloads opened by the codec endpoint for the Temporal UI (POST /codec/decode): "
                       "the journeys they name, or none (detail: how many payloads)",
    SUBJECT_ACCESS: "the journey in a subject access export of everything held about its young person "
                    "(POST /v1/audit/subject-access, `pathways subject-access`; detail: the format)",
}
# What a code looks like: a code, never free text.
WHAT_CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


@dataclass(frozen=True)
class Access:
    """One read to record (the time is the recording's)."""

    actor: str
    actor_role: str
    local_authority: str | None
    journey_id: str | None
    what: str
    channel: str
    detail: str | None = None
    request_id: str | None = None


@dataclass(frozen=True)
class AccessRecord:
    """One row of the log as it was recorded."""

    id: int
    accessed_at: datetime
    actor: str
    actor_role: str
    local_authority: str | None
    journey_id: str | None
    what: str
    channel: str
    detail: str | None
    request_id: str | None


_COLUMNS = [access_log.c[name] for name in AccessRecord.__dataclass_fields__]


def record_access(engine: Engine, entries: Iterable[Access]) -> list[int]:
    """Append the entries in one transaction, all with the same `accessed_at`; their ids, in
    the entries' order (nothing to write is no transaction at all).

    Raises ValueError for an entry that does not fit the log (an unknown channel, a `what`
    that is not a code, a value too long for its column), and whatever the database raises: callers let it
    propagate, so that a read that cannot be recorded fails rather than going unrecorded."""
    now = datetime.now(timezone.utc)
    rows = []
    for entry in entries:
        if entry.channel not in CHANNELS:
            raise ValueError(f"access_log.channel must be one of {', '.join(CHANNELS)}")
        if not isinstance(entry.what, str) or not WHAT_CODE.match(entry.what):
            raise ValueError("access_log.what must be a code (lower case letters, digits and _)")
        values = {**asdict(entry), "accessed_at": now}
        # SQLite ignores VARCHAR lengths: refuse here what PostgreSQL would.
        check_columns(access_log, values)
        rows.append(values)
    if not rows:
        return []
    with for_writing(engine).begin() as connection:
        written = connection.execute(insert(access_log).returning(access_log.c.id, sort_by_parameter_order=True), rows)
        return list(written.scalars())


def access_for_journey(
    engine: Engine, local_authority: str, journey_id: str, cursor: int | None = None, limit: int = 100,
    before: int | None = None,
) -> list[AccessRecord]:
    """The LA's recorded reads of one journey, oldest first, after the id `cursor` (and
    before the id `before`)."""
    return _page(engine, local_authority, access_log.c.journey_id == journey_id, cursor, limit, before)


def access_by_user(
    engine: Engine, local_authority: str, actor: str, cursor: int | None = None, limit: int = 100,
    before: int | None = None,
) -> list[AccessRecord]:
    """What one actor read in the LA (every journey, and their reads of the log), oldest
    first, after the id `cursor` (and before the id `before`)."""
    return _page(engine, local_authority, access_log.c.actor == actor, cursor, limit, before)


def _page(engine: Engine, local_authority: str, which, cursor: int | None, limit: int,
          before: int | None) -> list[AccessRecord]:
    query = select(*_COLUMNS).where(access_log.c.local_authority == local_authority, which)
    if cursor is not None:
        query = query.where(access_log.c.id > cursor)
    if before is not None:
        query = query.where(access_log.c.id < before)
    with engine.connect() as connection:
        rows = connection.execute(query.order_by(access_log.c.id).limit(limit)).all()
    return [AccessRecord(**row._mapping) for row in rows]
