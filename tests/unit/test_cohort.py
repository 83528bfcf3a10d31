"""The cohort report's figures from dataset rows, against hand counts."""

import pytest

from domain.disclosure import TOTAL
from reports.cohort import counts, cross_table, disproportionality, roth_share_of_cp_plans


def row(pathway, age_band, sex, ethnicity, harm_types=""):
    return {"pathway": pathway, "age_band": age_band, "sex": sex, "ethnicity": ethnicity, "harm_types": harm_types}


ROWS = [
    row("roth", "16-17", "M", "BCRB", "cce;serious_youth_violence"),
    row("roth", "16-17", "M", "BAFR", "cce"),
    row("roth", "13-15", "F", "WBRI", "cse"),
    row("cp", "13-15", "M", "WBRI"),
    row("cp", "10-12", "F", "WBRI"),
    row("cp", "under 10", "F", "WBRI"),
    row("cp", "16-17", "M", "MWBC"),
]


def test_counts_count_each_harm_type_once_per_plan():
    assert counts(ROWS, "harm_types") == {"cce": 2, "serious_youth_violence": 1, "cse": 1}
    assert counts(ROWS, "sex") == {"M": 4, "F": 3}


def test_the_roth_share_of_cp_plans_is_for_ages_10_and_over():
    # 6 plans for young people aged 10 or over (the under-10 left out), 3 of them ROTH.
    assert roth_share_of_cp_plans(ROWS) == (3, 6, 0.5)
    assert roth_share_of_cp_plans([]) == (0, 0, None)


def test_disproportionality_is_a_rate_ratio_against_the_baseline():
    # Baseline: 1,000 young people, 800 WBRI, 100 BCRB, 100 BAFR. Plans in those groups: 4, 1, 1
    # (MWBC is not in the baseline, so not in the rates): 6 plans, 0.006 a head overall.
    # WBRI 4/800 = 0.005 -> 0.83; BCRB 1/100 = 0.01 -> 1.67; BAFR the same.
    ratios = disproportionality(ROWS, {"WBRI": 800, "BCRB": 100, "BAFR": 100, "CHNE": 0})
    assert ratios["WBRI"] == pytest.approx(0.8333, abs=1e-4)
    assert ratios["BCRB"] == pytest.approx(1.6667, abs=1e-4) and ratios["BAFR"] == pytest.approx(1.6667, abs=1e-4)
    assert ratios["CHNE"] is None


def test_a_published_cross_table_suppresses_small_numbers_and_what_gives_them_away():
    table = cross_table(ROWS, "pathway", "sex", ["roth", "cp"], ["M", "F"], threshold=3)
    # roth: M 2, F 1 (3); cp: M 2, F 2 (4). Under 3: roth/M 2, roth/F 1, cp/M 2, cp/F 2: all
    # four cells are small, every line then hides two or more; the totals 3, 4, 4, 3, 7 stand.
    assert {cell for cell, value in table.values.items() if value is None} == {
        ("roth", "M"), ("roth", "F"), ("cp", "M"), ("cp", "F")}
    assert table.value(TOTAL, TOTAL) == 7 and table.value("cp", TOTAL) == 4
