"""Timeliness KPIs: hand-counted expectations over a small hand-built population.

The period is April 2026, which holds Easter (Good Friday 3 Apr, Easter Monday 6 Apr).
Working days counted by hand from Wednesday 25 March 2026 (day 0):

    Thu 26 Mar 1, Fri 27 2, Mon 30 3, Tue 31 4, Wed 1 Apr 5, Thu 2 6,
    (Fri 3 Good Friday, Sat 4, Sun 5, Mon 6 Easter Monday)
    Tue 7 7, Wed 8 8, Thu 9 9, Fri 10 10, Mon 13 11, Tue 14 12, Wed 15 13, Thu 16 14,
    Fri 17 15, Mon 20 16, Tue 21 17, Wed 22 18, Thu 23 19, Fri 24 20, Mon 27 21

so the DfE band edges fall on Fri 10 (10), Mon 13 (11), Fri 17 (15), Mon 20 (16),
Fri 24 (20) and Mon 27 April (21).
"""

from __future__ import annotations

from datetime import date

import pytest

from domain import events as e
from domain.calendar import WorkingDayCalendar
from domain.timeliness import timeliness
from support import conference, core_group, extend, run, start, strategy

ENGLAND = WorkingDayCalendar()
APRIL = (date(2026, 4, 1), date(2026, 4, 30))
S47 = date(2026, 3, 25)  # Wednesday: the s.47 start of most journeys below


def d(text: str) -> date:
    return date.fromisoformat(text)


def sd(on: str, pathway: str | None = "cp") -> e.StrategyDiscussionHeld:
    return e.StrategyDiscussionHeld(d(on), f"s47_{pathway}" if pathway else "child_in_need", pathway)


def icpc(on: str, decision: str = "plan") -> e.InitialConferenceHeld:
    return e.InitialConferenceHeld(d(on), decision, ("physical",) if decision == "plan" else (), None)


def met(kind: str, on: str, due: str, original: str | None = None) -> e.DeadlineMet:
    return e.DeadlineMet(d(on), kind, d(due), d(original or due), d(on) <= d(due))


def extended(kind: str, on: str, original: str, new: str) -> e.DeadlineExtended:
    return e.DeadlineExtended(d(on), kind, d(original), d(original), d(new), "Chair unavailable", "tm-0007")


def transfer(on: str, to: str) -> e.PathwayTransferred:
    return e.PathwayTransferred(d(on), "cp" if to == "roth" else "roth", to, ("physical",), to == "roth")


# The initial conference deadline for a strategy discussion on Wed 25 March: 15 working days,
# Fri 17 April (see the table above).
DUE_17 = "2026-04-17"

POPULATION = {
    # J1 cp: conference on Fri 10 Apr, 10 working days (band 0-10), on time.
    # Its first core group is due 10 working days later, Fri 24 Apr; held Mon 27: late.
    "J1": [sd("2026-03-25"), icpc("2026-04-10"), met("initial_conference", "2026-04-10", DUE_17),
           met("first_core_group", "2026-04-27", "2026-04-24")],
    # J2 roth: Mon 13 Apr, 11 working days (band 11-15), on time; first core group on time.
    "J2": [sd("2026-03-25", "roth"), icpc("2026-04-13"), met("initial_conference", "2026-04-13", DUE_17),
           met("first_core_group", "2026-04-15", "2026-04-27")],
    # J3 cp: Fri 17 Apr, 15 working days (band 11-15): on the due date is on time.
    "J3": [sd("2026-03-25"), icpc("2026-04-17"), met("initial_conference", "2026-04-17", DUE_17)],
    # J4 roth: extended from Fri 17 to Fri 24 Apr, held Mon 20 (16, band 16-20): late against
    # the original due date, within the extension.
    "J4": [sd("2026-03-25", "roth"), extended("initial_conference", "2026-04-14", DUE_17, "2026-04-24"),
           icpc("2026-04-20"), met("initial_conference", "2026-04-20", "2026-04-24", DUE_17)],
    # J5 cp: Fri 24 Apr, 20 working days (band 16-20), late, no extension.
    "J5": [sd("2026-03-25"), icpc("2026-04-24"), met("initial_conference", "2026-04-24", DUE_17)],
    # J6 cp: s.47 started Wed 25 Mar, a second strategy discussion on Wed 8 Apr restarts the
    # 15-day clock: Thu 9 1, Fri 10 2, Mon 13 3 ... Fri 24 12, Mon 27 13, Tue 28 14, Wed 29 15.
    # Held Mon 27 Apr: on time by the last discussion, but 21 working days (band 21+) from the
    # s.47 start by the DfE measure.
    "J6": [sd("2026-03-25"), sd("2026-04-08"), icpc("2026-04-27"), met("initial_conference", "2026-04-27", "2026-04-29")],
    # J7 cp: conference on Fri 20 Mar, before the period (not counted). First core group due
    # 10 working days later across Easter: Mon 23 1 ... Thu 2 Apr 9, Tue 7 Apr 10; held on Tue 7.
    "J7": [sd("2026-03-02"), icpc("2026-03-20"), met("initial_conference", "2026-03-20", "2026-03-23"),
           met("first_core_group", "2026-04-07", "2026-04-07")],
    # J8 cp -> roth at a review held on time; the review counts under cp, the pathway it was
    # held on. A review on Tue 31 March (before the period) is not counted.
    "J8": [sd("2025-12-01"), icpc("2025-12-15"), met("initial_conference", "2025-12-15", "2025-12-22"),
           met("review_conference", "2026-03-31", "2026-03-13"),
           met("review_conference", "2026-04-28", "2026-04-30"), transfer("2026-04-28", "roth")],
    # J9 roth: a review due Tue 14 Apr, held Thu 16: late.
    "J9": [sd("2025-12-01", "roth"), icpc("2025-12-15"), met("review_conference", "2026-04-16", "2026-04-14")],
    # J10 cp: a review due Thu 2 Apr, extended to Thu 9, held Wed 8: late, within the extension.
    "J10": [sd("2025-12-01"), icpc("2025-12-15"), extended("review_conference", "2026-03-30", "2026-04-02", "2026-04-09"),
            met("review_conference", "2026-04-08", "2026-04-09", "2026-04-02")],
    # J11: a strategy discussion with no s.47 enquiry: nothing to measure.
    "J11": [sd("2026-04-02", None)],
}


def test_the_hand_counted_band_edges_agree_with_the_calendar():
    for working_days, day in ((10, "2026-04-10"), (11, "2026-04-13"), (15, "2026-04-17"),
                              (16, "2026-04-20"), (20, "2026-04-24"), (21, "2026-04-27")):
        assert ENGLAND.add_working_days(S47, working_days) == d(day)
        assert ENGLAND.working_days_between(S47, d(day)) == working_days


def test_kpis_over_the_hand_built_population():
    kpis = timeliness(POPULATION.values(), ENGLAND, *APRIL)
    assert kpis["period"] == {"from": "2026-04-01", "to": "2026-04-30"}

    # J1..J6 held their conference in April; within: J1, J2, J3, J6; late: J4 (within its
    # extension) and J5.
    conferences = kpis["initial_conferences"]
    assert {k: conferences[k] for k in ("count", "within", "late", "within_extension", "percentage")} == {
        "count": 6, "within": 4, "late": 2, "within_extension": 1, "percentage": 66.7}
    assert conferences["by_pathway"] == {
        "cp": {"count": 4, "within": 3, "late": 1, "within_extension": 0, "percentage": 75.0},
        "roth": {"count": 2, "within": 1, "late": 1, "within_extension": 1, "percentage": 50.0},
    }

    dfe = kpis["s47_to_initial_conference"]
    assert dfe["bands"] == {"0-10": 1, "11-15": 2, "16-20": 2, "21+": 1}  # J1 | J2 J3 | J4 J5 | J6
    assert (dfe["count"], dfe["within_15"], dfe["percentage_within_15"]) == (6, 3, 50.0)
    assert dfe["by_pathway"]["roth"]["bands"] == {"0-10": 0, "11-15": 1, "16-20": 1, "21+": 0}
    assert dfe["by_pathway"]["cp"]["bands"] == {"0-10": 1, "11-15": 1, "16-20": 1, "21+": 1}

    # J7 (on the due date, across Easter) and J2 on time; J1 late.
    core_groups = kpis["first_core_groups"]
    assert {k: core_groups[k] for k in ("count", "within", "late", "within_extension", "percentage")} == {
        "count": 3, "within": 2, "late": 1, "within_extension": 0, "percentage": 66.7}
    assert (core_groups["by_pathway"]["roth"]["count"], core_groups["by_pathway"]["roth"]["within"]) == (1, 1)

    # J8 on time, J9 late, J10 late but within its extension.
    reviews = kpis["reviews"]
    assert {k: reviews[k] for k in ("count", "within", "late", "within_extension", "percentage")} == {
        "count": 3, "within": 1, "late": 2, "within_extension": 1, "percentage": 33.3}
    assert (reviews["by_pathway"]["cp"]["count"], reviews["by_pathway"]["cp"]["within"]) == (2, 1)
    assert (reviews["by_pathway"]["roth"]["count"], reviews["by_pathway"]["roth"]["within"]) == (1, 0)


def test_the_period_includes_both_ends():
    on_first = [sd("2026-03-25"), icpc("2026-04-01"), met("initial_conference", "2026-04-01", DUE_17)]
    on_last = [sd("2026-04-10"), icpc("2026-04-30"), met("initial_conference", "2026-04-30", "2026-05-05")]
    day_after = [sd("2026-04-10"), icpc("2026-05-01"), met("initial_conference", "2026-05-01", "2026-05-05")]
    kpis = timeliness([on_first, on_last, day_after], ENGLAND, *APRIL)
    assert (kpis["initial_conferences"]["count"], kpis["initial_conferences"]["within"]) == (2, 2)


def test_an_la_closure_day_moves_the_dfe_band():
    # A closure day on Wed 15 April takes a working day out of J3 (15 -> 14) and J4 (16 -> 15):
    # J4 moves from 16-20 to 11-15.
    calendar = WorkingDayCalendar(closure_days=[d("2026-04-15")])
    bands = timeliness([POPULATION["J3"], POPULATION["J4"]], calendar, *APRIL)["s47_to_initial_conference"]["bands"]
    assert bands == {"0-10": 0, "11-15": 2, "16-20": 0, "21+": 0}


def test_a_conference_without_its_deadline_record_is_judged_by_the_calendar():
    # Held Mon 20 Apr, 16 working days after Wed 25 Mar: late by the 15-day rule.
    kpis = timeliness([[sd("2026-03-25"), icpc("2026-04-20")]], ENGLAND, *APRIL)
    assert (kpis["initial_conferences"]["count"], kpis["initial_conferences"]["within"]) == (1, 0)
    assert kpis["s47_to_initial_conference"]["bands"]["16-20"] == 1


def test_an_empty_period_has_no_percentages():
    kpis = timeliness([], ENGLAND, *APRIL)
    for measure in ("initial_conferences", "first_core_groups", "reviews"):
        assert (kpis[measure]["count"], kpis[measure]["percentage"]) == (0, None)
    assert kpis["s47_to_initial_conference"]["percentage_within_15"] is None


def test_a_period_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError):
        timeliness([], ENGLAND, date(2026, 4, 30), date(2026, 4, 1))


def test_events_the_decider_produced_give_the_same_answer():
    # The same story as J4, told through the rules: the extension is approved on Tue 14 Apr,
    # before the deadline passes, and the conference held on Mon 20 Apr.
    state, opened = run([start(date(2026, 3, 20)), strategy(S47, "s47_roth")], today=S47)
    state, extension = run([extend("initial_conference", d("2026-04-24"))], today=d("2026-04-14"), state=state)
    state, held = run([conference(d("2026-04-20"))], today=d("2026-04-20"), state=state)
    state, core = run([core_group(d("2026-04-29"))], today=d("2026-04-29"), state=state)
    kpis = timeliness([[*opened, *extension, *held, *core]], ENGLAND, *APRIL)
    conferences = kpis["initial_conferences"]
    assert (conferences["count"], conferences["within"], conferences["within_extension"]) == (1, 0, 1)
    assert kpis["s47_to_initial_conference"]["bands"]["16-20"] == 1
    # First core group due 10 working days after Mon 20 Apr: Tue 21 1 ... Fri 1 May 9,
    # (Mon 4 May early May bank holiday) Tue 5 May 10. Held Wed 29 Apr: on time.
    assert (kpis["first_core_groups"]["count"], kpis["first_core_groups"]["within"]) == (1, 1)
    assert kpis["reviews"]["count"] == 0

