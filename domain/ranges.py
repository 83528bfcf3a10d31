"""The dates the record accepts, stated once: the HTTP edge, the journey's rules and the
reports all check against these, and nothing outside them reaches the calendar (whose bank
holidays are loaded for these years, and one either side, outside Temporal's sandbox).

A date outside its range is refused with `date_out_of_range` before anything is written.
"""

from __future__ import annotations

from datetime import date, datetime

from domain.errors import DomainError

__all__ = ["DATE_OUT_OF_RANGE", "EARLIEST", "LATEST", "check_date", "check_moment", "date_problem"]

DATE_OUT_OF_RANGE = "date_out_of_range"
# The working-day calendar's years (domain/calendar.py preloads their bank holidays, and one
# year either side for deadlines worked out from a date at the edge). A young person on a
# plan today was born after 1990; a deadline extended or a review planned is due within the
# century.
EARLIEST = date(1990, 1, 1)
LATEST = date(2110, 12, 31)


def date_problem(value: date) -> str | None:
    if not EARLIEST <= value <= LATEST:
        return f"{value.isoformat()} is outside the dates the record takes ({EARLIEST.year} to {LATEST.year})"
    return None


def check_date(value: date | None, what: str) -> None:
    """Refuse (`date_out_of_range`) a date outside the record's range; None passes."""
    if value is None:
        return
    problem = date_problem(value)
    if problem is not None:
        raise DomainError(DATE_OUT_OF_RANGE, f"The {what} cannot be recorded: {problem}.")


def check_moment(value: datetime | None, what: str) -> None:
    """The same for a moment (an as-of time), which must carry its time zone."""
    if value is None:
        return
    if value.tzinfo is None:
        raise DomainError(DATE_OUT_OF_RANGE, f"The {what} needs a time zone (e.g. Z or +01:00).")
    # Its own calendar date, as written: an offset applied to 9999-12-31 would overflow, and a
    # moment late on the last day at a negative offset is still of that day (the OpenAPI
    # pattern says the same).
    if not EARLIEST <= value.date() <= LATEST:
        raise DomainError(DATE_OUT_OF_RANGE, f"The {what} is outside the times the record takes "
                                              f"({EARLIEST.year} to {LATEST.year}).")
