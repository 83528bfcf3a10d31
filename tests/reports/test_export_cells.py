"""Every export is safe to open in a spreadsheet: a text that would run as a formula is written as text."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from domain.census import CensusDetails
from domain.census_episode import Episode, ProtectionPlan
from reports import cohort_report, roth_dataset
from reports.cells import csv_cell
from reports.cin_census import companion_csv

FORMULA = "=cmd|'/c calc'!A1"


@pytest.mark.parametrize("text", [FORMULA, "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_a_text_that_would_run_is_quoted(text):
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["-3", "+2.5", "2026-04-01", "LCS0012345", "", "a=b"])
def test_numbers_dates_and_plain_texts_are_left_as_they_are(text):
    assert csv_cell(text) == text


def dataset_row(child_id: str) -> dict:
    return {"journey_id": "j1", "child_id": child_id, "pathway": "roth", "transfers": 1,
            "strategy_discussion_on": date(2026, 1, 5), "initial_conference_on": date(2026, 1, 20),
            "plan_started_on": date(2026, 1, 20), "plan_ended_on": None, "categories": "physical",
            "outside_home": "yes", "harm_types": "cce", "needs": "", "contexts": "", "age_band": "13-15",
            "sex": "M", "ethnicity": "WBRI", "outcome": "open"}


def test_the_roth_dataset_csv_and_workbook_write_a_formula_like_child_id_as_text():
    rows = [dataset_row(FORMULA)]
    [read] = csv.DictReader(io.StringIO(roth_dataset.to_csv(rows)))
    assert read["child_id"] == "'" + FORMULA and read["transfers"] == "1"
    sheet = load_workbook(io.BytesIO(roth_dataset.to_xlsx(rows))).active
    cell = sheet["B2"]
    assert cell.value == FORMULA and cell.data_type == "s" and cell.quotePrefix
    # Numbers and dates keep their types: nothing but texts is touched.
    assert sheet["D2"].value == 1 and sheet["E2"].is_date and not sheet["D2"].quotePrefix


def test_the_cin_companion_file_writes_a_formula_like_child_id_as_text():
    plan = ProtectionPlan(date(2025, 6, 1), None, "PHY", "PHY", (), ("roth",))
    found = Episode("j1", FORMULA, date(2010, 1, 1), "M", "WBRI", CensusDetails(), date(2025, 5, 1), None, None,
                    (), None, plan)
    [read] = csv.DictReader(io.StringIO(companion_csv([found])))
    assert read["LAchildID"] == "'" + FORMULA and read["CPPstartDate"] == "2025-06-01"


def test_the_cohort_exports_write_every_text_cell_through_the_same_rule():
    report = cohort_report.cohort_report("873", date(2026, 1, 1), date(2026, 3, 31), [], [], {}, {}, 5)
    report["cohort"][0]["rows"][0]["label"] = FORMULA  # as if a label came from the record
    rows = list(csv.DictReader(io.StringIO(cohort_report.to_csv(report))))
    assert "'" + FORMULA in {r["row_label"] for r in rows} and FORMULA not in {r["row_label"] for r in rows}
    book = load_workbook(io.BytesIO(cohort_report.to_xlsx(report)))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value == FORMULA]
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)
