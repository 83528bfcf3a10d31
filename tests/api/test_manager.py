"""Managers' reads through the live app, with journeys driven through the real workflow.

The session's event log is shared with other suites (LA 873 is everyone's), so counts are
checked as differences before and after this test's own journeys; LA 874 must see none of them.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from domain.calendar import WorkingDayCalendar
from support import chair_over_http
from temporal_fixtures import auth

CAL = WorkingDayCalendar()  # the test settings have no closure days


@pytest.fixture
async def la_clock(http, temporal_env):
    """Points the app's "today" at the test server's skipped time; call it after a skip."""
    app = http._transport.app  # the live app behind the shared client

    async def follow():
        now = await temporal_env.get_current_time()
        app.state.clock = lambda: now

    await follow()
    yield follow
    del app.state.clock


async def start(http, tokens, referral: date, la: str = "873") -> str:
    body = {"command_id": str(uuid.uuid4()), "local_authority": la,
            "young_person": {"id": f"C{uuid.uuid4().hex[:12]}", "date_of_birth": referral.replace(year=referral.year - 15).isoformat(),
                             "sex": "M", "ethnicity": "MWBC"},
            "referral_date": referral.isoformat()}
    answer = await http.post("/v1/journeys", json=body, headers=auth(tokens, "system", la))
    assert answer.status_code == 201, answer.text
    return answer.json()["journey_id"]


async def send(http, tokens, journey_id: str, type_: str, role: str = "practitioner", la: str = "873", **fields) -> dict:
    body = {"command_id": str(uuid.uuid4()), "type": type_,
            **{k: v.isoformat() if isinstance(v, date) else v for k, v in fields.items()}}
    answer = await http.post(f"/v1/journeys/{journey_id}/commands", json=body, headers=auth(tokens, role, la))
    assert answer.status_code == 200, answer.text
    return answer.json()


async def get(http, tokens, url: str, role: str = "manager", la: str = "873") -> dict:
    answer = await http.get(url, headers=auth(tokens, role, la))
    assert answer.status_code == 200, answer.text
    return answer.json()


async def every_page(http, tokens, url: str, role: str = "manager", la: str = "873") -> list[dict]:
    rows, cursor = [], None
    while True:
        page = await get(http, tokens, url + (f"&cursor={cursor}" if cursor else ""), role, la)
        rows += page["journeys"]
        cursor = page["next_cursor"]
        if cursor is None:
            return rows


def cells(caseload: dict) -> dict:
    return {(c["pathway"], c["stage"]): c["count"] for c in caseload["cells"]}


async def test_caseload_counts_the_las_open_journeys(http, tokens, clock):
    t0 = await clock.today()
    before = await get(http, tokens, "/v1/caseload")
    elsewhere = await get(http, tokens, "/v1/caseload", la="874")

    await start(http, tokens, t0)
    roth = await start(http, tokens, t0)
    await send(http, tokens, roth, "record_strategy_discussion", occurred_on=t0, outcome="s47_roth")
    cp = await start(http, tokens, t0)
    await send(http, tokens, cp, "record_strategy_discussion", occurred_on=t0, outcome="s47_cp")
    await send(http, tokens, cp, "record_initial_conference", occurred_on=t0, decision="plan", categories=["neglect"])
    closed = await start(http, tokens, t0)
    await send(http, tokens, closed, "close_journey", occurred_on=t0, reason="transferred_out")

    after = await get(http, tokens, "/v1/caseload", role="practitioner")
    changed = {k: v - cells(before).get(k, 0) for k, v in cells(after).items() if v != cells(before).get(k, 0)}
    assert changed == {(None, "referral"): 1, ("roth", "section_47"): 1, ("cp", "plan"): 1}
    assert after["total"] - before["total"] == 3
    assert {p: after["by_pathway"][p] - before["by_pathway"][p] for p in ("roth", "cp", "none")} == {"roth": 1, "cp": 1, "none": 1}
    assert after["by_stage"]["plan"] - before["by_stage"].get("plan", 0) == 1
    assert after["local_authority"] == "873"
    assert await get(http, tokens, "/v1/caseload", role="auditor", la="874") == elsewhere
    assert (await http.get("/v1/caseload")).status_code == 401


async def test_overdue_lists_missed_deadlines_most_overdue_first(http, tokens, clock, la_clock):
    t0 = await clock.today()
    longest = await start(http, tokens, t0 - timedelta(days=50))
    await send(http, tokens, longest, "record_strategy_discussion", occurred_on=t0 - timedelta(days=45), outcome="s47_cp")
    recent = await start(http, tokens, t0 - timedelta(days=40))
    await send(http, tokens, recent, "record_strategy_discussion", occurred_on=t0 - timedelta(days=30), outcome="s47_roth")
    on_time = await start(http, tokens, t0)
    await send(http, tokens, on_time, "record_strategy_discussion", occurred_on=t0, outcome="s47_roth")

    listed = await every_page(http, tokens, "/v1/overdue?limit=1")  # one a page: the cursor carries on
    ids = [j["journey_id"] for j in listed]
    assert ids.index(longest) < ids.index(recent) and on_time not in ids
    assert len(ids) == len(set(ids))
    assert [j["due_on"] for j in listed] == sorted(j["due_on"] for j in listed)
    due = CAL.add_working_days(t0 - timedelta(days=45), 15)
    entry = listed[ids.index(longest)]
    assert (entry["deadline_kind"], entry["due_on"], entry["pathway"], entry["stage"]) == (
        "initial_conference", due.isoformat(), "cp", "section_47")
    assert entry["days_overdue"] == (t0 - due).days
    assert entry["working_days_overdue"] == CAL.working_days_between(due, t0)

    theirs = await every_page(http, tokens, "/v1/overdue?limit=500", role="auditor", la="874")
    assert not {longest, recent} & {j["journey_id"] for j in theirs}
    refused = await http.get("/v1/overdue?cursor=not-a-cursor", headers=auth(tokens, "manager"))
    assert refused.status_code == 422 and refused.json()["detail"][0]["type"] == "invalid_cursor"


async def test_due_soon_counts_working_days_from_the_las_today(http, tokens, clock, la_clock):
    t0 = await clock.today()
    journey = await start(http, tokens, t0)
    await send(http, tokens, journey, "record_strategy_discussion", occurred_on=t0, outcome="s47_cp")
    due = CAL.add_working_days(t0, 15)

    window = await get(http, tokens, "/v1/due?within_working_days=15&limit=500", role="practitioner")
    assert (window["today"], window["until"], window["within_working_days"]) == (t0.isoformat(), due.isoformat(), 15)
    ids = [j["journey_id"] for j in await every_page(http, tokens, "/v1/due?within_working_days=15&limit=2")]
    assert journey in ids
    [entry] = [j for j in window["journeys"] if j["journey_id"] == journey]
    assert (entry["deadline_kind"], entry["due_on"], entry["working_days_left"]) == ("initial_conference", due.isoformat(), 15)
    assert all(t0.isoformat() <= j["due_on"] <= due.isoformat() for j in window["journeys"])
    # The 15th working day is the due date: a 14-day window (and the default 5) stops short.
    assert journey not in [j["journey_id"] for j in await every_page(http, tokens, "/v1/due?within_working_days=14&limit=500")]
    assert journey not in [j["journey_id"] for j in (await get(http, tokens, "/v1/due?limit=500"))["journeys"]]
    assert journey not in [j["journey_id"] for j in await every_page(http, tokens, "/v1/due?within_working_days=15&limit=500", la="874")]


async def test_timeline_of_a_journey_with_an_extension_and_a_transfer(http, tokens, clock):
    t0 = await clock.today()
    journey = await start(http, tokens, t0 - timedelta(days=3))
    await send(http, tokens, journey, "record_strategy_discussion", occurred_on=t0, outcome="s47_cp")
    due = CAL.add_working_days(t0, 15)
    extended_to = CAL.add_working_days(due, 5)
    await send(http, tokens, journey, "extend_deadline", role="manager", deadline="initial_conference",
               new_due_on=extended_to, reason="Chair unavailable")
    await send(http, tokens, journey, "record_initial_conference", occurred_on=t0, decision="plan", categories=["emotional"])
    await send(http, tokens, journey, "record_review_conference", occurred_on=t0, decision="transfer_to_roth", categories=["physical"])

    answer = await get(http, tokens, f"/v1/journeys/{journey}/timeline", role="auditor")
    assert answer["journey_id"] == journey
    entries = answer["entries"]
    logged = [x["type"] for x in entries if x["type"] != "DeadlineDue"]
    assert logged == ["JourneyStarted", "StrategyDiscussionHeld", "DeadlineExtended", "InitialConferenceHeld",
                      "DeadlineMet", "PlanStarted", "ReviewConferenceHeld", "DeadlineMet", "PathwayTransferred"]
    assert [x["date"] for x in entries] == sorted(x["date"] for x in entries)
    [met] = [x for x in entries if x["type"] == "DeadlineMet" and x["deadline"]["kind"] == "initial_conference"]
    assert met["deadline"] == {"kind": "initial_conference", "due_on": extended_to.isoformat(),
                               "original_due_on": due.isoformat(), "status": "met", "met_on": t0.isoformat()}
    [transfer] = [x for x in entries if x["type"] == "PathwayTransferred"]
    assert (transfer["kind"], transfer["title"]) == ("transfer", "Transferred from CP to ROTH")
    owed = {x["deadline"]["kind"] for x in entries if x["type"] == "DeadlineDue"}
    assert {"first_core_group", "review_conference", "visit", "eighteenth_birthday"} <= owed

    for la, role in (("874", "manager"), ("874", "auditor")):
        elsewhere = await http.get(f"/v1/journeys/{journey}/timeline", headers=auth(tokens, role, la))
        assert elsewhere.status_code == 404 and elsewhere.json()["error"]["code"] == "journey_not_found"
    assert (await http.get(f"/v1/journeys/{uuid.uuid4()}/timeline", headers=auth(tokens, "manager"))).status_code == 404


async def test_kpis_judge_timeliness_against_the_original_due_date(http, tokens, clock):
    t0 = await clock.today()
    day16 = CAL.add_working_days(t0, 16)
    period = f"/v1/kpis?from={t0.isoformat()}&to={(t0 + timedelta(days=60)).isoformat()}"
    before = await get(http, tokens, period)
    elsewhere = await get(http, tokens, period, la="874")

    quick = await start(http, tokens, t0)
    await send(http, tokens, quick, "record_strategy_discussion", occurred_on=t0, outcome="s47_cp")
    await send(http, tokens, quick, "record_initial_conference", occurred_on=t0, decision="plan", categories=["neglect"])
    extended = await start(http, tokens, t0)
    await send(http, tokens, extended, "record_strategy_discussion", occurred_on=t0, outcome="s47_roth")
    await chair_over_http(http, tokens, extended)
    await send(http, tokens, extended, "extend_deadline", role="manager", deadline="initial_conference",
               new_due_on=CAL.add_working_days(t0, 20), reason="Chair unavailable")
    await clock.skip_to(day16)
    # 16 working days after the strategy discussion: late, but within the approved extension.
    await send(http, tokens, extended, "record_initial_conference", occurred_on=day16, decision="plan", categories=["physical"])
    # The quick journey's first core group was due 10 working days after its conference.
    await send(http, tokens, quick, "record_core_group", occurred_on=day16)

    after = await get(http, tokens, period, role="practitioner")
    assert after["period"] == before["period"] == {"from": t0.isoformat(), "to": (t0 + timedelta(days=60)).isoformat()}

    def delta(measure: str, *keys: str, within=None) -> tuple:
        a, b = (after[measure], before[measure]) if within is None else (after[measure][within], before[measure][within])
        return tuple(a[k] - b[k] for k in keys)

    assert delta("initial_conferences", "count", "within", "late", "within_extension") == (2, 1, 1, 1)
    assert (after["initial_conferences"]["by_pathway"]["roth"]["within_extension"]
            - before["initial_conferences"]["by_pathway"]["roth"]["within_extension"]) == 1
    assert delta("s47_to_initial_conference", "0-10", "11-15", "16-20", "21+", within="bands") == (1, 0, 1, 0)
    assert delta("first_core_groups", "count", "within", "late") == (1, 0, 1)
    assert await get(http, tokens, period, la="874") == elsewhere

    backwards = await http.get(f"/v1/kpis?from={t0.isoformat()}&to={(t0 - timedelta(days=1)).isoformat()}", headers=auth(tokens, "manager"))
    assert backwards.status_code == 422 and backwards.json()["detail"][0]["type"] == "invalid_period"
