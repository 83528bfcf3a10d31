"""The one place the service reads the wall clock: the LA's today, and the moment a report is
made. `domain/` never reads a clock; it is handed these as arguments. A caller that keeps a
clock of its own (a test's, through `clock`) passes it in."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Callable

from workflows.local_time import london_date

Clock = Callable[[], datetime]


def now(clock: Clock | None = None) -> datetime:
    return clock() if clock is not None else datetime.now(timezone.utc)


def la_today(clock: Clock | None = None) -> date:
    """The LA's today: the date in London."""
    return london_date(now(clock))
