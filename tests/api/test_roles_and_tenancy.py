"""Who may do what (every endpoint and command type x every role) and LA confinement: another
LA's journey answers exactly as a missing one, and nothing about it reaches a response or a
log line.

The role table is domain/roles.py's (docs/http-api.md shows it): system and practitioner
record casework, a manager also extends deadlines, a practitioner cannot change the timescale
policy, an auditor writes nothing, and an admin changes the policy but records no casework.
"""

from __future__ import annotations

import io
import json
import logging
import uuid
from datetime import date, timedelta

import pytest
import structlog

from domain.vocabulary import uk_date
from observability.logs import configure_logging
from services.identity import ROLES
from support import chair_over_http
from temporal_fixtures import auth

ALL = set(ROLES)
CASEWORK = {"system", "practitioner", "manager"}
# command type -> the roles that may send it
MAY_SEND = {
    "record_strategy_discussion": CASEWORK, "record_initial_conference": CASEWORK, "record_core_group": CASEWORK,
    "record_visit": CASEWORK, "record_review_conference": CASEWORK, "close_journey": CASEWORK,
    "extend_deadline": {"manager"}, "change_policy": {"system", "manager", "admin"},
    # ROTH practice: casework too (an admin records none).
    "allocate_case": CASEWORK, "assign_chair": CASEWORK, "record_context_weighting": CASEWORK, "update_plan": CASEWORK,
    "record_participation": CASEWORK, "record_consent": CASEWORK, "record_transition_plan": CASEWORK,
}


def years_ago(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def start_body(today: date, la: str = "873", child: str | None = None, ethnicity: str = "MWAS", age: int = 14) -> dict:
    return {"command_id": str(uuid.uuid4()), "local_authority": la,
            "young_person": {"id": child or f"R{uuid.uuid4().hex[:12]}", "date_of_birth": years_ago(today, age).isoformat(),
                             "sex": "M", "ethnicity": ethnicity},
            "referral_date": (today - timedelta(days=4)).isoformat()}


def command(type_: str, **fields) -> dict:
    return {"command_id": str(uuid.uuid4()), "type": type_,
            **{k: v.isoformat() if isinstance(v, date) else v for k, v in fields.items()}}


async def start(http, tokens, today, **kwargs) -> dict:
    answer = await http.post("/v1/journeys", json=start_body(today, **kwargs), headers=auth(tokens, "system"))
    assert answer.status_code == 201, answer.text
    return answer.json()


async def send(http, tokens, journey_id: str, body: dict, role: str = "system", la: str = "873"):
    return await http.post(f"/v1/journeys/{journey_id}/commands", json=body, headers=auth(tokens, role, la))


async def journey_ready_for(http, tokens, today: date, type_: str) -> tuple[str, dict]:
    """A fresh journey in a state where `type_` is accepted, and that command."""
    journey = await start(http, tokens, today, age=17 if type_ == "record_transition_plan" else 14)
    jid, state = journey["journey_id"], journey["state"]
    planned = ("record_core_group", "record_review_conference", "update_plan", "record_participation")
    if type_ in ("record_initial_conference", "record_visit", "extend_deadline", "record_context_weighting", *planned):
        answer = await send(http, tokens, jid, command("record_strategy_discussion", occurred_on=today - timedelta(days=3), outcome="s47_roth"))
        state = answer.json()["state"]
    if type_ in ("record_initial_conference", *planned):
        state = await chair_over_http(http, tokens, jid)  # ROTH conferences need a chair from the pool
    if type_ in planned:
        answer = await send(http, tokens, jid, command("record_initial_conference", occurred_on=today - timedelta(days=2),
                                                       decision="plan", categories=["physical"]))
        state = answer.json()["state"]
    if type_ == "assign_chair":
        assert (await send(http, tokens, jid, command("allocate_case", social_worker="sw-0042", team_manager="tm-0007"))).status_code == 200
        pooled = await http.put("/v1/chairs/chair-0003", json={"name": "A. Chairperson"}, headers=auth(tokens, "manager"))
        assert pooled.status_code == 200
    bodies = {
        "record_strategy_discussion": lambda: command(type_, occurred_on=today, outcome="s47_cp"),
        "record_initial_conference": lambda: command(type_, occurred_on=today, decision="plan", categories=["sexual"]),
        "record_core_group": lambda: command(type_, occurred_on=today),
        "record_visit": lambda: command(type_, occurred_on=today, seen_alone=False),
        "record_review_conference": lambda: command(type_, occurred_on=today, decision="continue"),
        "extend_deadline": lambda: command(type_, deadline="initial_conference", reason="Family away",
                                           new_due_on=date.fromisoformat(next(d["due_on"] for d in state["deadlines"]
                                                                              if d["kind"] == "initial_conference")) + timedelta(days=5)),
        "close_journey": lambda: command(type_, occurred_on=today, reason="other"),
        "change_policy": lambda: command(type_, policy="roth-cadence"),
        "allocate_case": lambda: command(type_, social_worker="sw-0042", team_manager="tm-0007"),
        "assign_chair": lambda: command(type_, chair_id="chair-0003"),
        "record_context_weighting": lambda: command(type_, occurred_on=today, at="assessment", contexts=[
            {"context_id": "riverside-park", "kind": "public_place", "name": "Riverside park", "harm": True,
             "safety": False, "weight": 8, "affects": []}]),
        "update_plan": lambda: command(type_, occurred_on=today - timedelta(days=2), made_at="initial_conference",
                                       needs=[], goals=[]),
        "record_participation": lambda: command(type_, occurred_on=today - timedelta(days=2), meeting="initial_conference",
                                                participant="young_person", invited=True, attended=False),
        "record_consent": lambda: command(type_, occurred_on=today, given_by="young_person", decision="refused"),
        "record_transition_plan": lambda: command(type_, occurred_on=today, note="Adult services agreed"),
    }
    return jid, bodies[type_]()


# --- the matrix -------------------------------------------------------------------------

@pytest.mark.parametrize("type_", sorted(MAY_SEND))
async def test_each_command_type_by_each_role(http, tokens, clock, type_):
    today = await clock.today()
    statuses = {}
    for role in ROLES:
        jid, body = await journey_ready_for(http, tokens, today, type_)
        before = (await http.get(f"/v1/journeys/{jid}/events", headers=auth(tokens, "auditor"))).json()["events"]
        answer = await send(http, tokens, jid, body, role=role)
        statuses[role] = answer.status_code
        if answer.status_code == 409:
            assert answer.json()["error"]["code"] == "not_allowed_for_role", answer.text
            after = (await http.get(f"/v1/journeys/{jid}/events", headers=auth(tokens, "auditor"))).json()["events"]
            assert after == before
        else:
            assert answer.json()["events"][0]["actor_role"] == role
    assert statuses == {role: 200 if role in MAY_SEND[type_] else 409 for role in ROLES}


async def test_each_endpoint_by_each_role(http, tokens, clock):
    today = await clock.today()
    jid = (await start(http, tokens, today))["journey_id"]
    expected = {
        "start a journey": {role: 201 if role in CASEWORK else 409 for role in ROLES},
        "send a command": {role: 200 if role in CASEWORK else 409 for role in ROLES},
        "read a journey": {role: 200 for role in ROLES},
        "list journeys": {role: 200 for role in ROLES},
        "read the chronology": {role: 200 for role in ROLES},
    }
    calls = {
        "start a journey": lambda h: http.post("/v1/journeys", json=start_body(today), headers=h),
        "send a command": lambda h: http.post(f"/v1/journeys/{jid}/commands", headers=h,
                                              json=command("record_visit", occurred_on=today, seen_alone=True)),
        "read a journey": lambda h: http.get(f"/v1/journeys/{jid}", headers=h),
        "list journeys": lambda h: http.get("/v1/journeys?limit=5", headers=h),
        "read the chronology": lambda h: http.get(f"/v1/journeys/{jid}/events", headers=h),
    }
    seen = {}
    for endpoint, call in calls.items():
        seen[endpoint] = {role: (await call(auth(tokens, role))).status_code for role in ROLES}
        assert (await call({})).status_code == 401
        assert (await call({"Authorization": "Bearer nope"})).status_code == 401
    assert seen == expected
    # The OpenAPI document is public: integrators read it before they have a token.
    assert (await http.get("/openapi.json")).status_code == 200


# --- another LA ---------------------------------------------------------------------------

class CapturedLogs:
    def __init__(self) -> None:
        self.stream = io.StringIO()
        self.records: list[str] = []

    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines() if line.strip()]

    def text(self) -> str:
        return self.stream.getvalue() + "\n".join(self.records)


@pytest.fixture
def logs():
    """Everything logged while the test runs, at the service's level: structlog's JSON lines
    and the standard library's records (Temporal's SDK, httpx, uvicorn)."""
    captured = CapturedLogs()
    previous = structlog.get_config()
    configure_logging("info", stream=captured.stream)

    class Keep(logging.Handler):
        def emit(self, record):
            captured.records.append(self.format(record))

    handler, root = Keep(logging.INFO), logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield captured
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        structlog.configure(**previous)


async def test_another_las_journey_is_a_missing_journey_for_every_role_and_endpoint(http, tokens, clock, logs):
    today = await clock.today()
    child = f"X{uuid.uuid4().hex[:12]}"
    journey = await start(http, tokens, today, child=child, ethnicity="AOTH")
    jid = journey["journey_id"]
    assert (await send(http, tokens, jid, command("record_strategy_discussion", occurred_on=today - timedelta(days=3),
                                                  outcome="s47_roth"))).status_code == 200
    await chair_over_http(http, tokens, jid)
    body = command("record_initial_conference", occurred_on=today - timedelta(days=1), decision="plan", categories=["sexual"])
    assert (await send(http, tokens, jid, body)).status_code == 200
    dob = journey["state"]["young_person"]["date_of_birth"]
    before = (await http.get(f"/v1/journeys/{jid}/events", headers=auth(tokens, "auditor"))).json()["events"]
    secrets = [jid, child, dob, uk_date(date.fromisoformat(dob)), "AOTH"]
    missing = str(uuid.uuid4())

    def bodies():
        yield command("record_visit", occurred_on=today, seen_alone=True)
        yield command("record_core_group", occurred_on=today)
        yield command("record_review_conference", occurred_on=today, decision="transfer_to_cp")
        yield command("record_strategy_discussion", occurred_on=today, outcome="s47_cp")
        yield command("record_initial_conference", occurred_on=today, decision="plan", categories=["physical"])
        yield command("extend_deadline", deadline="first_core_group", new_due_on=today + timedelta(days=60), reason="x")
        yield command("close_journey", occurred_on=today, reason="other")
        yield command("change_policy", policy="roth-cadence")
        yield command("allocate_case", social_worker="sw-0042", team_manager="tm-0007")
        yield command("assign_chair", chair_id="chair-0003")
        yield command("record_consent", occurred_on=today, given_by="parent_carer", decision="given", scope=["police"])
        yield command("update_plan", occurred_on=today - timedelta(days=1), made_at="initial_conference",
                      needs=["education_access"], goals=[])

    for role in ROLES:
        headers = auth(tokens, role, "874")
        reads = [("get", "/v1/journeys/{}", None), ("get", "/v1/journeys/{}/events", None)]
        writes = [("post", "/v1/journeys/{}/commands", body) for body in bodies()]
        for method, url, body in reads + writes:
            theirs = await http.request(method, url.format(jid), json=body, headers=headers)
            nobodys = await http.request(method, url.format(missing), json=body, headers=headers)
            assert theirs.status_code == nobodys.status_code == 404, (role, url, body and body["type"], theirs.text)
            assert theirs.content == nobodys.content  # byte for byte: nothing tells them apart
            assert not any(s in theirs.text for s in secrets if s != jid)
        # A malformed body is a shape error whichever journey it names.
        bad = {"command_id": "x", "type": "record_visit"}
        theirs = await http.post(f"/v1/journeys/{jid}/commands", json=bad, headers=headers)
        nobodys = await http.post(f"/v1/journeys/{missing}/commands", json=bad, headers=headers)
        assert theirs.status_code == nobodys.status_code == 422 and theirs.json() == nobodys.json()
        # Lists are the caller's LA's only.
        listed, cursor = [], None
        while True:
            page = (await http.get("/v1/journeys?limit=500" + (f"&cursor={cursor}" if cursor else ""), headers=headers)).json()
            listed += page["journeys"]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert all(j["local_authority"] == "874" for j in listed) and jid not in {j["journey_id"] for j in listed}
        assert not any(s in json.dumps(listed) for s in secrets)

    # Starting a journey in another LA's name is refused; the same child id in 874 is 874's
    # own young person, with a journey of its own.
    body = start_body(today, la="873", child=child)
    refused = await http.post("/v1/journeys", json=body, headers=auth(tokens, "system", "874"))
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "local_authority_mismatch"
    assert not any(s in refused.text for s in secrets if s != child)
    own_body = start_body(today, la="874", child=child, ethnicity="WIRI")
    own_body["young_person"]["date_of_birth"] = years_ago(today, 12).isoformat()
    own = await http.post("/v1/journeys", json=own_body, headers=auth(tokens, "system", "874"))
    assert own.status_code == 201 and own.json()["journey_id"] != jid
    assert own.json()["state"]["stage"] == "referral" and not any(s in own.text for s in secrets if s != child)

    # LA 873's journey is as it was.
    after = (await http.get(f"/v1/journeys/{jid}/events", headers=auth(tokens, "auditor"))).json()["events"]
    assert after == before

    # The log: one line per request, LA 874's carry only 874 and the id they asked for, and
    # no line at all, from any logger, carries a young person's details.
    requests = [line for line in logs.lines() if line.get("event") == "request"]
    theirs = [line for line in requests if line["local_authority"] == "874"]
    assert theirs and all(line["status"] in (201, 404, 409, 422, 200) for line in theirs)
    assert all("873" not in {str(v) for v in line.values()} for line in theirs)
    text = logs.text()
    for detail in (child, dob, uk_date(date.fromisoformat(dob)), "AOTH"):
        assert detail not in text, detail
