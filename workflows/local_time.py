"""The LA's day: deadlines fall on English dates, whatever the server's time zone.

Imported through Temporal's sandbox (passed through) because zoneinfo objects made inside
the sandbox are restricted proxies that datetime refuses as a tzinfo.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
# A day's reminders and misses are recorded within this long after midnight in England.
WAKE_SPREAD = timedelta(hours=4)


def london_date(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()


def start_of_day(day: date) -> datetime:
    """Midnight in England at the start of `day`: when that day's reminders and misses are due."""
    return datetime.combine(day, time(0, 0), tzinfo=LONDON)


def wake_time(day: date, workflow_id: str) -> datetime:
    """When a journey wakes for `day`'s reminders and misses: midnight in England plus an
    offset within WAKE_SPREAD that is fixed for the journey (taken from a hash of its
    workflow id). With every journey waking at midnight, the thousands due on one day at
    national scale would all queue at once and the last act minutes late; spread over the
    small hours they arrive a few a second. Still `day` in England, so no date changes."""
    digest = hashlib.sha256(workflow_id.encode()).digest()
    offset = int.from_bytes(digest[:8], "big") % int(WAKE_SPREAD.total_seconds())
    return start_of_day(day) + timedelta(seconds=offset)


def iso_dates(row: dict) -> dict:
    """`row` with its dates (top level) as ISO strings, as they travel in payloads.

    Here, passed through the sandbox, `date` is the real class: in the workflow's own module
    it is the sandbox's proxy, and isinstance against it is many times slower."""
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in row.items()}
