"""The cohort report through the HTTP API, on SQLite and on PostgreSQL: its figures against a
small population counted by hand, its exports and charts, the population baselines it is
measured against, who may read and record what, LA isolation, the access log, and 422s.

The population is written to each engine's log the way the journey workflow writes it (the
decider's events, with the read models derived from them), so the report reads what a live
service would hold; the app serving it is the real one, on that engine's store (reports need
no workflow, so the session's Temporal client is only there to start the app).
"""

from __future__ import annotations

import csv
import io
import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import date, timedelta

import httpx
import pytest
from openpyxl import load_workbook

from api.app import create_app
from domain import commands as c
from domain import plans as p
from domain.decider import fold
from domain.model import YoungPerson
from domain.views import read_model_rows
from reports.cohort_report import CONTENTS
from store.access_log import access_by_user
from store.engine import make_engine
from store.events import EventStore
from store.records import DeadlineRow, JourneySummary, NewEvent
from domain import events as e
from support import CALENDAR, PRACTITIONER, cid, run, start
from temporal_fixtures import auth

LA, OTHER_LA = "873", "874"
TODAY = date(2026, 8, 17)
PERIOD = {"from": "2026-05-01", "to": "2026-07-31"}
URL = "/v1/reports/cohort"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- the population ------------------------------------------------------------------------------

def wd(day: date, n: int) -> date:
    return CALENDAR.add_working_days(day, n)


def born(age: int, on: date) -> date:
    return on.replace(year=on.year - age) - timedelta(days=10)


@dataclass
class Journey:
    """One young person's journey: who, and the commands after the referral."""

    la: str
    sex: str
    ethnicity: str
    age_at_plan: int
    plan_on: date | None
    commands: list = field(default_factory=list)
    journey_id: str = field(default_factory=lambda: str(uuid.uuid4()))


def discussion(on: date, outcome: str, *harm: str) -> c.RecordStrategyDiscussion:
    return c.RecordStrategyDiscussion(cid(), PRACTITIONER, on, outcome, tuple(harm))


def conference(on: date, decision: str = "plan", step_down: str | None = None) -> c.RecordInitialConference:
    return c.RecordInitialConference(cid(), PRACTITIONER, on, decision, ("physical",) if decision == "plan" else (),
                                     step_down)


def plan_update(on: date, needs: tuple, *goals: p.Goal) -> c.UpdatePlan:
    return c.UpdatePlan(cid(), PRACTITIONER, on, "initial_conference", needs, goals)


def views(on: date, participant: str) -> c.RecordParticipation:
    return c.RecordParticipation(cid(), PRACTITIONER, on, "initial_conference", participant, True, True, "Was heard")


def roth(sd: date, days: int, sex: str, ethnicity: str, age: int, *harm: str, plan=()) -> Journey:
    held = wd(sd, days)
    return Journey(LA, sex, ethnicity, age, held, [discussion(sd, "s47_roth", *harm), conference(held),
                                                   *(command(held) for command in plan)])


def cp(sd: date, days: int, sex: str, ethnicity: str, age: int, la: str = LA, *more) -> Journey:
    held = wd(sd, days)
    return Journey(la, sex, ethnicity, age, held, [discussion(sd, "s47_cp"), conference(held), *more])


def population() -> dict[str, Journey]:
    """LA 873's young people, and one of LA 874's. Conferences held in the period (May to July
    2026), in working days from the strategy discussion, on our clock (15 from the last) and
    the DfE's (from the first):

    J1  ROTH  M BCRB 15  cce, serious youth violence   5 May +10: 19 May   on time, 0-10
        plan: a need without a goal, every action at the young person, no voices
    J2  ROTH  M BCRB 16  cce                            6 May +14: 27 May   on time, 11-15
        plan: a goal with no action and no outcome, no voices
    J3  ROTH  F WBRI 14  cse                            1 Jun +18: 25 Jun   late, 16-20
    J4  ROTH  M WBRI 16  cce, online abuse              8 Jun +10: 22 Jun   on time, 0-10
        plan: no findings (both voices heard, an action aimed at the family)
    J5  CP    F WBRI 12                                15 Jun +25: 20 Jul   late, 21+
    J6  CP    F WBRI  8                                 1 Jul +12: 17 Jul   on time, 11-15
    J7  CP    M MWBC 16  plan from 16 Feb, still open: in the cohort, not in the timeliness
    J8  CP    F WBRI 13  plan 2 Mar to 20 Apr (ended before the period): in neither
    J9  ROTH  M WBRI 14  a s.47 enquiry from 20 Jul, no conference yet: in neither
    J11 CP    M WBRI 15  6 Jul +8: 16 Jul, no plan (early help): timeliness only (on time, 0-10)
    J12 CP    F WBRI 15  discussions 1 Jun and 15 Jun, +10 from the last: 29 Jun: on time on
                         our clock; 20 working days from the s.47 start: DfE 16-20
    J10 LA 874's CP plan, 1 Jun +10
    """
    may5, may6, jun1, jun8, jun15, jul1, jul6 = (date(2026, 5, 5), date(2026, 5, 6), date(2026, 6, 1),
                                                 date(2026, 6, 8), date(2026, 6, 15), date(2026, 7, 1), date(2026, 7, 6))
    school = p.Goal("g1", p.NEEDS_HEADING, "Back in school", "education_access",
                    (p.Action("Find a school place", "Education service", date(2026, 7, 31), (p.YOUNG_PERSON,)),),
                    "Attends every day")
    bare = p.Goal("g1", p.NEEDS_HEADING, "Back in school", "education_access", (), None)
    guardians = p.Goal("g1", p.GUARDIANSHIP, "Trusted adults at the station", None,
                       (p.Action("Family safety plan", "Family support", date(2026, 7, 31), (p.FAMILY,)),), "No missing episodes")
    people = {
        "J1": roth(may5, 10, "M", "BCRB", 15, "cce", "serious_youth_violence", plan=[
            lambda on: plan_update(on, ("education_access", "substance_use"), school)]),
        "J2": roth(may6, 14, "M", "BCRB", 16, "cce", plan=[lambda on: plan_update(on, ("education_access",), bare)]),
        "J3": roth(jun1, 18, "F", "WBRI", 14, "cse"),
        "J4": roth(jun8, 10, "M", "WBRI", 16, "cce", "online_abuse", plan=[
            lambda on: views(on, "young_person"), lambda on: views(on, "parent_carer"),
            lambda on: plan_update(on, (), guardians)]),
        "J5": cp(jun15, 25, "F", "WBRI", 12),
        "J6": cp(jul1, 12, "F", "WBRI", 8),
        "J7": cp(date(2026, 2, 2), 10, "M", "MWBC", 16),
        "J8": cp(date(2026, 2, 20), 6, "F", "WBRI", 13, LA,
                 c.RecordReviewConference(cid(), PRACTITIONER, date(2026, 4, 20), "end_plan", (), "early_help")),
        "J9": Journey(LA, "M", "WBRI", 14, None, [discussion(date(2026, 7, 20), "s47_roth")]),
        "J11": Journey(LA, "M", "WBRI", 15, None, [discussion(jul6, "s47_cp"), conference(wd(jul6, 8), "no_plan", "early_help")]),
        "J12": Journey(LA, "F", "WBRI", 15, wd(jun15, 10), [discussion(jun1, "s47_cp"), discussion(jun15, "s47_cp"),
                                                            conference(wd(jun15, 10))]),
        "J10": cp(jun1, 10, "F", "AIND", 14, OTHER_LA),
    }
    conferences = {k: next(x.occurred_on for x in j.commands if isinstance(x, c.RecordInitialConference))
                   for k, j in people.items() if k != "J9"}
    # The months the table above says (the calendar's bank holidays included).
    assert [conferences[k].month for k in ("J1", "J2", "J3", "J4", "J5", "J6", "J11", "J12")] == [5, 5, 6, 6, 7, 7, 7, 6]
    assert CALENDAR.working_days_between(jun1, conferences["J12"]) == 20
    return people


def write(store: EventStore, journey: Journey) -> None:
    """The journey's events and read models, as the journey workflow appends them."""
    first = journey.commands[0].occurred_on
    person = YoungPerson(f"LCS{journey.journey_id[:8]}", born(journey.age_at_plan, journey.plan_on or first),
                         journey.sex, journey.ethnicity)
    opening = start(first - timedelta(days=3))
    opening = c.StartJourney(opening.command_id, opening.actor, journey.journey_id, journey.la, person,
                             opening.referral_date, opening.policy)
    commands = [opening, *(x(journey.plan_on) if callable(x) else x for x in journey.commands)]
    _, produced = run(commands, TODAY)
    state = fold(produced)
    row, deadline_rows = read_model_rows(state, f"journey-{journey.journey_id}", CALENDAR, TODAY)
    logged = []
    for event in produced:
        name, occurred_on, data = e.encode(event)
        logged.append(NewEvent(str(uuid.uuid4()), name, date.fromisoformat(occurred_on), "sw-0042", "practitioner",
                               str(uuid.uuid4()), e.SCHEMA_VERSION, data))
    store.append(journey.journey_id, 0, logged, summary=JourneySummary(**row),
                 deadlines=[DeadlineRow(**r) for r in deadline_rows])


@pytest.fixture
async def service(store_url, settings, temporal_env, token_file):
    """(an HTTP client on the app over this engine's store, the store, the population)."""
    engine = make_engine(store_url)
    store = EventStore(engine)
    people = population()
    for journey in people.values():
        write(store, journey)
    app = create_app(settings, temporal=temporal_env.client, store=store, identity=token_file)
    try:
        async with app.router.lifespan_context(app):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://pathways.test") as client:
                yield client, store, people
    finally:
        engine.dispose()


async def get_report(client, tokens, threshold: int | None = None, role: str = "manager", la: str = LA, **params) -> dict:
    query = {**PERIOD, **({"threshold": threshold} if threshold is not None else {}), **params}
    answer = await client.get(URL, params=query, headers=auth(tokens, role, la))
    assert answer.status_code == 200, answer.text
    return answer.json()


def by_name(report: dict, name: str) -> dict:
    return next(t for t in report["cohort"] if t["name"] == name)


def plans(table: dict) -> dict:
    return {r["code"]: r["cells"][0] for r in table["rows"] if r["cells"][0] != 0}


ETHNICITY_BASELINE = {"source": "Census 2021, ages 10 to 17", "counts": {"WBRI": 900, "BCRB": 60, "MWBC": 40},
                      "age_bands": ["10-12", "13-15", "16-17"]}


# --- the figures ---------------------------------------------------------------------------------

async def test_the_report_is_the_hand_count_of_the_population(service, tokens):
    client, _, _ = service
    report = await get_report(client, tokens, threshold=1)  # nothing suppressed
    assert report["local_authority"] == LA and report["period"] == PERIOD and report["threshold"] == 1
    # The cohort: J1-J7 and J12 (8 plans); not J8 (ended before), J9 and J11 (no plan), J10 (874's).
    assert plans(by_name(report, "pathway")) == {"roth": 4, "cp": 4}
    assert plans(by_name(report, "sex")) == {"M": 4, "F": 4}
    assert plans(by_name(report, "age_band")) == {"under 10": 1, "10-12": 1, "13-15": 3, "16-17": 3}
    assert plans(by_name(report, "ethnicity")) == {"WBRI": 5, "BCRB": 2, "MWBC": 1}
    assert plans(by_name(report, "harm_type")) == {"cce": 3, "serious_youth_violence": 1, "cse": 1, "online_abuse": 1}
    assert [by_name(report, n)["totals"]["total"] for n in ("pathway", "harm_type")] == [8, 6]
    # ROTH among CP plans, ages 10 and over (J6 is 8): 4 of 7.
    share = report["roth_share"]
    assert (share["roth"], share["all"], share["percentage"]) == (4, 7, 57.1)
    # Timeliness: 8 initial conferences held in the period (J11's no-plan conference too).
    tm = report["timeliness"]
    assert [(r["code"], r["cells"]) for r in tm["initial_conferences"]["rows"]] == [("roth", [3, 1]), ("cp", [3, 1])]
    assert tm["initial_conferences"]["totals"] == {"cells": [6, 2], "total": 8} and tm["initial_conferences_percentage"] == 75.0
    assert [(r["code"], r["cells"]) for r in tm["s47_bands"]["rows"]] == [("roth", [2, 1, 1, 0]), ("cp", [1, 1, 1, 1])]
    assert tm["s47_percentage_within_15"] == 62.5  # 5 of 8: J12 is on time on our clock, not on the DfE's
    assert [(m["month"], m["initial_conferences"]["on_time"], m["initial_conferences"]["held"],
             m["s47_to_initial_conference"]["on_time"]) for m in tm["by_month"]] == [
        ("2026-05", 2, 2, 2), ("2026-06", 2, 3, 1), ("2026-07", 2, 3, 2)]
    # Plan findings: J1 (need without goal, only behaviour, no voices), J2 (goal without action
    # or outcome, no voices); J4 none; the CP plans have no care plan to check.
    assert plans(report["plan_findings"]) == {
        "need_without_goal": 1, "only_behaviour_targeted": 1, "voices_not_recorded": 2, "goal_without_action": 1,
        "goal_without_outcome": 1}
    assert report["disproportionality"] == []


async def test_published_at_the_default_threshold_small_counts_are_suppressed(service, tokens):
    client, _, _ = service
    report = await get_report(client, tokens)  # threshold 5
    assert report["threshold"] == 5
    assert plans(by_name(report, "pathway")) == {"roth": None, "cp": None}
    assert by_name(report, "pathway")["totals"]["total"] == 8
    assert plans(by_name(report, "ethnicity")) == {"WBRI": 5, "BCRB": None, "MWBC": None}
    assert report["roth_share"]["percentage"] is None and report["roth_share"]["all"] == 7
    # Secondary suppression at 4: CP's 3 (ages 10 and over) is suppressed, and ROTH's 4 with it,
    # since the total 7 is published.
    share = (await get_report(client, tokens, threshold=4))["roth_share"]
    assert [r["cells"][0] for r in share["table"]["rows"]] == [None, None] and share["all"] == 7
    # ... and at 2, in timeliness: each pathway's single late conference is suppressed, so its
    # on-time count goes too; the totals (6 of 8 on time) stand, and so does the share.
    tm = (await get_report(client, tokens, threshold=2))["timeliness"]
    assert [r["cells"] for r in tm["initial_conferences"]["rows"]] == [[None, None], [None, None]]
    assert tm["initial_conferences"]["totals"] == {"cells": [6, 2], "total": 8} and tm["initial_conferences_percentage"] == 75.0
    assert [m["initial_conferences"]["percentage"] for m in tm["by_month"]] == [100.0, None, None]


async def test_disproportionality_against_the_baselines_the_la_records(service, tokens):
    client, _, _ = service
    put = await client.put("/v1/reports/population-baseline/ethnicity", json=ETHNICITY_BASELINE,
                           headers=auth(tokens, "manager"))
    assert put.status_code == 200, put.text
    stored = put.json()
    assert (stored["dimension"], stored["counts"], stored["age_bands"], stored["recorded_by"]) == (
        "ethnicity", {"WBRI": 900, "MWBC": 40, "BCRB": 60}, ["10-12", "13-15", "16-17"], "manager-873")
    assert (await client.get("/v1/reports/population-baseline/ethnicity", headers=auth(tokens, "auditor"))).json() == stored
    sex = await client.put("/v1/reports/population-baseline/sex", headers=auth(tokens, "manager"),
                           json={"source": "Mid-year estimates", "counts": {"M": 600, "F": 400}})
    assert sex.status_code == 200 and sex.json()["age_bands"] is None

    # Ages 10 to 17 (J6, WBRI and 8, left out): WBRI 4, BCRB 2, MWBC 1: 7 plans for 1,000
    # people, 0.007 a head. WBRI 4/900 -> 0.63; BCRB 2/60 -> 4.76; MWBC 1/40 -> 3.57.
    # Sex, every age: M 4/600 over 8/1000 -> 0.83; F 4/400 -> 1.25.
    [ethnicity, by_sex] = (await get_report(client, tokens, threshold=1))["disproportionality"]
    assert [(g["code"], g["plans"], g["ratio"]) for g in ethnicity["groups"]] == [
        ("WBRI", 4, 0.63), ("MWBC", 1, 3.57), ("BCRB", 2, 4.76)]
    assert (ethnicity["plans"], ethnicity["population"], ethnicity["source"]) == (7, 1000, "Census 2021, ages 10 to 17")
    assert [(g["code"], g["ratio"]) for g in by_sex["groups"]] == [("M", 0.83), ("F", 1.25)]
    # At 2: MWBC's 1 is suppressed, and BCRB's 2 with it (the smallest other): their ratios too.
    [ethnicity, _] = (await get_report(client, tokens, threshold=2))["disproportionality"]
    assert [(g["code"], g["plans"], g["ratio"]) for g in ethnicity["groups"]] == [
        ("WBRI", 4, 0.63), ("MWBC", None, None), ("BCRB", None, None)]

    # A new recording replaces it (the old one is kept in the store, not in force).
    again = await client.put("/v1/reports/population-baseline/ethnicity", headers=auth(tokens, "manager"),
                             json={**ETHNICITY_BASELINE, "counts": {"WBRI": 700}, "source": "Census 2021, revised"})
    assert again.status_code == 200
    [ethnicity, _] = (await get_report(client, tokens, threshold=1))["disproportionality"]
    assert [(g["code"], g["ratio"]) for g in ethnicity["groups"]] == [("WBRI", 1.0)]


# --- exports and charts ------------------------------------------------------------------------

async def test_csv_and_xlsx_exports_are_the_published_tables(service, tokens, store_url):
    client, _, _ = service
    answer = await client.get(URL, params={**PERIOD, "format": "csv"}, headers=auth(tokens, "auditor"))
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"] == 'attachment; filename="cohort-report-873-2026-05-01-to-2026-07-31.csv"'
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    pathway = [(r["row"], r["value"]) for r in rows if r["table"] == "pathway"]
    assert pathway == [("roth", "[c]"), ("cp", "[c]"), ("Total", "8")]
    ethnicity = {r["row"]: r["value"] for r in rows if r["table"] == "ethnicity"}
    assert (ethnicity["WBRI"], ethnicity["BCRB"], ethnicity["MWBC"]) == ("5", "[c]", "[c]")

    book = await client.get(URL, params={**PERIOD, "format": "xlsx", "threshold": 2}, headers=auth(tokens, "manager"))
    assert book.status_code == 200 and book.headers["content-type"] == XLSX
    workbook = load_workbook(io.BytesIO(book.content))
    assert workbook.sheetnames[0] == CONTENTS and "ethnicity" in workbook.sheetnames
    sheet = list(workbook["initial_conferences_by_month"].iter_rows(values_only=True))
    assert sheet[1] == ("Month", "On time", "Late", "Total", "On time (%)")
    assert sheet[2:] == [("May 2026", 2, 0, 2, 100), ("Jun 2026", "[c]", "[c]", 3, "[c]"),
                         ("Jul 2026", "[c]", "[c]", 3, "[c]"), ("Total", 6, 2, 8, 75)]
    ages = {label: value for label, value in list(workbook["age_band"].iter_rows(values_only=True))[2:]}
    assert ages == {"Under 10": "[c]", "10 to 12": "[c]", "13 to 15": 3, "16 to 17": 3, "Total": 8}


async def test_a_chart_is_an_svg_of_the_published_counts(service, tokens):
    client, _, _ = service
    answer = await client.get(f"{URL}/charts/ethnicity.svg", params=PERIOD, headers=auth(tokens, "manager"))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "image/svg+xml"
    root = ET.fromstring(answer.text)
    ids = {g.get("id") for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("id")}
    # 20 CIN codes; BCRB (2) and MWBC (1) are under 5: no bar, the mark; the other 18 have bars.
    assert len({i for i in ids if i.startswith("bar-")}) == 18
    assert {i for i in ids if i.startswith("suppressed-")} == {"suppressed-BCRB", "suppressed-MWBC"}
    values = {g.get("id")[6:]: "".join(g.itertext()).strip() for g in root.iter("{http://www.w3.org/2000/svg}g")
              if (g.get("id") or "").startswith("value-")}
    assert values["WBRI"] == "5" and "BCRB" not in values and "MWBC" not in values
    timeliness = await client.get(f"{URL}/charts/timeliness.svg", params={**PERIOD, "threshold": 1},
                                  headers=auth(tokens, "auditor"))
    assert timeliness.status_code == 200
    assert len(re.findall(r'<g id="bar-2026-0[567]-(?:ic|dfe)"', timeliness.text)) == 6


# --- the access log ------------------------------------------------------------------------------

async def test_each_read_is_recorded_once_naming_no_journey(service, tokens):
    client, store, people = service
    await get_report(client, tokens, threshold=3, role="auditor")
    await client.get(f"{URL}/charts/sex.svg", params=PERIOD, headers=auth(tokens, "auditor"))
    await client.get(URL, params={**PERIOD, "format": "xlsx"}, headers=auth(tokens, "auditor"))
    reads = [a for a in access_by_user(store.engine, LA, "auditor-873") if a.what == "cohort_report"]
    assert [(a.journey_id, a.channel, a.actor_role, a.detail) for a in reads] == [
        (None, "api", "auditor", "from=2026-05-01 to=2026-07-31 threshold=3 format=json"),
        (None, "api", "auditor", "from=2026-05-01 to=2026-07-31 threshold=5 chart=sex"),
        (None, "api", "auditor", "from=2026-05-01 to=2026-07-31 threshold=5 format=xlsx"),
    ]


# --- roles, LAs and bad requests -----------------------------------------------------------------

async def test_other_roles_are_refused_and_only_managers_record_baselines(service, tokens):
    client, _, _ = service
    for role in ("system", "practitioner", "admin"):
        for path, params in ((URL, PERIOD), (f"{URL}/charts/pathway.svg", PERIOD),
                             ("/v1/reports/population-baseline/sex", None)):  # it takes no period (422 if sent)
            refused = await client.get(path, params=params, headers=auth(tokens, role))
            assert refused.status_code == 409 and refused.json()["error"]["code"] == "not_allowed_for_role", (role, path)
    for role in ("system", "practitioner", "admin", "auditor"):
        refused = await client.put("/v1/reports/population-baseline/sex", headers=auth(tokens, role),
                                   json={"source": "Mid-year estimates", "counts": {"M": 1, "F": 1}})
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "not_allowed_for_role", role
    assert (await client.get(URL, params=PERIOD)).status_code == 401
    assert (await client.get("/v1/reports/population-baseline/sex", headers=auth(tokens, "manager"))).status_code == 404


async def test_each_la_sees_its_own_cohort_and_baselines_only(service, tokens):
    client, _, _ = service
    await client.put("/v1/reports/population-baseline/ethnicity", json=ETHNICITY_BASELINE, headers=auth(tokens, "manager"))
    theirs = await get_report(client, tokens, threshold=1, la=OTHER_LA)
    assert theirs["local_authority"] == OTHER_LA
    assert plans(by_name(theirs, "ethnicity")) == {"AIND": 1}
    assert by_name(theirs, "pathway")["totals"]["total"] == 1 and theirs["timeliness"]["initial_conferences"]["totals"]["total"] == 1
    assert theirs["disproportionality"] == []
    missing = await client.get("/v1/reports/population-baseline/ethnicity", headers=auth(tokens, "manager", OTHER_LA))
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "baseline_not_found"


@pytest.mark.parametrize("params, kind", [
    ({"from": "2026-07-31", "to": "2026-05-01"}, "invalid_period"),
    ({"from": "2020-01-01", "to": "2026-01-31"}, "period_too_long"),
    ({**PERIOD, "threshold": 0}, "greater_than_equal"),
    ({**PERIOD, "threshold": "five"}, "int_parsing"),
    ({**PERIOD, "format": "pdf"}, "literal_error"),
    ({"from": "2026-05-01"}, "missing"),
])
async def test_a_bad_report_request_is_a_422_with_its_reason(service, tokens, params, kind):
    client, _, _ = service
    answer = await client.get(URL, params=params, headers=auth(tokens, "manager"))
    assert answer.status_code == 422, answer.text
    [issue] = answer.json()["detail"]
    assert issue["type"] == kind and issue["msg"]


async def test_an_unknown_chart_is_a_422(service, tokens):
    client, _, _ = service
    answer = await client.get(f"{URL}/charts/postcode.svg", params=PERIOD, headers=auth(tokens, "manager"))
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["path", "chart"]


@pytest.mark.parametrize("dimension, body, kind, where", [
    ("ethnicity", {"source": "Census", "counts": {"WBRI": 10, "XXXX": 3}}, "unknown_group", ["body", "counts"]),
    ("sex", {"source": "Census", "counts": {"M": 10, "Male": 3}}, "unknown_group", ["body", "counts"]),
    ("age_band", {"source": "Census", "counts": {"18 and over": 5}}, "unknown_group", ["body", "counts"]),
    ("ethnicity", {"source": "Census", "counts": {"WBRI": -1}}, "greater_than_equal", ["body", "counts", "WBRI"]),
    ("ethnicity", {"source": "Census", "counts": {"WBRI": 2.5}}, "int_type", ["body", "counts", "WBRI"]),
    ("ethnicity", {"source": "Census", "counts": {"WBRI": "900"}}, "int_type", ["body", "counts", "WBRI"]),
    ("ethnicity", {"source": "Census", "counts": {"WBRI": True}}, "int_type", ["body", "counts", "WBRI"]),
    ("ethnicity", {"source": "Census", "counts": {"WBRI": 0}}, "empty_population", ["body", "counts"]),
    ("ethnicity", {"source": "Census", "counts": {}}, "too_short", ["body", "counts"]),
    ("ethnicity", {"source": "", "counts": {"WBRI": 9}}, "string_too_short", ["body", "source"]),
    ("ethnicity", {"counts": {"WBRI": 9}}, "missing", ["body", "source"]),
    ("ethnicity", {"source": "Census", "counts": {"WBRI": 9}, "age_bands": ["11-14"]}, "literal_error",
     ["body", "age_bands", 0]),
    ("age_band", {"source": "Census", "counts": {"10-12": 9}, "age_bands": ["10-12"]}, "not_applicable",
     ["body", "age_bands"]),
    ("ethnicity", {"source": "Census", "counts": {"WBRI": 9}, "population": 9}, "extra_forbidden", ["body", "population"]),
    ("postcode", {"source": "Census", "counts": {"WBRI": 9}}, "literal_error", ["path", "dimension"]),
])
async def test_a_bad_baseline_is_a_422_with_its_reason(service, tokens, dimension, body, kind, where):
    client, store, _ = service
    answer = await client.put(f"/v1/reports/population-baseline/{dimension}", json=body, headers=auth(tokens, "manager"))
    assert answer.status_code == 422, answer.text
    issues = answer.json()["detail"]
    assert [(i["type"], i["loc"]) for i in issues] == [(kind, where)] and issues[0]["msg"]
    if kind == "unknown_group":
        assert "XXXX" in issues[0]["msg"] or "Male" in issues[0]["msg"] or "18 and over" in issues[0]["msg"]
    if dimension != "postcode":
        assert (await client.get(f"/v1/reports/population-baseline/{dimension}", headers=auth(tokens, "manager"))).status_code == 404


async def test_the_endpoints_are_in_the_openapi_document(service):
    client, _, _ = service
    spec = (await client.get("/openapi.json")).json()
    paths = spec["paths"]
    assert {"/v1/reports/cohort", "/v1/reports/cohort/charts/{chart}.svg",
            "/v1/reports/population-baseline/{dimension}"} <= set(paths)
    cohort = paths["/v1/reports/cohort"]["get"]
    assert cohort["summary"] and "disclosure control" in cohort["description"]
    assert {"text/csv; charset=utf-8", XLSX} <= set(cohort["responses"]["200"]["content"])
    assert set(paths["/v1/reports/population-baseline/{dimension}"]) == {"get", "put"}
    assert "image/svg+xml" in paths["/v1/reports/cohort/charts/{chart}.svg"]["get"]["responses"]["200"]["content"]
