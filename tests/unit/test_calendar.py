"""Working-day and deadline arithmetic.

Every expected date below was worked out by hand from a paper calendar; the working is in
the comment beside each case so a reviewer can check it without running anything.
Notation: "+k" after a date is the kth working day counted.
"""

from datetime import date, datetime, timedelta

import holidays
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from domain.calendar import WorkingDayCalendar, add_calendar_months, birthday

ENGLAND = WorkingDayCalendar()


def d(text: str) -> date:
    return date.fromisoformat(text)


# --- bank holiday data -------------------------------------------------------------------


def test_library_bank_holidays_match_the_published_lists():
    # gov.uk lists for England and Wales. 2026: 25 Dec is a Friday, so Boxing Day (Sat 26)
    # is substituted by Mon 28 Dec; 1 Jan 2027 is a Friday and needs no substitute.
    expected = {
        2022: {"2022-01-03", "2022-04-15", "2022-04-18", "2022-05-02", "2022-06-02",
               "2022-06-03", "2022-08-29", "2022-09-19", "2022-12-26", "2022-12-27"},
        2023: {"2023-01-02", "2023-04-07", "2023-04-10", "2023-05-01", "2023-05-08",
               "2023-05-29", "2023-08-28", "2023-12-25", "2023-12-26"},
        2026: {"2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25",
               "2026-08-31", "2026-12-25", "2026-12-28"},
        2027: {"2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03", "2027-05-31",
               "2027-08-30", "2027-12-27", "2027-12-28"},
    }
    for year, days in expected.items():
        library = holidays.country_holidays("GB", subdiv="ENG", years=year)
        weekday_holidays = {k.isoformat() for k in library if k.weekday() < 5}
        assert weekday_holidays == days, year
        for day in days:
            assert not ENGLAND.is_working_day(d(day)), day


def test_non_working_reasons():
    calendar = WorkingDayCalendar(closure_days=[d("2026-12-29")],
                                  extra_bank_holidays=[d("2026-04-15")])
    assert calendar.non_working_reason(d("2026-04-11")) == "weekend"  # Saturday
    assert calendar.non_working_reason(d("2026-04-03")) == "Good Friday"
    assert calendar.non_working_reason(d("2026-12-28")) == "Boxing Day (observed)"
    assert "Queen Elizabeth" in calendar.non_working_reason(d("2022-09-19"))
    assert "Coronation" in calendar.non_working_reason(d("2023-05-08"))
    assert calendar.non_working_reason(d("2026-04-15")) == "bank holiday"
    assert calendar.non_working_reason(d("2026-12-29")) == "local authority closure day"
    # Sat 26 Dec 2026 is Boxing Day, but the weekend alone already rules it out.
    assert calendar.non_working_reason(d("2026-12-26")) == "weekend"
    assert calendar.non_working_reason(d("2026-04-14")) is None  # an ordinary Tuesday
    assert calendar.is_working_day(d("2026-04-14"))


# --- add_working_days ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # Easter 2026. Mon 30 Mar: 31 Mar +1, 1 Apr +2, 2 Apr +3, [Fri 3 Good Friday,
        # Sat, Sun, Mon 6 Easter Monday], 7-10 Apr +4..+7, 13-17 Apr +8..+12,
        # 20 +13, 21 +14, Wed 22 Apr +15. (Without Easter: Mon 20 Apr; two holidays, two days on.)
        ("2026-03-30", 15, "2026-04-22"),
        # Christmas 2026. Mon 21 Dec: 22 +1, 23 +2, 24 +3, [Fri 25 Christmas, Sat, Sun,
        # Mon 28 Boxing Day substitute], 29 +4, 30 +5, 31 +6, [Fri 1 Jan, Sat, Sun],
        # 4-8 Jan +7..+11, 11 +12, 12 +13, 13 +14, Thu 14 Jan 2027 +15.
        # (Without holidays: Mon 11 Jan; three holidays, three days on.)
        ("2026-12-21", 15, "2027-01-14"),
        # Queen's funeral. Mon 12 Sep 2022: 13-16 +1..+4, [Mon 19 funeral], 20-23 +5..+8,
        # 26-30 +9..+13, Mon 3 Oct +14, Tue 4 Oct +15.
        ("2022-09-12", 15, "2022-10-04"),
        # Coronation. Fri 28 Apr 2023: [Mon 1 May May Day], 2-5 May +1..+4, [Mon 8 May
        # Coronation], 9-12 +5..+8, 15-19 +9..+13, Mon 22 +14, Tue 23 May +15.
        ("2023-04-28", 15, "2023-05-23"),
        # Start on Sat 10 Jan 2026: Mon 12 is +1 and Fri 16 is +5.
        ("2026-01-10", 1, "2026-01-12"),
        ("2026-01-10", 5, "2026-01-16"),
        # n == 0 returns the start unchanged, even when it is a Saturday.
        ("2026-01-10", 0, "2026-01-10"),
        # Start on a bank holiday (Good Friday 2026): Tue 7 Apr is +1.
        ("2026-04-03", 1, "2026-04-07"),
        # Friday to Monday.
        ("2026-01-16", 1, "2026-01-19"),
    ],
)
def test_add_working_days_worked_examples(start, n, expected):
    assert ENGLAND.add_working_days(d(start), n) == d(expected)


def test_closure_days_between_christmas_and_new_year():
    # As the Christmas 2026 case (Thu 14 Jan 2027), with 29, 30, 31 Dec closed as well:
    # 22 +1, 23 +2, 24 +3, [25-28 Dec, 29-31 closed, 1-3 Jan], 4-8 Jan +4..+8,
    # 11-15 Jan +9..+13, Mon 18 +14, Tue 19 Jan +15.
    calendar = WorkingDayCalendar(closure_days=[d("2026-12-29"), d("2026-12-30"), d("2026-12-31")])
    assert calendar.add_working_days(d("2026-12-21"), 15) == d("2027-01-19")


def test_extra_bank_holiday_moves_a_deadline():
    # The Easter 2026 case (Wed 22 Apr) with an extra bank holiday on Wed 15 Apr, which
    # had been +10: one more day on, Thu 23 Apr.
    calendar = WorkingDayCalendar(extra_bank_holidays=[d("2026-04-15")])
    assert calendar.add_working_days(d("2026-03-30"), 15) == d("2026-04-23")


def test_negative_working_days_are_rejected():
    with pytest.raises(ValueError):
        ENGLAND.add_working_days(d("2026-01-12"), -1)


def test_datetimes_are_rejected_rather_than_silently_missing_holidays():
    with pytest.raises(TypeError):
        ENGLAND.is_working_day(datetime(2026, 12, 25, 9, 0))
    with pytest.raises(TypeError):
        WorkingDayCalendar(closure_days=[datetime(2026, 12, 29)])


# --- working_days_between and the DfE bands -----------------------------------------------


def dfe_band(working_days: int) -> str:
    if working_days <= 10:
        return "0-10"
    if working_days <= 15:
        return "11-15"
    if working_days <= 20:
        return "16-20"
    return "21+"


@pytest.mark.parametrize(
    ("start", "end", "expected", "band"),
    [
        # From Mon 30 Mar 2026, using the Easter count above: Wed 22 Apr is +15.
        ("2026-03-30", "2026-04-22", 15, "11-15"),
        ("2026-03-30", "2026-04-23", 16, "16-20"),
        # Tue 14 Apr is +9, Wed 15 +10, Thu 16 +11.
        ("2026-03-30", "2026-04-15", 10, "0-10"),
        ("2026-03-30", "2026-04-16", 11, "11-15"),
        # Wed 22 +15 ... Tue 28 +19, Wed 29 +20, Thu 30 Apr +21.
        ("2026-03-30", "2026-04-29", 20, "16-20"),
        ("2026-03-30", "2026-04-30", 21, "21+"),
        # Ending on Sat 4 Apr counts only 31 Mar, 1 Apr, 2 Apr.
        ("2026-03-30", "2026-04-04", 3, "0-10"),
        # Same day, and an end before the start.
        ("2026-03-30", "2026-03-30", 0, "0-10"),
        ("2026-03-30", "2026-03-01", 0, "0-10"),
        # Across the year end: Mon 21 Dec 2026 to Thu 14 Jan 2027 is the Christmas case.
        ("2026-12-21", "2027-01-14", 15, "11-15"),
    ],
)
def test_working_days_between_and_bands(start, end, expected, band):
    count = ENGLAND.working_days_between(d(start), d(end))
    assert count == expected
    assert dfe_band(count) == band


# --- previous_working_day -----------------------------------------------------------------


def test_previous_working_day():
    assert ENGLAND.previous_working_day(d("2026-04-14")) == d("2026-04-14")  # a Tuesday
    assert ENGLAND.previous_working_day(d("2026-04-05")) == d("2026-04-02")  # Easter Sunday
    # Mon 28 Dec 2026 -> Sun 27, Sat 26, Fri 25 Christmas -> Thu 24 Dec.
    assert ENGLAND.previous_working_day(d("2026-12-28")) == d("2026-12-24")


# --- months -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("2026-08-31", 3, "2026-11-30"),  # no 31 Nov: month end
        ("2024-01-31", 1, "2024-02-29"),  # leap year
        ("2027-01-31", 1, "2027-02-28"),  # common year
        ("2026-01-15", 3, "2026-04-15"),
        ("2026-11-30", 3, "2027-02-28"),  # across a year end, clamped
        ("2026-03-31", -1, "2026-02-28"),  # backwards
        ("2026-01-31", 0, "2026-01-31"),
    ],
)
def test_add_calendar_months(start, months, expected):
    assert add_calendar_months(d(start), months) == d(expected)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        # 31 Aug 2026 + 3 = 30 Nov 2026, a Monday (25 Dec 2026 is a Friday, so 4 Dec,
        # 27 Nov are Fridays and 30 Nov a Monday): a working day, unchanged.
        ("2026-08-31", 3, "2026-11-30"),
        # 31 Jan 2024 + 1 = 29 Feb 2024: 1 Jan 2024 is a Monday, +59 days is 8 weeks + 3 days,
        # a Thursday: unchanged.
        ("2024-01-31", 1, "2024-02-29"),
        # 31 Jan 2027 + 1 = 28 Feb 2027: 1 Jan 2027 is a Friday, +58 days is 8 weeks + 2 days,
        # a Sunday: back past Sat 27 to Fri 26 Feb.
        ("2027-01-31", 1, "2027-02-26"),
        # 15 Jan 2026 + 2 = 15 Mar 2026. 15 Jan is a Thursday, so are 12 Feb and (Feb having
        # 28 days) 12 Mar; 15 Mar is a Sunday: back to Fri 13 Mar.
        ("2026-01-15", 2, "2026-03-13"),
        # 31 May 2026 + 3 = Mon 31 Aug 2026, the late summer bank holiday: back past Sun 30,
        # Sat 29 to Fri 28 Aug.
        ("2026-05-31", 3, "2026-08-28"),
        # 4 Feb 2026 + 3 = Mon 4 May 2026, May Day: back to Fri 1 May.
        ("2026-02-04", 3, "2026-05-01"),
        # 6 Jan 2026 + 3 = Mon 6 Apr 2026, Easter Monday: back past Sun, Sat and Good
        # Friday to Thu 2 Apr.
        ("2026-01-06", 3, "2026-04-02"),
    ],
)
def test_add_months_moves_back_to_a_working_day(start, months, expected):
    assert ENGLAND.add_months(d(start), months) == d(expected)


def test_closure_day_moves_a_months_deadline_earlier():
    # 31 Aug 2026 + 3 = Mon 30 Nov; closed that day, so back past the weekend to Fri 27 Nov.
    calendar = WorkingDayCalendar(closure_days=[d("2026-11-30")])
    assert calendar.add_months(d("2026-08-31"), 3) == d("2026-11-27")


# --- weeks --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "weeks", "expected"),
    [
        # Mon 20 Jul 2026 + 42 days: 27 Jul, 3, 10, 17, 24, 31 Aug = Mon 31 Aug, the late
        # summer bank holiday: back to Fri 28 Aug.
        ("2026-07-20", 6, "2026-08-28"),
        # Fri 13 Nov 2026 + 6 weeks: 20, 27 Nov, 4, 11, 18, 25 Dec = Christmas Day: Thu 24 Dec.
        ("2026-11-13", 6, "2026-12-24"),
        # Sat 10 Jan 2026 + 6 weeks = Sat 21 Feb: back to Fri 20 Feb.
        ("2026-01-10", 6, "2026-02-20"),
        # Tue 14 Apr 2026 + 1 week = Tue 21 Apr, a working day.
        ("2026-04-14", 1, "2026-04-21"),
    ],
)
def test_add_weeks(start, weeks, expected):
    assert ENGLAND.add_weeks(d(start), weeks) == d(expected)


# --- birthdays ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "age", "expected"),
    [
        ("2008-02-29", 18, "2026-03-01"),  # 2026 is a common year: 1 March
        ("2008-02-29", 16, "2024-02-29"),  # 2024 is a leap year
        ("2000-02-29", 100, "2100-03-01"),  # 2100 is not a leap year (divisible by 100)
        ("2010-06-15", 18, "2028-06-15"),
        ("2008-02-28", 18, "2026-02-28"),
        ("2008-02-29", 0, "2008-02-29"),
    ],
)
def test_birthday(born, age, expected):
    assert birthday(d(born), age) == d(expected)


def test_birthday_differs_from_calendar_months_for_leap_day_births():
    assert add_calendar_months(d("2008-02-29"), 12 * 18) == d("2026-02-28")
    assert birthday(d("2008-02-29"), 18) == d("2026-03-01")


# --- serialisation ------------------------------------------------------------------------


def test_to_dict_from_dict_round_trip():
    calendar = WorkingDayCalendar(
        closure_days=[d("2026-12-31"), d("2026-12-29"), d("2026-12-30")],
        extra_bank_holidays=[d("2027-06-04")],
    )
    data = calendar.to_dict()
    assert data == {
        "closure_days": ["2026-12-29", "2026-12-30", "2026-12-31"],
        "extra_bank_holidays": ["2027-06-04"],
    }
    restored = WorkingDayCalendar.from_dict(data)
    assert restored == calendar
    assert hash(restored) == hash(calendar)
    assert restored.closure_days == frozenset(calendar.closure_days)
    assert restored.extra_bank_holidays == frozenset({d("2027-06-04")})
    assert restored.add_working_days(d("2026-12-21"), 15) == d("2027-01-19")
    assert WorkingDayCalendar().to_dict() == {"closure_days": [], "extra_bank_holidays": []}


def test_from_dict_tolerates_missing_keys_but_not_unknown_ones():
    assert WorkingDayCalendar.from_dict({}) == WorkingDayCalendar()
    with pytest.raises(ValueError):
        WorkingDayCalendar.from_dict({"closure_dates": ["2026-12-29"]})


# --- properties ---------------------------------------------------------------------------

FAST = settings(max_examples=100, deadline=None, database=None)

dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
counts = st.integers(min_value=0, max_value=300)
positive_counts = st.integers(min_value=1, max_value=300)


@st.composite
def calendars_near(draw, start: date):
    # Closure days and extra bank holidays scattered over the year after `start`, where
    # they can actually affect the deadlines being tested.
    offsets = st.lists(st.integers(min_value=-10, max_value=400), max_size=20)
    closures = [start + timedelta(days=k) for k in draw(offsets)]
    extras = [start + timedelta(days=k) for k in draw(offsets)]
    return WorkingDayCalendar(closure_days=closures, extra_bank_holidays=extras)


@FAST
@given(start=dates, n=positive_counts)
def test_result_is_a_working_day_after_the_start(start, n):
    due = ENGLAND.add_working_days(start, n)
    assert due > start
    assert ENGLAND.is_working_day(due)
    assert ENGLAND.non_working_reason(due) is None


@FAST
@given(start=dates, n=counts, data=st.data())
def test_working_days_between_inverts_add_working_days(start, n, data):
    calendar = data.draw(calendars_near(start))
    assert calendar.working_days_between(start, calendar.add_working_days(start, n)) == n


@FAST
@given(start=dates, end=dates)
def test_add_working_days_inverts_working_days_between(start, end):
    # Only back to the last working day on or before `end`, since a non-working end is
    # never the result of add_working_days.
    k = ENGLAND.working_days_between(start, end)
    if k == 0:
        assert end <= start or all(
            not ENGLAND.is_working_day(start + timedelta(days=i))
            for i in range(1, (end - start).days + 1)
        )
    else:
        assert ENGLAND.add_working_days(start, k) == ENGLAND.previous_working_day(end)


@FAST
@given(start=dates, n=counts, m=counts)
def test_add_working_days_is_strictly_monotonic(start, n, m):
    if n < m:
        assert ENGLAND.add_working_days(start, n) < ENGLAND.add_working_days(start, m)


@FAST
@given(start=dates, a=counts, b=counts)
def test_add_working_days_composes(start, a, b):
    # Holds for every a, b >= 0, even from a non-working start: the ath working day
    # after start, then b more, is the (a+b)th.
    step = ENGLAND.add_working_days(start, a)
    assert ENGLAND.add_working_days(step, b) == ENGLAND.add_working_days(start, a + b)


@FAST
@given(start=dates, n=positive_counts)
def test_non_working_start_counts_like_the_previous_working_day(start, n):
    # Only for n > 0: with n == 0 the start itself is returned, working day or not.
    earlier = ENGLAND.previous_working_day(start)
    assert ENGLAND.add_working_days(earlier, n) == ENGLAND.add_working_days(start, n)


@FAST
@given(start=dates, length=st.integers(min_value=-5, max_value=400), data=st.data())
def test_working_days_between_counts_working_days_one_by_one(start, length, data):
    # working_days_between counts arithmetically; check it against the plain definition.
    calendar = data.draw(calendars_near(start))
    end = start + timedelta(days=length)
    by_hand = sum(
        calendar.is_working_day(start + timedelta(days=i)) for i in range(1, length + 1)
    )
    assert calendar.working_days_between(start, end) == by_hand


@FAST
@given(start=dates, middle=dates, end=dates)
def test_working_days_between_is_additive(start, middle, end):
    start, middle, end = sorted((start, middle, end))
    assert ENGLAND.working_days_between(start, end) == (
        ENGLAND.working_days_between(start, middle) + ENGLAND.working_days_between(middle, end)
    )


@FAST
@given(start=dates, months=st.integers(min_value=0, max_value=60), data=st.data())
def test_add_months_is_a_working_day_on_or_just_before_the_month_date(start, months, data):
    calendar = data.draw(calendars_near(start))
    unadjusted = add_calendar_months(start, months)
    due = calendar.add_months(start, months)
    assert due <= unadjusted
    assert calendar.is_working_day(due)
    # Every day strictly between the deadline and the month date is non-working.
    assert all(
        not calendar.is_working_day(due + timedelta(days=i))
        for i in range(1, (unadjusted - due).days + 1)
    )
    if calendar == ENGLAND:
        assert (unadjusted - due).days <= 4


def test_statutory_calendar_never_moves_a_deadline_back_more_than_four_days():
    # Exhaustive over the property-test range. The worst cases are four days: a Monday
    # substitute after Christmas on a Friday (Mon 28 Dec 2026 -> Thu 24 Dec), Easter Monday
    # (-> the Thursday before Good Friday) and the 2022 Jubilee (Sun 5 Jun -> Wed 1 Jun).
    day, last, worst = date(2000, 1, 1), date(2100, 12, 31), 0
    while day <= last:
        worst = max(worst, (day - ENGLAND.previous_working_day(day)).days)
        day += timedelta(days=1)
    assert worst == 4


@FAST
@given(start=dates, months=st.integers(min_value=-1200, max_value=1200))
def test_add_calendar_months_keeps_the_day_or_clamps_to_month_end(start, months):
    result = add_calendar_months(start, months)
    assert (result.year * 12 + result.month) - (start.year * 12 + start.month) == months
    if start.day <= 28:
        assert result.day == start.day
    else:
        next_day = result + timedelta(days=1)
        assert result.day == start.day or next_day.month != result.month


@FAST
@given(start=dates, weeks=st.integers(min_value=0, max_value=60))
def test_add_weeks_is_a_working_day_on_or_before_the_plain_date(start, weeks):
    plain = start + timedelta(weeks=weeks)
    due = ENGLAND.add_weeks(start, weeks)
    assert due <= plain and ENGLAND.is_working_day(due)
    assert due == ENGLAND.previous_working_day(plain)


@FAST
@given(start=dates, n=counts, months=st.integers(min_value=0, max_value=24),
       weeks=st.integers(min_value=0, max_value=52), data=st.data())
def test_closure_days_move_deadlines_only_one_way(start, n, months, weeks, data):
    # Working-day deadlines can only get later when days are taken away. Month and week
    # deadlines move *back* to a working day, so for them extra closures can only make the
    # deadline earlier: "closures push deadlines later" is true only for working days.
    closed = data.draw(calendars_near(start))
    assert closed.add_working_days(start, n) >= ENGLAND.add_working_days(start, n)
    assert closed.add_months(start, months) <= ENGLAND.add_months(start, months)
    assert closed.add_weeks(start, weeks) <= ENGLAND.add_weeks(start, weeks)
    end = start + timedelta(days=n)
    assert closed.working_days_between(start, end) <= ENGLAND.working_days_between(start, end)


@FAST
@given(born=dates, age=st.integers(min_value=0, max_value=120))
@example(born=date(2000, 2, 29), age=1)
@example(born=date(2000, 2, 29), age=4)
def test_birthday_is_the_calendar_anniversary_except_for_leap_day_births(born, age):
    result = birthday(born, age)
    assert result.year == born.year + age
    if (born.month, born.day) == (2, 29):
        leap = result.year % 4 == 0 and (result.year % 100 != 0 or result.year % 400 == 0)
        assert (result.month, result.day) == ((2, 29) if leap else (3, 1))
    else:
        assert result == add_calendar_months(born, 12 * age)


@FAST
@given(data=st.data(), start=dates)
def test_round_trip_is_lossless(data, start):
    calendar = data.draw(calendars_near(start))
    assert WorkingDayCalendar.from_dict(calendar.to_dict()) == calendar
