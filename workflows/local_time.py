"""The LA's day: deadlines fall on English dates, whatever the server's time zone.

Imported through Temporal's sandbox (passed through) because zoneinfo objects made inside
the sandbox are restricted proxies that datetime refuses as a tzinfo.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def london_date(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()


def start_of_day(day: date) -> datetime:
    """Midnight in England at the start of `day`: when that day's reminders and misses are due."""
    return datetime.combine(day, time(0, 0), tzinfo=LONDON)


def iso_dates(row: dict) -> dict:
    """`row` with its dates (top level) as ISO strings, as they travel in payloads.

    Here, passed through the sandbox, `date` is the real class: in the workflow's own module
    it is the sandbox's proxy, and isinstance against it is many times slower."""
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in row.items()}
