"""domain/periods.py: which reporting periods are refused, and how a period is cut into months."""

from __future__ import annotations

from datetime import date

from domain.periods import MAX_MONTHS, months_in, period_problem, twelve_months_to


def test_the_period_is_cut_into_months():
    assert months_in(date(2026, 1, 15), date(2026, 3, 3)) == [
        (date(2026, 1, 15), date(2026, 1, 31)), (date(2026, 2, 1), date(2026, 2, 28)), (date(2026, 3, 1), date(2026, 3, 3))]
    assert months_in(date(2026, 12, 30), date(2027, 1, 2)) == [
        (date(2026, 12, 30), date(2026, 12, 31)), (date(2027, 1, 1), date(2027, 1, 2))]


def test_a_period_ends_on_or_after_its_start():
    assert period_problem(date(2026, 4, 1), date(2026, 4, 1)) is None
    assert period_problem(date(2026, 4, 2), date(2026, 4, 1)) == ("invalid_period", "The period ends before it starts.")
    assert period_problem(date(2026, 4, 2), date(2026, 4, 1), max_months=None)[0] == "invalid_period"


def test_a_month_by_month_report_spans_five_years_at_most():
    assert MAX_MONTHS == 60
    assert period_problem(date(2021, 4, 1), date(2026, 3, 31)) is None  # 60 months
    code, sentence = period_problem(date(2021, 3, 31), date(2026, 3, 31))  # touches 61
    assert code == "period_too_long" and "60 months" in sentence
    assert period_problem(date(2000, 1, 1), date(2026, 3, 31), max_months=None) is None


def test_the_default_period_is_the_twelve_months_to_the_day():
    assert twelve_months_to(date(2026, 3, 24)) == date(2025, 3, 25)
    # A month end a year before that month has no such day: its last day, then the day after.
    assert twelve_months_to(date(2028, 2, 29)) == date(2027, 3, 1)
    assert twelve_months_to(date(2026, 12, 31)) == date(2026, 1, 1)
