"""A young person's age, and the age bands the ROTH dataset and the cohort report count in.

One rule for every page, report and export: an age is reached on the birthday
domain/calendar.py gives, so someone born on 29 February turns a year older on 1 March in a
common year. The age a manager reads and the band a report counts therefore never run ahead
of the day the journey's clock treats as the 18th birthday.
"""

from __future__ import annotations

from datetime import date

__all__ = ["ADULT", "AGE_BANDS", "UNDER_TEN", "age_band", "age_on"]

UNDER_TEN = "under 10"
# The bands a plan is counted in by the young person's age at its start, youngest first.
AGE_BANDS = (UNDER_TEN, "10-12", "13-15", "16-17")
# Outside the bands: a journey closes on the 18th birthday, so no plan starts at this age;
# it is named rather than dropped so that bad data shows up as itself in a report.
ADULT = "18 and over"


def age_on(date_of_birth: date, day: date) -> int:
    """Whole years completed on `day`.

    The birthday of the year has come once (month, day) reaches the birth's; for a 29 February
    birth in a common year that is 1 March, as domain.calendar.birthday has it.
    """
    not_yet = (day.month, day.day) < (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - not_yet


def age_band(date_of_birth: date, day: date) -> str:
    """The band of AGE_BANDS (or ADULT) the young person's age on `day` falls in."""
    age = age_on(date_of_birth, day)
    if age < 10:
        return UNDER_TEN
    if age <= 12:
        return "10-12"
    if age <= 15:
        return "13-15"
    if age <= 17:
        return "16-17"
    return ADULT
