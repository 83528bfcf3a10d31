"""The cohort report as published (reports/cohort_report.py), its exports and its charts
(reports/charts.py), from a small population counted by hand. No I/O: the loader is tested on
both engines in tests/api/test_cohort_api.py."""

from __future__ import annotations

import copy
import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, timezone

import pytest
from openpyxl import load_workbook

from domain.ages import AGE_BANDS
from domain.calendar import WorkingDayCalendar
from domain.timeliness import timeliness
from reports import charts
from reports.cohort_report import CONTENTS, cohort_report, grids, to_csv, to_xlsx
from store.baselines import Baseline

PERIOD = (date(2026, 1, 1), date(2026, 3, 31))


def row(journey_id, pathway, age, sex, ethnicity, harm_types=""):
    return {"journey_id": journey_id, "pathway": pathway, "age_band": age, "sex": sex, "ethnicity": ethnicity,
            "harm_types": harm_types}


# Twelve plans. By hand:
#   pathway:   roth 6, cp 6
#   sex:       M 7 (j01 j02 j03 j05 j06 j10 j11), F 5
#   age band:  under 10: 2 (j09 j12), 10-12: 2 (j08 j11), 13-15: 4 (j03 j04 j05 j07), 16-17: 4 (j01 j02 j06 j10)
#   ethnicity: WBRI 7 (j03 j04 j06 j07 j08 j09 j11), BCRB 3 (j01 j02 j12), BAFR 1 (j05), MWBC 1 (j10)
#   harm type: cce 4 (j01 j02 j03 j06), serious youth violence 2 (j01 j05), cse 1 (j04), online 1 (j06): 8 in all
ROWS = [
    row("j01", "roth", "16-17", "M", "BCRB", "cce;serious_youth_violence"),
    row("j02", "roth", "16-17", "M", "BCRB", "cce"),
    row("j03", "roth", "13-15", "M", "WBRI", "cce"),
    row("j04", "roth", "13-15", "F", "WBRI", "cse"),
    row("j05", "roth", "13-15", "M", "BAFR", "serious_youth_violence"),
    row("j06", "roth", "16-17", "M", "WBRI", "cce;online_abuse"),
    row("j07", "cp", "13-15", "F", "WBRI"),
    row("j08", "cp", "10-12", "F", "WBRI"),
    row("j09", "cp", "under 10", "F", "WBRI"),
    row("j10", "cp", "16-17", "M", "MWBC"),
    row("j11", "cp", "10-12", "M", "WBRI"),
    row("j12", "cp", "under 10", "F", "BCRB"),
]
# Findings as the journeys summary holds them (a code may repeat: two goals without an action).
FINDINGS = {
    "j01": ["voices_not_recorded", "goal_without_action", "goal_without_action"],
    "j02": ["voices_not_recorded"],
    "j03": [],
    "j99": ["voices_not_recorded"],  # not in the cohort: not counted
}
ETHNICITY = Baseline("873", "ethnicity", {"WBRI": 800, "BCRB": 100, "BAFR": 60, "MWBC": 40, "CHNE": 0},
                     ("10-12", "13-15", "16-17"), "Census 2021, ages 10 to 17", "tm-0007",
                     datetime(2026, 12, 1, 9, 30, tzinfo=timezone.utc))
SEX = Baseline("873", "sex", {"M": 700, "F": 500}, None, "Mid-year estimates, all ages", "tm-0007",
               datetime(2026, 12, 2, 9, 30, tzinfo=timezone.utc))

BANDS = ("0-10", "11-15", "16-20", "21+")
_EMPTY = timeliness([], WorkingDayCalendar(), date(2026, 1, 1), date(2026, 1, 31))


def measures(roth: tuple[int, int, tuple], cp: tuple[int, int, tuple]) -> dict:
    """A month's timeliness measures in domain/timeliness.py's shape: per pathway (held, held
    within 15 working days of the last strategy discussion, DfE band counts)."""
    m = copy.deepcopy(_EMPTY)
    for pathway, (held, within, bands) in (("roth", roth), ("cp", cp)):
        m["initial_conferences"]["by_pathway"][pathway].update(count=held, within=within)
        m["s47_to_initial_conference"]["by_pathway"][pathway]["bands"] = dict(zip(BANDS, bands))
    m["initial_conferences"].update(count=roth[0] + cp[0], within=roth[1] + cp[1])
    bands = [a + b for a, b in zip(roth[2], cp[2])]
    m["s47_to_initial_conference"].update(count=sum(bands), within_15=bands[0] + bands[1])
    return m


# January: roth 6 held (5 on time; bands 4, 1, 1, 0), cp 7 held (6 on time; 5, 1, 0, 1)
# February: nothing held.  March: roth 3 held (1 on time; 1, 0, 1, 1), cp 0.
MONTHS = [
    (date(2026, 1, 1), date(2026, 1, 31), measures((6, 5, (4, 1, 1, 0)), (7, 6, (5, 1, 0, 1)))),
    (date(2026, 2, 1), date(2026, 2, 28), measures((0, 0, (0, 0, 0, 0)), (0, 0, (0, 0, 0, 0)))),
    (date(2026, 3, 1), date(2026, 3, 31), measures((3, 1, (1, 0, 1, 1)), (0, 0, (0, 0, 0, 0)))),
]


def report(threshold: int = 5, baselines: dict | None = None) -> dict:
    return cohort_report("873", *PERIOD, ROWS, MONTHS, FINDINGS,
                         {"ethnicity": ETHNICITY, "sex": SEX} if baselines is None else baselines, threshold)


def table(published: dict, name: str) -> dict:
    return next(t for t in published["cohort"] if t["name"] == name)


def plans_by_group(t: dict) -> dict:
    return {r["code"]: r["cells"][0] for r in t["rows"]}


def hidden_alone(t: dict) -> list[str]:
    """Lines of a published table (each row with its total, each column with the total row's
    entry) holding exactly one suppressed entry: each one a count a reader could work out."""
    rows = [[*r["cells"], r["total"]] for r in t["rows"]] + [[*t["totals"]["cells"], t["totals"]["total"]]]
    lines = rows + [list(column) for column in zip(*rows)]
    return [str(line) for line in lines if sum(value is None for value in line) == 1]


def every_table(published: dict) -> list[dict]:
    tm = published["timeliness"]
    return [*published["cohort"], published["roth_share"]["table"], tm["initial_conferences"], tm["s47_bands"],
            tm["initial_conferences_by_month"], tm["s47_by_month"], published["plan_findings"]]


# --- the cohort's tables -------------------------------------------------------------------------

def test_with_nothing_suppressed_the_tables_are_the_hand_counts():
    published = report(threshold=1)
    assert plans_by_group(table(published, "pathway")) == {"roth": 6, "cp": 6}
    assert plans_by_group(table(published, "sex")) == {"M": 7, "F": 5, "U": 0}
    assert plans_by_group(table(published, "age_band")) == {"under 10": 2, "10-12": 2, "13-15": 4, "16-17": 4}
    ethnicity = plans_by_group(table(published, "ethnicity"))
    assert {k: v for k, v in ethnicity.items() if v} == {"WBRI": 7, "BCRB": 3, "BAFR": 1, "MWBC": 1}
    assert list(ethnicity)[:3] == ["WBRI", "WIRI", "WIRT"] and len(ethnicity) == 20  # every CIN code, in order
    assert plans_by_group(table(published, "harm_type")) == {
        "serious_youth_violence": 2, "cce": 4, "cse": 1, "peer_abuse": 0, "intimate_partner_abuse": 0,
        "online_abuse": 1, "other": 0}
    assert [table(published, n)["totals"]["total"] for n in ("pathway", "sex", "age_band", "ethnicity", "harm_type")] == [
        12, 12, 12, 12, 8]
    assert table(published, "ethnicity")["rows"][0]["label"] == "White British"


def test_small_counts_are_suppressed_and_the_totals_still_published():
    published = report()  # threshold 5
    assert plans_by_group(table(published, "pathway")) == {"roth": 6, "cp": 6}
    assert plans_by_group(table(published, "sex")) == {"M": 7, "F": 5, "U": 0}  # 5 is not under 5
    assert plans_by_group(table(published, "age_band")) == dict.fromkeys(AGE_BANDS)
    ethnicity = plans_by_group(table(published, "ethnicity"))
    assert (ethnicity["WBRI"], ethnicity["BCRB"], ethnicity["BAFR"], ethnicity["MWBC"], ethnicity["CHNE"]) == (
        7, None, None, None, 0)
    assert plans_by_group(table(published, "harm_type"))["cce"] is None
    assert [table(published, n)["totals"]["total"] for n in ("age_band", "ethnicity", "harm_type")] == [12, 12, 8]


def test_secondary_suppression_hides_the_count_a_total_would_give_away():
    # Threshold 6: F (5) is suppressed, and with the total (12) M's 7 would give it away, so M
    # goes too; "Not known" is 0 and stays. In the ROTH share at 5, CP's 4 (ages 10 and over)
    # is suppressed, and ROTH's 6 with it, as the total (10) is published.
    assert plans_by_group(table(report(threshold=6), "sex")) == {"M": None, "F": None, "U": 0}
    assert table(report(threshold=6), "sex")["totals"]["total"] == 12
    share = report()["roth_share"]
    assert (share["roth"], share["all"], share["percentage"]) == (None, 10, None)
    assert [r["cells"][0] for r in share["table"]["rows"]] == [None, None]


@pytest.mark.parametrize("threshold", [1, 2, 3, 4, 5, 6, 8, 13])
def test_no_published_table_lets_a_suppressed_count_be_worked_out(threshold):
    for t in every_table(report(threshold)):
        assert hidden_alone(t) == [], (threshold, t["name"])


# --- ROTH share and disproportionality -----------------------------------------------------------

def test_the_roth_share_is_of_plans_for_ages_10_and_over():
    # Leaving out the two under-10s (both CP): 10 plans, 6 of them ROTH.
    share = report(threshold=1)["roth_share"]
    assert (share["roth"], share["all"], share["percentage"]) == (6, 10, 60.0)
    assert [(r["code"], r["cells"][0]) for r in share["table"]["rows"]] == [("roth", 6), ("cp", 4)]


def test_disproportionality_counts_the_ages_the_baseline_covers_and_hides_ratios_of_suppressed_groups():
    # Ages 10 to 17 leave out j09 (WBRI) and j12 (BCRB): WBRI 6, BCRB 2, BAFR 1, MWBC 1, 10 plans
    # against 1,000 people (0.01 a head). WBRI 6/800 = 0.0075 -> 0.75; BCRB 2/100 -> 2.0;
    # BAFR 1/60 -> 1.67; MWBC 1/40 -> 2.5; CHNE: nobody in the population, no ratio.
    [ethnicity, sex] = report(threshold=1)["disproportionality"]
    assert ethnicity["dimension"] == "ethnicity" and ethnicity["age_bands"] == ["10-12", "13-15", "16-17"]
    assert (ethnicity["population"], ethnicity["plans"]) == (1000, 10)
    assert [(g["code"], g["population"], g["plans"], g["ratio"]) for g in ethnicity["groups"]] == [
        ("WBRI", 800, 6, 0.75), ("MWBC", 40, 1, 2.5), ("BCRB", 100, 2, 2.0), ("BAFR", 60, 1, 1.67), ("CHNE", 0, 0, None)]
    assert ethnicity["source"] == "Census 2021, ages 10 to 17" and ethnicity["recorded_on"] == "2026-12-01"
    # Sex, all ages: M 7/700 = 0.01, F 5/500 = 0.01, overall 12/1200: both 1.0.
    assert [(g["code"], g["ratio"]) for g in sex["groups"]] == [("M", 1.0), ("F", 1.0)]

    # At 5 only WBRI's count (6) is published, so only its ratio is.
    [ethnicity, sex] = report()["disproportionality"]
    assert [(g["code"], g["plans"], g["ratio"]) for g in ethnicity["groups"]] == [
        ("WBRI", 6, 0.75), ("MWBC", None, None), ("BCRB", None, None), ("BAFR", None, None), ("CHNE", 0, None)]
    assert ethnicity["plans"] == 10
    assert report(baselines={})["disproportionality"] == []


# --- timeliness --------------------------------------------------------------------------------

def test_timeliness_on_both_clocks_by_pathway_and_by_month():
    tm = report(threshold=1)["timeliness"]
    # 15 working days: roth 6 on time of 9 (3 late), cp 6 of 7 (1 late): 12 of 16, 75%.
    ic = tm["initial_conferences"]
    assert [(r["code"], r["cells"], r["total"]) for r in ic["rows"]] == [("roth", [6, 3], 9), ("cp", [6, 1], 7)]
    assert ic["totals"] == {"cells": [12, 4], "total": 16} and tm["initial_conferences_percentage"] == 75.0
    # DfE bands: roth 5, 1, 2, 1; cp 5, 1, 0, 1; within 15: 12 of 16.
    bands = tm["s47_bands"]
    assert [(r["code"], r["cells"]) for r in bands["rows"]] == [("roth", [5, 1, 2, 1]), ("cp", [5, 1, 0, 1])]
    assert [c["code"] for c in bands["columns"]] == list(BANDS) and tm["s47_percentage_within_15"] == 75.0
    # By month: January 11 of 13 on time (84.6%), February none held, March 1 of 3.
    assert [(m["month"], m["label"], m["initial_conferences"]["percentage"]) for m in tm["by_month"]] == [
        ("2026-01", "Jan 2026", 84.6), ("2026-02", "Feb 2026", None), ("2026-03", "Mar 2026", 33.3)]
    assert tm["by_month"][1]["initial_conferences"] == {"held": 0, "on_time": 0, "percentage": None, "suppressed": False}
    # DfE by month: January 11 of 13 within 15 working days, March 1 of 3.
    assert [m["s47_to_initial_conference"]["on_time"] for m in tm["by_month"]] == [11, 0, 1]


def test_timeliness_small_counts_are_suppressed_on_both_clocks():
    tm = report()["timeliness"]  # threshold 5
    # Late: roth 3, cp 1 and in all 4, each under 5. Each row, and the total row, then hides one
    # count, so its on-time count goes too (6, 6 and 12); the rows' totals (9, 7, 16) stand.
    # The share on time (12 of 16) would give the 12 back: it is not published.
    assert [(r["cells"], r["total"]) for r in tm["initial_conferences"]["rows"]] == [([None, None], 9), ([None, None], 7)]
    assert tm["initial_conferences"]["totals"] == {"cells": [None, None], "total": 16}
    assert tm["initial_conferences_percentage"] is None
    # DfE: the bands' totals 10, 2, 2, 2: within 15 is 0-10 (10) and 11-15 (2, suppressed): not published.
    assert tm["s47_bands"]["totals"]["cells"][0] == 10 and tm["s47_percentage_within_15"] is None
    # March: 1 of 3 on time; both are under 5, so the month's share is left out.
    march = tm["by_month"][2]["initial_conferences"]
    assert march == {"held": None, "on_time": None, "percentage": None, "suppressed": True}
    assert tm["by_month"][1]["initial_conferences"]["suppressed"] is False  # none held is not suppressed


# --- plan findings -------------------------------------------------------------------------------

def test_plan_findings_count_plans_not_findings_and_only_the_cohorts():
    findings = plans_by_group(report(threshold=1)["plan_findings"])
    assert findings["voices_not_recorded"] == 2 and findings["goal_without_action"] == 1
    assert sum(v for v in findings.values()) == 3
    assert plans_by_group(report()["plan_findings"])["voices_not_recorded"] is None


def test_a_backwards_period_or_a_threshold_out_of_range_is_refused():
    # How a period is cut into months, and which periods are refused: tests/unit/test_periods.py.
    with pytest.raises(ValueError):
        cohort_report("873", date(2026, 2, 1), date(2026, 1, 1), ROWS, [], {}, {})
    with pytest.raises(ValueError):
        report(threshold=0)


# --- exports -----------------------------------------------------------------------------------

def test_the_csv_holds_every_published_table_with_suppressed_entries_marked():
    published = report()
    rows = list(csv.DictReader(io.StringIO(to_csv(published))))
    assert set(rows[0]) == {"table", "title", "row", "row_label", "column", "value"}
    sex = [(r["row"], r["value"]) for r in rows if r["table"] == "sex"]
    assert sex == [("M", "7"), ("F", "5"), ("U", "0"), ("Total", "12")]
    ethnicity = {r["row"]: r["value"] for r in rows if r["table"] == "ethnicity"}
    assert (ethnicity["BCRB"], ethnicity["WBRI"], ethnicity["Total"]) == ("[c]", "7", "12")
    ratios = {r["row"]: r["value"] for r in rows if r["table"] == "disproportionality_ethnicity" and r["column"] == "Ratio"}
    assert ratios == {"WBRI": "0.75", "MWBC": "[c]", "BCRB": "[c]", "BAFR": "[c]", "CHNE": "", "Total": ""}
    names = list(dict.fromkeys(r["table"] for r in rows))
    assert names == [g.name for g in grids(published)]
    assert "1" not in {r["value"] for r in rows if r["table"] == "ethnicity"}  # BAFR's and MWBC's 1 nowhere


def test_the_workbook_reads_back_one_sheet_per_table():
    published = report()
    book = load_workbook(io.BytesIO(to_xlsx(published)))
    assert book.sheetnames == [CONTENTS, *(g.name for g in grids(published))]
    contents = [r for r in book[CONTENTS].iter_rows(values_only=True)]
    assert "local authority 873, 2026-01-01 to 2026-03-31" in contents[0][0]
    assert contents[3] == ("Sheet", "Table", "What it counts")
    sheet = book["ethnicity"]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "Plans by ethnicity" and values[1] == ("Ethnicity", "Plans")
    body = {label: value for label, value in values[2:]}
    assert (body["White British"], body["Black Caribbean"], body["Total"]) == (7, "[c]", 12)
    assert sheet["B3"].value == 7 and isinstance(sheet["B3"].value, int)
    times = list(book["initial_conferences"].iter_rows(values_only=True))
    assert times[1] == ("Pathway", "On time", "Late", "Total", "On time (%)")
    assert times[2] == ("ROTH", "[c]", "[c]", 9, "[c]")
    assert times[4] == ("Total", "[c]", "[c]", 16, "[c]")
    share = list(book["roth_share"].iter_rows(values_only=True))
    assert share[2:] == [("ROTH", "[c]", "[c]"), ("Child protection", "[c]", "[c]"), ("Total", 10, 100)]


# --- charts ------------------------------------------------------------------------------------

SVG = "{http://www.w3.org/2000/svg}"


def drawn(svg: str) -> dict[str, dict]:
    """The chart's elements by id: 'bar-X' -> {'width', 'height'}, 'value-X' / 'suppressed-X' -> {'text'}."""
    root = ET.fromstring(svg)
    found = {}
    for group in root.iter(f"{SVG}g"):
        gid = group.get("id", "")
        if gid.startswith("bar-"):
            numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", group.find(f"{SVG}path").get("d"))]
            xs, ys = numbers[0::2], numbers[1::2]
            found[gid] = {"width": max(xs) - min(xs), "height": max(ys) - min(ys)}
        elif gid.startswith(("value-", "suppressed-", "none-")):
            found[gid] = {"text": "".join(group.find(f"{SVG}text").itertext())}
    return found


def test_a_bar_chart_draws_published_counts_only():
    published = report()
    svg = charts.chart(published, "ethnicity")
    assert svg.startswith("<?xml") and "<svg" in svg
    shown = drawn(svg)
    bars = {k[4:]: v for k, v in shown.items() if k.startswith("bar-")}
    suppressed = {k[11:] for k in shown if k.startswith("suppressed-")}
    # 20 ethnic groups: BCRB, BAFR and MWBC suppressed, the other 17 drawn (16 of them zero).
    assert len(bars) == 17 and suppressed == {"BCRB", "BAFR", "MWBC"}
    assert all(shown[f"suppressed-{code}"]["text"] == "suppressed [c]" for code in suppressed)
    assert shown["value-WBRI"]["text"] == "7" and {shown[f"value-{c}"]["text"] for c in bars if c != "WBRI"} == {"0"}
    assert not {f"value-{code}" for code in suppressed} & set(shown)
    # Bars are as long as their published counts, the axis scaled to them: nothing of BCRB's 3.
    assert bars["WBRI"]["width"] > 0 and all(bars[c]["width"] == 0 for c in bars if c != "WBRI")
    assert "Black Caribbean" in svg and "Plans by ethnicity" in svg


def test_bar_lengths_follow_the_published_counts():
    shown = drawn(charts.chart(report(threshold=1), "age_band"))
    widths = {k[4:]: v["width"] for k, v in shown.items() if k.startswith("bar-")}
    assert set(widths) == set(AGE_BANDS)
    # 2, 2, 4, 4: the 13-15 bar is twice the under-10 one.
    assert widths["13-15"] == pytest.approx(2 * widths["under 10"], rel=1e-3)
    assert widths["10-12"] == pytest.approx(widths["under 10"], rel=1e-3)


def test_the_timeliness_chart_draws_each_months_share_on_both_clocks():
    shown = drawn(charts.chart(report(threshold=1), "timeliness"))
    assert sorted(k for k in shown if k.startswith("bar-")) == [
        "bar-2026-01-dfe", "bar-2026-01-ic", "bar-2026-03-dfe", "bar-2026-03-ic"]
    assert (shown["value-2026-01-ic"]["text"], shown["value-2026-03-ic"]["text"]) == ("85", "33")
    assert shown["bar-2026-01-ic"]["height"] == pytest.approx(shown["bar-2026-03-ic"]["height"] * 84.6 / 33.3, rel=1e-2)
    assert {k for k in shown if k.startswith("none-")} == {"none-2026-02-ic", "none-2026-02-dfe"}
    # At 5, March's 1 of 3 is suppressed: no bar, the mark instead.
    shown = drawn(charts.chart(report(), "timeliness"))
    assert "bar-2026-03-ic" not in shown and shown["suppressed-2026-03-ic"]["text"] == "[c]"


def test_every_chart_renders_and_an_unknown_one_is_refused():
    published = report()
    for name in charts.CHARTS:
        assert "<svg" in charts.chart(published, name)
    with pytest.raises(KeyError):
        charts.chart(published, "postcode")
