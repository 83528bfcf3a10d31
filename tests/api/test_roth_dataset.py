"""The ROTH dataset (issue 7): its rows for a small population built through the HTTP API, the
CSV and the workbook they are written as, the API's roles and LA isolation, and the CLI.

The session's event log is shared with other suites (LA 873 is everyone's), so the rows are
checked for this test's own journeys: which of them are in, and every field of each.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from reports.roth_dataset import COLUMNS, DATE_COLUMNS, SHEET, dataset_rows, to_csv, to_xlsx
from store.report_queries import ReportQueries
from store.access_log import access_for_journey
from support import chair_over_http
from temporal_fixtures import auth

URL = "/v1/reports/roth-dataset"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def years_before(day: date, years: int, days: int = 10) -> date:
    return day.replace(year=day.year - years) - timedelta(days=days)


async def start(http, tokens, referral: date, dob: date, la: str = "873", sex: str = "F",
                ethnicity: str = "WBRI") -> tuple[str, str]:
    child = f"C{uuid.uuid4().hex[:12]}"
    body = {"command_id": str(uuid.uuid4()), "local_authority": la,
            "young_person": {"id": child, "date_of_birth": dob.isoformat(), "sex": sex, "ethnicity": ethnicity},
            "referral_date": referral.isoformat()}
    answer = await http.post("/v1/journeys", json=body, headers=auth(tokens, "system", la))
    assert answer.status_code == 201, answer.text
    return answer.json()["journey_id"], child


async def send(http, tokens, journey_id: str, type_: str, la: str = "873", **fields) -> dict:
    body = {"command_id": str(uuid.uuid4()), "type": type_,
            **{k: v.isoformat() if isinstance(v, date) else v for k, v in fields.items()}}
    answer = await http.post(f"/v1/journeys/{journey_id}/commands", json=body, headers=auth(tokens, "practitioner", la))
    assert answer.status_code == 200, answer.text
    return answer.json()


def context(context_id: str, kind: str, weight: int, harm: bool = True, safety: bool = False) -> dict:
    return {"context_id": context_id, "kind": kind, "name": context_id.replace("-", " ").title(),
            "harm": harm, "safety": safety, "weight": weight, "affects": []}


@pytest.fixture
async def population(http, tokens, clock) -> dict:
    """Five young people, with the dates each step was held (all in the past):

    roth:    ROTH plan from t0-45, open; harm types, needs, a weighting at assessment then one
             at the conference (public place, peer group and the family); 14 at the plan's start
    cp:      CP plan from t0-30, open; its strategy discussion's date corrected to t0-40; 16
    no_plan: a s.47 enquiry with no conference yet
    ended:   CP plan from t0-90, ended at a review on t0-50 with a step down to early help; 11
    other:   LA 874's CP plan from t0-30
    """
    t0 = await clock.today()
    d = lambda n: t0 - timedelta(days=n)  # noqa: E731
    people: dict = {"t0": t0}

    roth, people["roth_child"] = await start(http, tokens, d(60), years_before(d(45), 14), sex="M", ethnicity="MWBC")
    await send(http, tokens, roth, "record_strategy_discussion", occurred_on=d(55), outcome="s47_roth",
               harm_types=["cce", "serious_youth_violence"])
    await chair_over_http(http, tokens, roth)
    await send(http, tokens, roth, "record_context_weighting", occurred_on=d(50), at="assessment", contexts=[
        context("riverside-park", "public_place", 8), context("home", "home_family", 4, harm=False, safety=True)])
    await send(http, tokens, roth, "record_initial_conference", occurred_on=d(45), decision="plan", categories=["physical"])
    await send(http, tokens, roth, "record_context_weighting", occurred_on=d(45), at="initial_conference", contexts=[
        context("riverside-park", "public_place", 8), context("year-10-group", "peer_group", 6),
        context("home", "home_family", 3, harm=False, safety=True), context("bus-station", "public_place", 2)])
    await send(http, tokens, roth, "update_plan", occurred_on=d(45), made_at="initial_conference",
               needs=["education_access", "substance_use"], goals=[])

    cp, people["cp_child"] = await start(http, tokens, d(45), years_before(d(30), 16))
    held = await send(http, tokens, cp, "record_strategy_discussion", occurred_on=d(41), outcome="s47_cp")
    [discussion] = [e for e in held["events"] if e["type"] == "StrategyDiscussionHeld"]
    await send(http, tokens, cp, "correct_event", event_id=discussion["event_id"], field="occurred_on",
               value=d(40).isoformat(), reason="Minutes dated the day they were typed")
    await send(http, tokens, cp, "record_initial_conference", occurred_on=d(30), decision="plan",
               categories=["neglect", "emotional"])

    no_plan, _ = await start(http, tokens, d(20), years_before(d(20), 13))
    await send(http, tokens, no_plan, "record_strategy_discussion", occurred_on=d(15), outcome="s47_roth")

    ended, people["ended_child"] = await start(http, tokens, d(110), years_before(d(90), 11))
    await send(http, tokens, ended, "record_strategy_discussion", occurred_on=d(100), outcome="s47_cp")
    await send(http, tokens, ended, "record_initial_conference", occurred_on=d(90), decision="plan", categories=["neglect"])
    await send(http, tokens, ended, "record_review_conference", occurred_on=d(50), decision="end_plan",
               step_down="early_help")

    other, _ = await start(http, tokens, d(45), years_before(d(30), 15), la="874")
    await send(http, tokens, other, "record_strategy_discussion", occurred_on=d(40), outcome="s47_cp", la="874")
    await send(http, tokens, other, "record_initial_conference", occurred_on=d(30), decision="plan",
               categories=["physical"], la="874")

    people.update(roth=roth, cp=cp, no_plan=no_plan, ended=ended, other=other)
    return people


def expected(p: dict) -> dict[str, dict]:
    d = lambda n: p["t0"] - timedelta(days=n)  # noqa: E731
    return {
        p["roth"]: {
            "journey_id": p["roth"], "child_id": p["roth_child"], "pathway": "roth", "transfers": 0,
            "strategy_discussion_on": d(55), "initial_conference_on": d(45), "plan_started_on": d(45),
            "plan_ended_on": None, "categories": "physical", "outside_home": "yes",
            "harm_types": "cce;serious_youth_violence", "needs": "education_access;substance_use",
            "contexts": "public_place;peer_group", "age_band": "13-15", "sex": "M", "ethnicity": "MWBC",
            "outcome": "open"},
        p["cp"]: {
            "journey_id": p["cp"], "child_id": p["cp_child"], "pathway": "cp", "transfers": 0,
            "strategy_discussion_on": d(40), "initial_conference_on": d(30), "plan_started_on": d(30),
            "plan_ended_on": None, "categories": "neglect;emotional", "outside_home": "no", "harm_types": "",
            "needs": "", "contexts": "", "age_band": "16-17", "sex": "F", "ethnicity": "WBRI", "outcome": "open"},
        p["ended"]: {
            "journey_id": p["ended"], "child_id": p["ended_child"], "pathway": "cp", "transfers": 0,
            "strategy_discussion_on": d(100), "initial_conference_on": d(90), "plan_started_on": d(90),
            "plan_ended_on": d(50), "categories": "neglect", "outside_home": "no", "harm_types": "", "needs": "",
            "contexts": "", "age_band": "10-12", "sex": "F", "ethnicity": "WBRI",
            "outcome": "plan_ended, step down: early_help"},
    }


def ours(rows: list[dict], p: dict) -> list[dict]:
    mine = {p[k] for k in ("roth", "cp", "no_plan", "ended", "other")}
    return [r for r in rows if r["journey_id"] in mine]


def as_text(row: dict) -> dict:
    return {k: "" if v is None else v.isoformat() if isinstance(v, date) else str(v) for k, v in row.items()}


def from_xlsx(content: bytes):
    sheet = load_workbook(io.BytesIO(content))[SHEET]
    values = list(sheet.iter_rows(values_only=True))
    header, body = values[0], values[1:]
    rows = [{k: (v.date() if k in DATE_COLUMNS and v is not None else v) for k, v in zip(header, line)} for line in body]
    return sheet, header, rows


async def test_rows_are_the_las_plans_overlapping_the_period(population, store):
    p, t0 = population, population["t0"]
    want = expected(p)

    rows = dataset_rows(ReportQueries(store.engine), "873", t0 - timedelta(days=60), t0)
    assert all(list(r) == list(COLUMNS) for r in rows)
    assert [(r["plan_started_on"], r["journey_id"]) for r in rows] == sorted((r["plan_started_on"], r["journey_id"]) for r in rows)
    assert ours(rows, p) == [want[p["ended"]], want[p["roth"]], want[p["cp"]]]
    # The ended plan ended before this period; the others started before it ends.
    assert [r["journey_id"] for r in ours(dataset_rows(ReportQueries(store.engine), "873", t0 - timedelta(days=49), t0), p)] == [p["roth"], p["cp"]]
    # Only the ended plan was running here; the others had not started yet.
    assert ours(dataset_rows(ReportQueries(store.engine), "873", t0 - timedelta(days=95), t0 - timedelta(days=89)), p) == [want[p["ended"]]]
    # Before any of them started: none (the enquiries without a plan are never in).
    assert ours(dataset_rows(ReportQueries(store.engine), "873", t0 - timedelta(days=200), t0 - timedelta(days=91)), p) == []
    # LA 874 sees its own plan only.
    assert [r["journey_id"] for r in ours(dataset_rows(ReportQueries(store.engine), "874", t0 - timedelta(days=60), t0), p)] == [p["other"]]


def test_csv_and_xlsx_read_back_the_rows():
    rows = [
        {"journey_id": "j1", "child_id": "C1", "pathway": "roth", "transfers": 1, "strategy_discussion_on": date(2026, 1, 5),
         "initial_conference_on": date(2026, 1, 20), "plan_started_on": date(2026, 1, 20), "plan_ended_on": None,
         "categories": "physical", "outside_home": "yes", "harm_types": "cce;other", "needs": "poverty",
         "contexts": "public_place", "age_band": "13-15", "sex": "M", "ethnicity": "WBRI", "outcome": "open"},
        {"journey_id": "j2", "child_id": "C2, \"quoted\"", "pathway": "cp", "transfers": 0, "strategy_discussion_on": None,
         "initial_conference_on": date(2026, 2, 2), "plan_started_on": date(2026, 2, 2), "plan_ended_on": date(2026, 3, 1),
         "categories": "neglect", "outside_home": "no", "harm_types": "", "needs": "", "contexts": "",
         "age_band": "16-17", "sex": "F", "ethnicity": "ABAN", "outcome": "plan_ended, step down: none"},
    ]
    text = to_csv(rows)
    assert text.splitlines()[0] == ",".join(COLUMNS)
    assert list(csv.DictReader(io.StringIO(text))) == [as_text(r) for r in rows]
    assert list(csv.DictReader(io.StringIO(to_csv([])))) == []

    sheet, header, back = from_xlsx(to_xlsx(rows))
    assert header == COLUMNS
    assert [{k: ("" if v is None and k not in DATE_COLUMNS else v) for k, v in r.items()} for r in back] == rows
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:Q{len(rows) + 1}"
    assert sheet["E2"].is_date and sheet["E2"].number_format == "yyyy-mm-dd"
    assert sheet.column_dimensions["A"].width >= len("journey_id")


async def test_api_exports_csv_and_xlsx_and_records_each_journey(population, http, tokens, store):
    p, t0 = population, population["t0"]
    want = expected(p)
    period = {"from": (t0 - timedelta(days=60)).isoformat(), "to": t0.isoformat()}

    answer = await http.get(URL, params=period, headers=auth(tokens, "manager"))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="roth-dataset-873-{period["from"]}-to-{period["to"]}.csv"')
    parsed = list(csv.DictReader(io.StringIO(answer.text)))
    assert ours(parsed, p) == [as_text(want[p[k]]) for k in ("ended", "roth", "cp")]
    for k in ("ended", "roth", "cp"):
        reads = [a for a in access_for_journey(store.engine, "873", p[k]) if a.what == "roth_dataset"]
        assert [(a.actor, a.actor_role, a.channel) for a in reads] == [("manager-873", "manager", "api")]
    assert not [a for a in access_for_journey(store.engine, "873", p["no_plan"]) if a.what == "roth_dataset"]

    book = await http.get(URL, params={**period, "format": "xlsx"}, headers=auth(tokens, "auditor"))
    assert book.status_code == 200, book.text
    assert book.headers["content-type"] == XLSX
    assert book.headers["content-disposition"].endswith('.xlsx"')
    sheet, header, rows = from_xlsx(book.content)
    assert header == COLUMNS and sheet.freeze_panes == "A2" and all(c.font.bold for c in sheet[1])
    got = [{k: ("" if v is None and k not in DATE_COLUMNS else v) for k, v in r.items()} for r in ours(rows, p)]
    assert got == [want[p[k]] for k in ("ended", "roth", "cp")]

    # LA isolation: 874's manager gets 874's plan and none of 873's.
    theirs = await http.get(URL, params=period, headers=auth(tokens, "manager", "874"))
    assert [r["journey_id"] for r in ours(list(csv.DictReader(io.StringIO(theirs.text))), p)] == [p["other"]]


async def test_api_refuses_other_roles_and_bad_periods(http, tokens):
    period = {"from": "2026-01-01", "to": "2026-03-31"}
    for role in ("system", "practitioner", "admin"):
        refused = await http.get(URL, params=period, headers=auth(tokens, role))
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"]["code"] == "not_allowed_for_role"
    assert (await http.get(URL, params=period)).status_code == 401
    for bad in ({"from": "2026-03-31", "to": "2026-01-01"}, {"from": "2026-13-01", "to": "2026-03-31"},
                {"from": "2026-01-01"}, {**period, "format": "pdf"}):
        answer = await http.get(URL, params=bad, headers=auth(tokens, "manager"))
        assert answer.status_code == 422, (bad, answer.text)


async def test_cli_writes_both_formats_and_records_each_journey(population, store, database_url, monkeypatch,
                                                                 tmp_path, keep_logging, capsys):
    from cli.main import main

    p, t0 = population, population["t0"]
    want = expected(p)
    monkeypatch.setenv("PATHWAYS_DATABASE_URL", database_url)
    period = ["--la", "873", "--from", (t0 - timedelta(days=49)).isoformat(), "--to", t0.isoformat()]

    out_csv = tmp_path / "roth.csv"
    assert main(["report", "roth-dataset", *period, "--format", "csv", "--out", str(out_csv)]) == 0
    with out_csv.open(newline="", encoding="utf-8") as f:
        assert ours(list(csv.DictReader(f)), p) == [as_text(want[p[k]]) for k in ("roth", "cp")]
    out_xlsx = tmp_path / "roth.xlsx"
    assert main(["report", "roth-dataset", *period, "--format", "xlsx", "--out", str(out_xlsx)]) == 0
    _, header, rows = from_xlsx(out_xlsx.read_bytes())
    assert header == COLUMNS
    assert [{k: ("" if v is None and k not in DATE_COLUMNS else v) for k, v in r.items()} for r in ours(rows, p)] == [
        want[p[k]] for k in ("roth", "cp")]
    assert "rows written to" in capsys.readouterr().out

    for k in ("roth", "cp"):
        reads = [a for a in access_for_journey(store.engine, "873", p[k]) if a.what == "roth_dataset"]
        assert [(a.actor_role, a.channel) for a in reads] == [("operator", "cli")] * 2
    assert not [a for a in access_for_journey(store.engine, "873", p["ended"]) if a.what == "roth_dataset"]
    assert main(["report", "roth-dataset", "--la", "873", "--from", t0.isoformat(), "--to",
                 (t0 - timedelta(days=1)).isoformat(), "--out", str(tmp_path / "x.csv")]) == 2
    assert not (tmp_path / "x.csv").exists()
