"""Reporting periods: the days a report, an export or the KPIs are asked for, both included.

What a period may be is one rule, so the API, the dashboard and the command line refuse the
same periods in the same words.
"""

from __future__ import annotations

from datetime import date, timedelta

from domain.calendar import add_calendar_months

__all__ = ["MAX_MONTHS", "months_in", "period_problem", "twelve_months_to"]

# The longest period the cohort report covers: its timeliness is measured month by month, and
# five years is already more than any return or inspection looks back over.
MAX_MONTHS = 60

ENDS_BEFORE_START = ("invalid_period", "The period ends before it starts.")


def months_in(period_from: date, period_to: date) -> list[tuple[date, date]]:
    """The calendar months the period touches, each cut to the period: (first, last) days."""
    months = []
    first = period_from
    while first <= period_to:
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        months.append((first, min(following - timedelta(days=1), period_to)))
        first = following
    return months


def twelve_months_to(day: date) -> date:
    """The first day of the 12 months that end on `day`: the period the overview shows, and the
    cohort report's when none is asked for (25 March 2025 for 24 March 2026)."""
    return add_calendar_months(day, -12) + timedelta(days=1)


def period_problem(period_from: date, period_to: date, max_months: int | None = MAX_MONTHS) -> tuple[str, str] | None:
    """What is wrong with a period, as (code, sentence), or None.

    Every period must end on or after its first day. A month-by-month report (the cohort
    report: the default) may also span `max_months` at most; the ROTH dataset and the KPIs,
    read in one go, pass None.
    """
    if period_to < period_from:
        return ENDS_BEFORE_START
    if max_months is not None and len(months_in(period_from, period_to)) > max_months:
        return "period_too_long", f"The period is longer than {max_months} months: report on a shorter one."
    return None
