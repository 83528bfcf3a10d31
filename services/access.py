"""Recording reads of journeys' data in the access log (store/access_log.py), for every edge:
the API's routes, the dashboard's pages and the CLI record through `record`.

One row per journey read: a list records a row for each journey it lists (an auditor asks
"who saw this child's record?", and a row naming the list alone could not answer it).

`record` writes at once and raises whatever the store raises: a use case calls it after its
answer is computed and before it is handed over, so a read that cannot be recorded hands
nothing over, and a process that dies in between leaves a recorded read that was never seen,
never an unrecorded one. It does I/O: call it from code already off the event loop.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Iterable

from observability.metrics import ACCESS_LOG_WRITES
from services.errors import journey_not_found
from services.identity import Principal
from store.access_log import ACCESS_LOG, Access, AccessRecord, access_by_user, access_for_journey, record_access
from store.events import EventStore
from store.queries import journey_in_la


@dataclass(frozen=True)
class Reader:
    """Who is reading, through which channel (store/access_log.py's CHANNELS), and the request
    id that ties the access log to the request log (None where there is no request log)."""

    who: Principal
    channel: str
    request_id: str | None = None


def entries(reader: Reader, what: str, journey_ids: Iterable[str | None], detail: str | None = None) -> list[Access]:
    """The rows for these reads: one per distinct journey id (None: a read that is about no
    one journey, such as the access log listed by user)."""
    who = reader.who
    return [
        Access(actor=who.subject, actor_role=who.role, local_authority=who.local_authority, journey_id=journey_id,
               what=what, channel=reader.channel, detail=detail, request_id=reader.request_id)
        for journey_id in dict.fromkeys(journey_ids)
    ]


def record(store: EventStore, reader: Reader, what: str, journey_ids: Iterable[str | None],
           detail: str | None = None) -> list[int]:
    """Record the reads now; the rows' ids. Nothing listed, nothing written."""
    rows = entries(reader, what, journey_ids, detail)
    if not rows:
        return []
    ids = record_access(store.engine, rows)
    ACCESS_LOG_WRITES.labels(reader.channel, what).inc(len(ids))
    return ids


def access_log_page(store: EventStore, reader: Reader, journey_id: str | None, actor: str | None,
                    after: int | None, before: int | None, limit: int) -> tuple[list[AccessRecord], int]:
    """A page of the access log of the reader's LA, for one journey (NotFound if the LA has no
    such journey) or one user, with `limit` rows at most and one more if there are more; and
    the first id the listing leaves out. The caller checks the reader may read the log.

    The listing records itself first, and pages keep to the log as it stood before the first
    page's own row: reading the log adds rows to it, and a listing that followed them could
    page for ever."""
    if journey_id is not None and journey_in_la(store.engine, journey_id, reader.who.local_authority) is None:
        raise journey_not_found()
    [own] = record(store, reader, ACCESS_LOG, [journey_id], detail=actor)
    before = before or own
    la = reader.who.local_authority
    if journey_id is not None:
        rows = access_for_journey(store.engine, la, journey_id, after, limit + 1, before)
    else:
        rows = access_by_user(store.engine, la, actor, after, limit + 1, before)
    return rows, before


def encode_cursor(last_id: int, before: int) -> str:
    """A page cursor of the access log: the last id seen, and the first id the listing leaves
    out (its own row: the log as it stood at the first page)."""
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
