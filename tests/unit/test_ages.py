"""domain/ages.py: one age and one set of age bands for pages, reports and exports."""

from __future__ import annotations

from datetime import date, timedelta

from domain.ages import ADULT, AGE_BANDS, age_band, age_on
from domain.calendar import birthday


def test_an_age_turns_on_the_birthday():
    assert age_on(date(2010, 6, 1), date(2026, 5, 31)) == 15
    assert age_on(date(2010, 6, 1), date(2026, 6, 1)) == 16
    # Born on 29 February: a year older on 1 March in a common year, never on 28 February.
    assert age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert age_on(date(2008, 2, 29), date(2026, 3, 1)) == 18
    assert age_on(date(2008, 2, 29), date(2028, 2, 29)) == 20


def test_the_age_agrees_with_the_birthday_the_journeys_clock_keeps():
    for born in (date(2008, 2, 29), date(2009, 3, 1), date(2009, 2, 28), date(2010, 12, 31), date(2011, 1, 1)):
        eighteenth = birthday(born, 18)
        assert age_on(born, eighteenth - timedelta(days=1)) == 17
        assert age_on(born, eighteenth) == 18


def test_age_bands_at_their_edges():
    born = date(2010, 6, 15)
    days = (date(2020, 6, 14), date(2020, 6, 15), date(2023, 6, 14), date(2023, 6, 15),
            date(2026, 6, 15), date(2028, 6, 14), date(2028, 6, 15))
    assert [age_band(born, on) for on in days] == ["under 10", "10-12", "10-12", "13-15", "16-17", "16-17", ADULT]
    assert AGE_BANDS == ("under 10", "10-12", "13-15", "16-17")


def test_every_band_is_reached_by_a_childs_age():
    born = date(2010, 6, 15)
    assert {age_band(born, date(year, 7, 1)) for year in range(2016, 2028)} == set(AGE_BANDS)
