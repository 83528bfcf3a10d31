"""Recording reads of journeys' data in the access log (store/access_log.py), for the API's
routes and the dashboard's pages alike: one line in each route that hands over a journey's data.

    access.record(request, access.JOURNEY, [journey_id])

One row per journey read: a list records a row for each journey it lists (an auditor asks
"who saw this child's record?", and a row naming the list alone could not answer it). The
caller is the request's principal (set by `api.auth.principal`, or by the dashboard's
sign-in check), the channel is the dashboard under /dashboard and the API elsewhere, and the
request id is the request log's, so the two logs can be joined.

`record` writes at once and raises whatever the store raises: it is called after the answer
is computed and before it is returned, so a read that cannot be recorded answers 500 and
hands nothing over, and a process that dies in between leaves a recorded read that was never
seen, never an unrecorded one (a listing of the access log records itself first, once it is
sure to be answered: api/routes/audit.py says why). It does I/O: call it from code already in the thread pool (a
plain `def` route, or the function a route sends there with `run_in_threadpool`, so the
write shares that trip); `record_async` is for an async route with no such trip to join.
"""

from __future__ import annotations

import base64
import binascii
from typing import Iterable

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from services.identity import Principal
from observability.metrics import ACCESS_LOG_WRITES
from store.access_log import (
    ACCESS_LOG, API, COMMAND_ANSWER, CONTEXT_LINKED, DASHBOARD, DUE_LIST, EVENTS, JOURNEY, JOURNEY_LIST, JOURNEY_PAGE,
    JOURNEY_RECORD, OVERDUE_LIST, OVERVIEW, TEMPORAL_PAYLOADS, TIMELINE, WHAT, Access, record_access,
)

# The `what` codes are store/access_log.py's (with their meanings in WHAT), re-exported here
# for the routes: a new read path adds its code there.
__all__ = [
    "ACCESS_LOG", "COMMAND_ANSWER", "CONTEXT_LINKED", "DUE_LIST", "EVENTS", "JOURNEY", "JOURNEY_LIST",
    "JOURNEY_PAGE", "JOURNEY_RECORD", "OVERDUE_LIST", "OVERVIEW", "TEMPORAL_PAYLOADS", "TIMELINE", "WHAT",
    "decode_cursor", "encode_cursor", "entries", "record", "record_async",
]

DASHBOARD_PREFIX = "/dashboard"


def entries(request: Request, what: str, journey_ids: Iterable[str | None], detail: str | None = None) -> list[Access]:
    """The rows for this request's reads: one per distinct journey id (None: a read that is
    about no one journey, such as the access log listed by user)."""
    who: Principal = request.state.principal
    channel = DASHBOARD if _under(request.url.path, DASHBOARD_PREFIX) else API
    request_id = getattr(request.state, "request_id", None)
    return [
        Access(actor=who.subject, actor_role=who.role, local_authority=who.local_authority, journey_id=journey_id,
               what=what, channel=channel, detail=detail, request_id=request_id)
        for journey_id in dict.fromkeys(journey_ids)
    ]


def record(request: Request, what: str, journey_ids: Iterable[str | None], detail: str | None = None) -> list[int]:
    """Record the reads now (from the thread pool; see above); the rows' ids. Nothing listed,
    nothing written."""
    rows = entries(request, what, journey_ids, detail)
    if not rows:
        return []
    ids = record_access(request.app.state.services.store.engine, rows)
    ACCESS_LOG_WRITES.labels(rows[0].channel, what).inc(len(ids))
    return ids


async def record_async(request: Request, what: str, journey_ids: Iterable[str | None],
                       detail: str | None = None) -> list[int]:
    """`record` from an async route: one trip to the thread pool."""
    return await run_in_threadpool(record, request, what, list(journey_ids), detail)


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def encode_cursor(last_id: int, before: int) -> str:
    """A page cursor of the access log: the last id seen, and the first id the listing leaves
    out (its own row: the log as it stood at the first page, so that paging ends even though
    every page read adds a row)."""
    return base64.urlsafe_b64encode(f"access:{last_id}:{before}".encode()).decode()


def decode_cursor(cursor: str | None) -> tuple[int | None, int | None]:
    """(the last id seen, the first id left out) from a cursor `encode_cursor` gave out;
    (None, None) for none; else ValueError."""
    if not cursor:
        return None, None
    try:
        kind, last, before = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("ascii").split(":")
    except (ValueError, UnicodeError, binascii.Error):
        raise ValueError("not a cursor") from None
    if kind != "access" or not all(n.isdigit() and len(n) <= 18 for n in (last, before)):
        raise ValueError("not an access log cursor")
    return int(last), int(before)
