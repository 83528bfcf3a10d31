"""domain/deadlines.py status_on: the one rule for when a deadline still owed is missed, which
the journey's clock, a context case's clock and the dashboard all ask."""

from __future__ import annotations

from datetime import date

from domain.deadlines import EXTENDED, MISSED, OPEN, status_on

DUE = date(2026, 3, 24)


def test_missed_only_once_the_due_day_has_passed():
    assert status_on("initial_conference", DUE, date(2026, 3, 23)) == OPEN
    assert status_on("initial_conference", DUE, DUE) == OPEN  # the whole due day is still in time
    assert status_on("initial_conference", DUE, date(2026, 3, 25)) == MISSED


def test_an_extension_shows_until_the_new_day_passes():
    assert status_on("core_group", DUE, DUE, extended=True) == EXTENDED
    assert status_on("core_group", DUE, date(2026, 3, 25), extended=True) == MISSED


def test_the_eighteenth_birthday_is_reached_never_missed():
    assert status_on("eighteenth_birthday", DUE, date(2026, 4, 30)) == OPEN


def test_a_context_conference_follows_the_same_rule():
    assert status_on("context_conference", DUE, date(2026, 3, 25)) == MISSED
