"""Recording reads of journeys' data from HTTP: the reader is the request's principal (set by
`api.auth.principal`, or by the dashboard's sign-in check), the channel is the dashboard under
/dashboard and the API elsewhere, and the request id is the request log's, so the two logs
can be joined. What is recorded, and why before the answer, is services/access.py's.

    access.record(request, access.JOURNEY, [journey_id])

`record` runs in the thread pool's trip the route already makes (a plain `def` route, or the
function a route sends there with `run_in_threadpool`); `record_async` is for an async route
with no such trip to join.
"""

from __future__ import annotations

from typing import Iterable

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from services import access as service_access
from services.access import Reader, decode_cursor, encode_cursor
from store.access_log import (
    ACCESS_LOG, API, COMMAND_ANSWER, CONTEXT_LINKED, DASHBOARD, DUE_LIST, EVENTS, JOURNEY, JOURNEY_LIST, JOURNEY_PAGE,
    JOURNEY_RECORD, OVERDUE_LIST, OVERVIEW, TEMPORAL_PAYLOADS, TIMELINE, WHAT,
)

# The `what` codes are store/access_log.py's (with their meanings in WHAT), re-exported here
# for the routes: a new read path adds its code there.
__all__ = [
    "ACCESS_LOG", "COMMAND_ANSWER", "CONTEXT_LINKED", "DUE_LIST", "EVENTS", "JOURNEY", "JOURNEY_LIST",
    "JOURNEY_PAGE", "JOURNEY_RECORD", "OVERDUE_LIST", "OVERVIEW", "TEMPORAL_PAYLOADS", "TIMELINE", "WHAT",
    "decode_cursor", "encode_cursor", "reader", "record", "record_async",
]

DASHBOARD_PREFIX = "/dashboard"


def reader(request: Request) -> Reader:
    """Who is reading through this request, and where."""
    channel = DASHBOARD if _under(request.url.path, DASHBOARD_PREFIX) else API
    return Reader(request.state.principal, channel, getattr(request.state, "request_id", None))


def record(request: Request, what: str, journey_ids: Iterable[str | None], detail: str | None = None) -> list[int]:
    """Record the reads now (from the thread pool; see above); the rows' ids."""
    return service_access.record(request.app.state.services.store, reader(request), what, journey_ids, detail)


async def record_async(request: Request, what: str, journey_ids: Iterable[str | None],
                       detail: str | None = None) -> list[int]:
    """`record` from an async route: one trip to the thread pool."""
    return await run_in_threadpool(record, request, what, list(journey_ids), detail)


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")
