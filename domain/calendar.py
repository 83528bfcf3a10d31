"""Working days and statutory deadline arithmetic for England.

The rules, from the API contract:

* "Within N working days of D": D is day 0 and the deadline is the Nth working day after D.
  Working days exclude weekends, England and Wales bank holidays (one-off ones included),
  bank holidays added as data, and an LA's closure days.
* "Within N months of D": the same day of the month N months on, or that month's last day
  when the day does not exist; then moved back to the previous working day if need be.
* "Every N weeks": D + 7N calendar days, moved back in the same way.
* A deadline is met by an event on or before its due date.

This module runs inside Temporal's workflow sandbox (passed through), so it must stay
deterministic: dates only ever arrive as arguments, and nothing here reads a clock, the
environment or the locale.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import Any

import holidays

from domain.errors import DomainError
from domain.ranges import DATE_OUT_OF_RANGE, EARLIEST, LATEST

__all__ = ["WorkingDayCalendar", "add_calendar_months", "birthday"]

_ONE_DAY = timedelta(days=1)
_SATURDAY = 5

WEEKEND = "weekend"
ADDED_BANK_HOLIDAY = "bank holiday"
CLOSURE_DAY = "local authority closure day"


# Years loaded in one pass when this module is imported. The calendar runs inside Temporal's
# workflow sandbox, where `holidays` cannot load lazily (it imports modules and reads the
# local time as it goes), so every year a journey can touch is loaded up front, outside it:
# the years the record takes (domain/ranges.py), and one either side, because a deadline
# worked out from a date at the edge can fall just beyond it (a review due three months
# after a conference in December of the last year).
PRELOADED_YEARS = range(EARLIEST.year - 1, LATEST.year + 2)


def _load(years) -> dict[int, Mapping[date, str]]:
    # language is pinned because with language=None the library picks holiday names from
    # the process locale (LANG/LANGUAGE), which would make non_working_reason depend on
    # the host's environment.
    found = holidays.country_holidays("GB", subdiv="ENG", years=years, language="en_GB")
    by_year: dict[int, dict[date, str]] = {year: {} for year in years}
    for day, name in found.items():
        by_year[day.year][day] = name
    return {year: MappingProxyType(days) for year, days in by_year.items()}


_BANK_HOLIDAYS = _load(PRELOADED_YEARS)


def _statutory_bank_holidays(year: int) -> Mapping[date, str]:
    # Shared by every calendar in the process: the answer depends only on the year and the
    # installed `holidays` release, and from_dict builds a fresh calendar on every workflow
    # activation, so a per-instance cache would rebuild these repeatedly. Any other year is
    # refused rather than loaded: loading it inside the sandbox fails the workflow task, and
    # Temporal would retry that task for ever.
    preloaded = _BANK_HOLIDAYS.get(year)
    if preloaded is None:
        raise DomainError(DATE_OUT_OF_RANGE, f"Working days in {year} cannot be worked out: the calendar knows "
                                             f"{PRELOADED_YEARS[0]} to {PRELOADED_YEARS[-1]}.")
    return preloaded


def _require_date(value: object, name: str) -> date:
    # datetime is a subclass of date but never equals one, so a datetime would silently
    # miss every holiday and closure-day lookup instead of failing.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime.date (not a datetime), got {value!r}")
    return value


def _require_count(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


def _frozen_dates(values: Iterable[date], name: str) -> frozenset[date]:
    return frozenset(_require_date(value, name) for value in values)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _days_in_month(year: int, month: int) -> int:
    if month == 2 and _is_leap(year):
        return 29
    return _DAYS_IN_MONTH[month - 1]


def _weekdays_up_to(day: date) -> int:
    # Ordinal 1 (1 Jan 0001) is a Monday, so each run of 7 ordinals from 1 holds 5 weekdays.
    weeks, rest = divmod(day.toordinal(), 7)
    return weeks * 5 + min(rest, 5)


def add_calendar_months(start: date, months: int) -> date:
    """The same day of the month `months` later (or earlier), or that month's last day.

    31 Aug + 3 months = 30 Nov; 31 Jan + 1 month = 29 Feb in a leap year, else 28 Feb.
    No working-day adjustment: use WorkingDayCalendar.add_months for deadlines.
    """
    _require_date(start, "start")
    if isinstance(months, bool) or not isinstance(months, int):
        raise TypeError(f"months must be an int, got {months!r}")
    year, month_index = divmod(start.year * 12 + (start.month - 1) + months, 12)
    month = month_index + 1
    return date(year, month, min(start.day, _days_in_month(year, month)))


def birthday(date_of_birth: date, age: int) -> date:
    """The date on which someone born on `date_of_birth` reaches `age`.

    Deliberately not add_calendar_months(date_of_birth, 12 * age), which would give 28 Feb
    for a 29 Feb birth in a common year. In England and Wales a person attains an age at
    "the commencement of the relevant anniversary of the date of his birth" (Family Law
    Reform Act 1969, s.9). The Act does not mention 29 February; the accepted reading is
    that a common year has no such anniversary and the full number of years is complete
    only once 28 February has ended, so the age is reached on 1 March. Erring a day early
    would treat a young person as an adult (ending their child protection journey) while
    they are still a child.
    """
    _require_date(date_of_birth, "date_of_birth")
    _require_count(age, "age")
    year = date_of_birth.year + age
    if date_of_birth.month == 2 and date_of_birth.day == 29 and not _is_leap(year):
        return date(year, 3, 1)
    return date_of_birth.replace(year=year)


class WorkingDayCalendar:
    """England and Wales working days, plus an LA's closure days and any announced bank
    holidays the installed `holidays` release does not know about yet.

    Immutable and comparable by value; it travels in Temporal payloads and event data via
    to_dict/from_dict.
    """

    __slots__ = ("_closure_days", "_extra_bank_holidays", "_non_working_weekdays")

    def __init__(
        self, closure_days: Iterable[date] = (), extra_bank_holidays: Iterable[date] = ()
    ) -> None:
        self._closure_days = _frozen_dates(closure_days, "closure_days")
        self._extra_bank_holidays = _frozen_dates(extra_bank_holidays, "extra_bank_holidays")
        # year -> the bank holidays and closure days in that year that fall Monday to
        # Friday (weekends are excluded by weekday() anyway, and working_days_between
        # subtracts these from a count of weekdays). Filled lazily so that a calendar only
        # pays for the years it is asked about.
        self._non_working_weekdays: dict[int, frozenset[date]] = {}

    @property
    def closure_days(self) -> frozenset[date]:
        return self._closure_days

    @property
    def extra_bank_holidays(self) -> frozenset[date]:
        return self._extra_bank_holidays

    def _non_working_in(self, year: int) -> frozenset[date]:
        cached = self._non_working_weekdays.get(year)
        if cached is None:
            cached = frozenset(
                d
                for d in (
                    *_statutory_bank_holidays(year),
                    *self._extra_bank_holidays,
                    *self._closure_days,
                )
                if d.year == year and d.weekday() < _SATURDAY
            )
            self._non_working_weekdays[year] = cached
        return cached

    def _is_working(self, day: date) -> bool:
        return day.weekday() < _SATURDAY and day not in self._non_working_in(day.year)

    def is_working_day(self, day: date) -> bool:
        return self._is_working(_require_date(day, "day"))

    def non_working_reason(self, day: date) -> str | None:
        """Why `day` is not a working day, or None when it is one.

        When several reasons apply the first of weekend, bank holiday, closure day wins:
        a bank holiday falling on a weekend is reported as "weekend" because the weekend
        alone already makes it non-working (its substitute day carries the holiday's name).
        """
        _require_date(day, "day")
        if day.weekday() >= _SATURDAY:
            return WEEKEND
        name = _statutory_bank_holidays(day.year).get(day)
        if name is not None:
            return name
        if day in self._extra_bank_holidays:
            return ADDED_BANK_HOLIDAY
        if day in self._closure_days:
            return CLOSURE_DAY
        return None

    def add_working_days(self, start: date, n: int) -> date:
        """The nth working day after `start` (`start` is day 0 and need not be a working day)."""
        day = _require_date(start, "start")
        remaining = _require_count(n, "n")
        while remaining:
            day += _ONE_DAY
            if self._is_working(day):
                remaining -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end`; 0 when end <= start.

        The inverse of add_working_days, and the measure used for the DfE timeliness bands.
        """
        _require_date(start, "start")
        _require_date(end, "end")
        if end <= start:
            return 0
        # Counted rather than walked so that long ranges (reports over years of cases)
        # cost one pass over a few holidays per year instead of one step per day.
        count = _weekdays_up_to(end) - _weekdays_up_to(start)
        for year in range(start.year, end.year + 1):
            count -= sum(1 for day in self._non_working_in(year) if start < day <= end)
        return count

    def previous_working_day(self, day: date) -> date:
        """`day` itself if it is a working day, else the nearest working day before it."""
        _require_date(day, "day")
        while not self._is_working(day):
            day -= _ONE_DAY
        return day

    def add_months(self, start: date, months: int) -> date:
        """The "within N months" deadline: add_calendar_months, moved back to a working day.

        Moving back (never forward) keeps the deadline within the statutory period.
        """
        _require_count(months, "months")
        return self.previous_working_day(add_calendar_months(start, months))

    def add_weeks(self, start: date, weeks: int) -> date:
        """The "every N weeks" deadline: start + 7N days, moved back to a working day.

        Same back-not-forward rule as add_months, for the same reason: a visit due "within
        6 weeks" that lands on a bank holiday must happen before it, not after.
        """
        _require_date(start, "start")
        _require_count(weeks, "weeks")
        return self.previous_working_day(start + timedelta(weeks=weeks))

    def to_dict(self) -> dict[str, list[str]]:
        # Sorted so that equal calendars serialise identically; payloads and events are
        # compared and hashed byte-for-byte.
        return {
            "closure_days": sorted(d.isoformat() for d in self._closure_days),
            "extra_bank_holidays": sorted(d.isoformat() for d in self._extra_bank_holidays),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WorkingDayCalendar:
        # A missing key is read as empty so that data written before a key existed still
        # loads. An unknown key is an error: silently dropping a rule we do not understand
        # would produce wrong deadlines rather than a visible failure.
        unknown = set(data) - {"closure_days", "extra_bank_holidays"}
        if unknown:
            raise ValueError(f"unknown calendar fields: {sorted(unknown)}")
        return cls(
            closure_days=_parse_dates(data.get("closure_days", ()), "closure_days"),
            extra_bank_holidays=_parse_dates(
                data.get("extra_bank_holidays", ()), "extra_bank_holidays"
            ),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WorkingDayCalendar):
            return NotImplemented
        return (
            self._closure_days == other._closure_days
            and self._extra_bank_holidays == other._extra_bank_holidays
        )

    def __hash__(self) -> int:
        return hash((self._closure_days, self._extra_bank_holidays))

    def __repr__(self) -> str:
        data = self.to_dict()
        return (
            f"WorkingDayCalendar(closure_days={data['closure_days']}, "
            f"extra_bank_holidays={data['extra_bank_holidays']})"
        )


def _parse_dates(values: Iterable[str], name: str) -> list[date]:
    if isinstance(values, str):
        raise TypeError(f"{name} must be a list of ISO dates, got a single string")
    parsed = []
    for value in values:
        if not isinstance(value, str):
            raise TypeError(f"{name} entries must be ISO date strings, got {value!r}")
        parsed.append(date.fromisoformat(value))
    return parsed
