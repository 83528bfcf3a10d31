"""The v1 contract (the OpenAPI document; docs/http-api.md), endpoint by endpoint and command
by command, through the live app with a real worker on Temporal's time-skipping test server.

Every refusal code the rules have is reached through HTTP, and after each refusal the
journey's chronology is unchanged ("nothing is written on an error"). The session's event
log is shared with other suites, so lists are checked for this test's own journeys.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import logging
import uuid
from datetime import date, timedelta

import pytest
import structlog

from api.schemas import COMMAND_TYPES
from domain.vocabulary import uk_date
from observability.logs import configure_logging
from support import chair_over_http
from contract_api import Api, command, iso, start_body, years_ago
from temporal_fixtures import auth


# --- helpers ----------------------------------------------------------------------------

@pytest.fixture
async def api(http, tokens, clock) -> Api:
    return Api(http, tokens, await clock.today())


def deadline(state: dict, kind: str) -> dict:
    return next(d for d in state["deadlines"] if d["kind"] == kind and d["status"] in ("open", "extended", "missed"))


class CapturedLogs:
    """Everything the process logs while a test runs: structlog's JSON lines (configured to a
    stream of ours, exactly as in production) and the standard library's records."""

    def __init__(self) -> None:
        self.stream = io.StringIO()
        self.records: list[str] = []

    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines() if line.strip()]

    def requests(self) -> list[dict]:
        return [line for line in self.lines() if line.get("event") == "request"]

    def text(self) -> str:
        return self.stream.getvalue() + "\n".join(self.records)


@pytest.fixture
def logs():
    yield from _capture_logs(logging.INFO)  # the level the service runs at (configure_logging("info"))


@pytest.fixture
def debug_logs():
    yield from _capture_logs(logging.DEBUG)


def _capture_logs(stdlib_level: int):
    captured = CapturedLogs()
    previous = structlog.get_config()
    configure_logging("info", stream=captured.stream)

    class Keep(logging.Handler):
        def emit(self, record):
            captured.records.append(self.format(record))

    handler, root = Keep(stdlib_level), logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(stdlib_level)
    try:
        yield captured
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        structlog.configure(**previous)


# --- OpenAPI ----------------------------------------------------------------------------

V1_OPERATIONS = [("post", "/v1/journeys"), ("post", "/v1/journeys/{journey_id}/commands"),
                 ("get", "/v1/journeys/{journey_id}"), ("get", "/v1/journeys"), ("get", "/v1/journeys/{journey_id}/events")]


async def test_openapi_is_served_with_examples_of_requests_and_answers(http):
    answer = await http.get("/openapi.json")  # public: integrators read it before they have a token
    assert answer.status_code == 200
    spec = answer.json()
    schemas = spec["components"]["schemas"]

    def has_example(media: dict) -> bool:
        if media.get("example") is not None or media.get("examples"):
            return True
        ref = media.get("schema", {}).get("$ref", "")
        return bool(ref) and bool(schemas[ref.rsplit("/", 1)[1]].get("examples"))

    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    for method, path in V1_OPERATIONS:
        operation = spec["paths"][path][method]
        assert operation["security"] == [{"HTTPBearer": []}], path
        if method == "post":
            assert has_example(operation["requestBody"]["content"]["application/json"]), path
        expected = ({"401", "503"} | ({"404"} if "{journey_id}" in path else set())
                    | ({"409", "422"} if method == "post" else set()))
        assert expected <= set(operation["responses"]), (path, operation["responses"].keys())
        for status, response in operation["responses"].items():
            assert has_example(response["content"]["application/json"]), (method, path, status)

    # Every command type has a request example, and each example is a valid command.
    examples = spec["paths"]["/v1/journeys/{journey_id}/commands"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    assert {e["value"]["type"] for e in examples.values()} == set(COMMAND_TYPES)
    from pydantic import TypeAdapter

    from api.schemas import Command, StartJourney
    for example in examples.values():
        TypeAdapter(Command).validate_python(example["value"])
    start_examples = spec["paths"]["/v1/journeys"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    for example in start_examples.values():
        StartJourney.model_validate(example["value"])
    # The refusal codes a caller can branch on are documented with their examples.
    refusals = spec["paths"]["/v1/journeys/{journey_id}/commands"]["post"]["responses"]["409"]["content"]["application/json"]["examples"]
    assert {"strategy_discussion_required", "date_in_future", "journey_closed", "not_allowed_for_role",
            "command_id_reused"} <= set(refusals)
    unavailable = spec["paths"]["/v1/journeys/{journey_id}/commands"]["post"]["responses"]["503"]
    assert set(unavailable["content"]["application/json"]["examples"]) == {"temporal_unavailable", "database_unavailable"}
    assert "Retry-After" in unavailable["headers"]


# --- start ------------------------------------------------------------------------------

async def test_start_journey_answers_the_contracts_shape(api):
    body = start_body(api.today, referral=api.today - timedelta(days=3))
    answer = await api.http.post("/v1/journeys", json=body, headers=auth(api.tokens, "system"))
    assert answer.status_code == 201, answer.text
    started = answer.json()
    assert set(started) == {"journey_id", "events", "state"}
    [event] = started["events"]
    assert event["type"] == "JourneyStarted" and event["command_id"] == body["command_id"]
    assert event["actor"] == "system-873" and event["actor_role"] == "system"
    assert event["occurred_on"] == body["referral_date"] and len(event["hash"]) == 64
    state = started["state"]
    assert state["journey_id"] == started["journey_id"] and state["local_authority"] == "873"
    assert state["young_person"] == body["young_person"]
    assert (state["pathway"], state["stage"], state["plan"], state["closed"], state["closure_reason"]) == (None, "referral", None, False, None)
    assert [d["kind"] for d in state["deadlines"]] == ["eighteenth_birthday"]
    assert await api.state(started["journey_id"]) == state  # read-your-writes
    assert await api.events(started["journey_id"]) == started["events"]


async def test_start_refusals(api):
    today = api.today
    open_ = await api.start(child="C-ALREADY-" + uuid.uuid4().hex[:6])
    child = open_["state"]["young_person"]["id"]

    async def refused(code: str, role: str = "system", **kwargs):
        answer = await api.http.post("/v1/journeys", json=start_body(today, **kwargs), headers=auth(api.tokens, role))
        assert answer.status_code == 409, answer.text
        assert answer.json()["error"]["code"] == code
        return answer.json()["error"]

    error = await refused("journey_already_open", child=child)
    assert error["journey_id"] == open_["journey_id"]
    await refused("young_person_too_old", dob=years_ago(today, 19))
    await refused("date_in_future", referral=today + timedelta(days=1))
    await refused("date_in_future", dob=today + timedelta(days=1), referral=today)
    await refused("date_before_previous_step", dob=today - timedelta(days=10), referral=today - timedelta(days=20))
    await refused("local_authority_mismatch", la="874")
    await refused("not_allowed_for_role", role="auditor")
    await refused("not_allowed_for_role", role="admin")
    # Nothing was written for the open journey either.
    assert len(await api.events(open_["journey_id"])) == 1


async def test_a_closed_journeys_young_person_can_be_referred_again(api):
    first = await api.start()
    child = first["state"]["young_person"]["id"]
    await api.send(first["journey_id"], "close_journey", occurred_on=api.today, reason="other")
    again = await api.start(child=child)
    assert again["journey_id"] != first["journey_id"]
    assert (await api.state(first["journey_id"]))["closed"] is True
    assert (await api.state(again["journey_id"]))["stage"] == "referral"


# --- every command type, on its happy path ----------------------------------------------

async def test_every_command_type_through_a_roth_journey_to_a_cp_plan_and_its_end(api):
    today = api.today
    started = await api.start(referral=today - timedelta(days=20))
    jid = started["journey_id"]

    answer = await api.send(jid, "record_strategy_discussion", occurred_on=today - timedelta(days=18), outcome="s47_roth")
    assert [e["type"] for e in answer["events"]] == ["StrategyDiscussionHeld"]
    assert (answer["state"]["pathway"], answer["state"]["stage"]) == ("roth", "section_47")
    assert deadline(answer["state"], "initial_conference")["status"] == "open"
    # A ROTH conference needs an independent chair from the pool first.
    await chair_over_http(api.http, api.tokens, jid)

    answer = await api.send(jid, "record_initial_conference", occurred_on=today - timedelta(days=12), decision="plan",
                            categories=["sexual", "physical"])
    assert [e["type"] for e in answer["events"]] == ["InitialConferenceHeld", "DeadlineMet", "PlanStarted"]
    plan = answer["state"]["plan"]
    assert plan == {"categories": ["sexual", "physical"], "outside_home": True, "started_on": iso(today - timedelta(days=12))}
    met = [d for d in answer["state"]["deadlines"] if d["kind"] == "initial_conference"]
    assert met == [{**met[0], "status": "met", "met_on": iso(today - timedelta(days=12))}]

    answer = await api.send(jid, "record_core_group", occurred_on=today - timedelta(days=8))
    assert [e["type"] for e in answer["events"]] == ["CoreGroupHeld", "DeadlineMet"]
    answer = await api.send(jid, "record_visit", occurred_on=today - timedelta(days=7), seen_alone=True)
    assert answer["events"][0] == {**answer["events"][0], "type": "VisitRecorded", "data": {**answer["events"][0]["data"], "seen_alone": True}}

    answer = await api.send(jid, "change_policy", role="manager", policy="roth-cadence")
    assert [e["type"] for e in answer["events"]] == ["TimescalePolicyChanged"]
    assert answer["state"]["policy"].startswith("roth-cadence/")
    review = deadline(answer["state"], "review_conference")  # the ROTH cadence: 6 weeks after the conference
    assert review["due_on"] <= iso(date.fromisoformat(plan["started_on"]) + timedelta(weeks=6))

    new_due = date.fromisoformat(review["due_on"]) + timedelta(days=7)
    answer = await api.send(jid, "extend_deadline", role="manager", deadline="review_conference", new_due_on=new_due,
                            reason="Chair unavailable; agreed with the family")
    [extended] = answer["events"]
    assert extended["type"] == "DeadlineExtended" and extended["actor_role"] == "manager"
    now_due = deadline(answer["state"], "review_conference")
    assert (now_due["status"], now_due["due_on"], now_due["original_due_on"]) == ("extended", iso(new_due), review["due_on"])

    answer = await api.send(jid, "record_review_conference", occurred_on=today - timedelta(days=5), decision="continue")
    assert [e["type"] for e in answer["events"]] == ["ReviewConferenceHeld", "DeadlineMet"]

    answer = await api.send(jid, "record_review_conference", occurred_on=today - timedelta(days=2), decision="transfer_to_cp",
                            categories=["emotional"])
    assert "PathwayTransferred" in [e["type"] for e in answer["events"]]
    state = answer["state"]
    assert (state["pathway"], state["plan"]["categories"], state["plan"]["outside_home"], state["transfers"]) == ("cp", ["emotional"], False, 1)

    answer = await api.send(jid, "record_review_conference", occurred_on=today, decision="end_plan", step_down="early_help")
    assert [e["type"] for e in answer["events"]][-2:] == ["PlanEnded", "JourneyClosed"]
    state = answer["state"]
    assert (state["closed"], state["closure_reason"], state["step_down"], state["stage"]) == (True, "plan_ended", "early_help", "closed")
    assert await api.state(jid) == state

    chronology = await api.events(jid)
    assert [e["version"] for e in chronology] == list(range(1, len(chronology) + 1))
    assert all(e["prev_hash"] == p["hash"] for p, e in zip(chronology, chronology[1:]))
    assert {"event_id", "type", "occurred_on", "recorded_at", "actor", "command_id", "data", "hash"} <= set(chronology[0])


async def test_close_journey_and_closures_by_strategy_discussion_and_conference(api):
    today = api.today
    jid = (await api.start(referral=today - timedelta(days=5)))["journey_id"]
    answer = await api.send(jid, "close_journey", occurred_on=today, reason="transferred_out", note="Moved to LA 874")
    [closed] = answer["events"]
    assert closed["type"] == "JourneyClosed" and closed["data"]["note"] == "Moved to LA 874"
    assert (answer["state"]["closed"], answer["state"]["closure_reason"], answer["state"]["closed_on"]) == (True, "transferred_out", iso(today))

    jid = (await api.start())["journey_id"]
    answer = await api.send(jid, "record_strategy_discussion", occurred_on=today, outcome="child_in_need")
    assert [e["type"] for e in answer["events"]] == ["StrategyDiscussionHeld", "JourneyClosed"]
    assert (answer["state"]["closure_reason"], answer["state"]["step_down"]) == ("child_in_need", "child_in_need")

    jid = (await api.start())["journey_id"]
    await api.send(jid, "record_strategy_discussion", occurred_on=today, outcome="s47_cp")
    answer = await api.send(jid, "record_initial_conference", occurred_on=today, decision="no_plan", step_down="none")
    assert answer["events"][-1]["type"] == "JourneyClosed"
    assert (answer["state"]["closure_reason"], answer["state"]["pathway"]) == ("no_plan", "cp")


# --- every refusal code -----------------------------------------------------------------

async def test_refusals_at_referral(api):
    today = api.today
    jid = (await api.start(referral=today - timedelta(days=10)))["journey_id"]
    await api.refused(jid, "strategy_discussion_required", "record_initial_conference", occurred_on=today, decision="plan", categories=["physical"])
    await api.refused(jid, "strategy_discussion_required", "record_core_group", occurred_on=today)
    await api.refused(jid, "strategy_discussion_required", "record_review_conference", occurred_on=today, decision="continue")
    await api.refused(jid, "date_in_future", "record_strategy_discussion", occurred_on=today + timedelta(days=1), outcome="s47_cp")
    await api.refused(jid, "date_before_previous_step", "record_strategy_discussion", occurred_on=today - timedelta(days=11), outcome="s47_cp")
    await api.refused(jid, "date_before_previous_step", "record_visit", occurred_on=today - timedelta(days=11), seen_alone=False)
    await api.refused(jid, "deadline_not_open", "extend_deadline", role="manager", deadline="initial_conference",
                      new_due_on=today + timedelta(days=30), reason="Family away")
    await api.refused(jid, "reason_required", "extend_deadline", role="manager", deadline="initial_conference",
                      new_due_on=today + timedelta(days=30), reason="  ")
    await api.refused(jid, "reason_required", "extend_deadline", role="manager", deadline="initial_conference",
                      new_due_on=today + timedelta(days=30), reason="")
    await api.refused(jid, "deadline_not_open", "extend_deadline", role="manager", deadline="eighteenth_birthday",
                      new_due_on=today + timedelta(days=30), reason="Transition plan not ready")
    await api.refused(jid, "policy_unchanged", "change_policy", role="system", policy="national")


async def test_refusals_during_the_enquiry(api):
    today = api.today
    jid = (await api.start(referral=today - timedelta(days=3)))["journey_id"]
    state = (await api.send(jid, "record_strategy_discussion", occurred_on=today - timedelta(days=2), outcome="s47_cp"))["state"]
    due = date.fromisoformat(deadline(state, "initial_conference")["due_on"])

    await api.refused(jid, "initial_conference_required", "record_core_group", occurred_on=today)
    await api.refused(jid, "initial_conference_required", "record_review_conference", occurred_on=today, decision="continue")
    await api.refused(jid, "category_required", "record_initial_conference", occurred_on=today, decision="plan", categories=[])
    await api.refused(jid, "unexpected_categories", "record_initial_conference", occurred_on=today, decision="no_plan",
                      categories=["neglect"], step_down="none")
    await api.refused(jid, "step_down_required", "record_initial_conference", occurred_on=today, decision="no_plan")
    await api.refused(jid, "invalid_value", "record_initial_conference", occurred_on=today, decision="plan", categories=["neglect", "neglect"])
    await api.refused(jid, "date_before_previous_step", "record_initial_conference", occurred_on=today - timedelta(days=3),
                      decision="plan", categories=["neglect"])
    await api.refused(jid, "deadline_not_open", "extend_deadline", role="manager", deadline="first_core_group",
                      new_due_on=today + timedelta(days=40), reason="Family away")
    await api.refused(jid, "extension_not_later", "extend_deadline", role="manager", deadline="initial_conference",
                      new_due_on=due, reason="Family away")
    # Roles: only a manager extends; a practitioner does not change the policy; an auditor
    # and an admin record nothing (the admin may change the policy: see docs/http-api.md, Roles).
    for role in ("practitioner", "system", "auditor", "admin"):
        await api.refused(jid, "not_allowed_for_role", "extend_deadline", role=role, deadline="initial_conference",
                          new_due_on=due + timedelta(days=5), reason="Family away")
    await api.refused(jid, "not_allowed_for_role", "change_policy", role="practitioner", policy="roth-cadence")
    await api.refused(jid, "not_allowed_for_role", "change_policy", role="auditor", policy="roth-cadence")
    await api.refused(jid, "not_allowed_for_role", "record_visit", role="auditor", occurred_on=today, seen_alone=True)
    await api.refused(jid, "not_allowed_for_role", "record_visit", role="admin", occurred_on=today, seen_alone=True)
    # The manager's extension and the admin's policy change do go through.
    await api.send(jid, "extend_deadline", role="manager", deadline="initial_conference", new_due_on=due + timedelta(days=5), reason="Family away")
    await api.send(jid, "change_policy", role="admin", policy="roth-cadence")


async def test_refusals_on_a_plan(api):
    today = api.today
    jid = (await api.start(referral=today - timedelta(days=10)))["journey_id"]
    await api.send(jid, "record_strategy_discussion", occurred_on=today - timedelta(days=9), outcome="s47_roth")
    await chair_over_http(api.http, api.tokens, jid)
    await api.send(jid, "record_initial_conference", occurred_on=today - timedelta(days=5), decision="plan", categories=["sexual"])
    await api.refused(jid, "already_on_pathway", "record_review_conference", occurred_on=today, decision="transfer_to_roth")
    await api.refused(jid, "step_down_required", "record_review_conference", occurred_on=today, decision="end_plan")
    await api.refused(jid, "step_out_of_order", "record_strategy_discussion", occurred_on=today, outcome="s47_cp")
    await api.refused(jid, "step_out_of_order", "record_initial_conference", occurred_on=today, decision="plan", categories=["sexual"])
    await api.refused(jid, "date_before_previous_step", "record_core_group", occurred_on=today - timedelta(days=6))
    await api.refused(jid, "date_in_future", "record_core_group", occurred_on=today + timedelta(days=1))


async def test_deadline_passed_on_a_backdated_enquiry(api):
    today = api.today
    jid = (await api.start(referral=today - timedelta(days=70)))["journey_id"]
    state = (await api.send(jid, "record_strategy_discussion", occurred_on=today - timedelta(days=60), outcome="s47_cp"))["state"]
    assert deadline(state, "initial_conference")["status"] == "missed"
    await api.refused(jid, "deadline_passed", "extend_deadline", role="manager", deadline="initial_conference",
                      new_due_on=today + timedelta(days=5), reason="Too late")


async def test_journey_closed(api):
    today = api.today
    jid = (await api.start())["journey_id"]
    await api.send(jid, "close_journey", occurred_on=today, reason="looked_after")
    await api.refused(jid, "journey_closed", "record_strategy_discussion", occurred_on=today, outcome="s47_cp")
    await api.refused(jid, "journey_closed", "close_journey", occurred_on=today, reason="other")
    await api.refused(jid, "journey_closed", "change_policy", role="manager", policy="roth-cadence")


async def test_the_apis_own_refusals(api, http, tokens):
    unknown = str(uuid.uuid4())
    body = command("record_core_group", occurred_on=api.today)
    for method, url, kwargs in [("get", f"/v1/journeys/{unknown}", {}), ("get", f"/v1/journeys/{unknown}/events", {}),
                                ("post", f"/v1/journeys/{unknown}/commands", {"json": body}),
                                ("get", "/v1/journeys/not-even-an-id", {})]:
        answer = await http.request(method, url, headers=auth(tokens), **kwargs)
        assert answer.status_code == 404, (url, answer.text)
        assert answer.json() == {"error": {"code": "journey_not_found", "message": "There is no such journey."}}

    for headers, code in [({}, "not_authenticated"), ({"Authorization": "Basic dXNlcjpwYXNz"}, "not_authenticated"),
                          ({"Authorization": "Bearer "}, "not_authenticated"),
                          ({"Authorization": "Bearer sp_not-a-token"}, "invalid_token"),
                          ({"Authorization": "Bearer a.b.c"}, "invalid_token")]:
        for method, url, kwargs in [("get", "/v1/journeys", {}), ("post", "/v1/journeys", {"json": start_body(api.today)}),
                                    ("get", f"/v1/journeys/{unknown}", {}), ("get", f"/v1/journeys/{unknown}/events", {}),
                                    ("post", f"/v1/journeys/{unknown}/commands", {"json": body})]:
            answer = await http.request(method, url, headers=headers, **kwargs)
            assert answer.status_code == 401, (headers, url, answer.text)
            assert answer.json()["error"]["code"] == code
            assert answer.headers["www-authenticate"] == "Bearer"
    # No token and a malformed body: who you are is asked first.
    assert (await http.post("/v1/journeys", json={"nonsense": True})).status_code == 401

    for cursor in ["%%%", "bm90LWEtam91cm5leS1pZA==", "not base64 at all", base64.urlsafe_b64encode(b"\xff\xfe").decode()]:
        answer = await http.get("/v1/journeys", params={"cursor": cursor}, headers=auth(tokens))
        assert answer.status_code == 422, (cursor, answer.text)
        [issue] = answer.json()["detail"]
        assert issue["type"] == "invalid_cursor" and issue["loc"] == ["query", "cursor"]


# --- idempotency ------------------------------------------------------------------------

async def test_a_retried_command_returns_the_first_answer_and_records_once(api):
    today = api.today
    body = start_body(today)
    first_start = await api.http.post("/v1/journeys", json=body, headers=auth(api.tokens, "system"))
    retry_start = await api.http.post("/v1/journeys", json=body, headers=auth(api.tokens, "system"))
    assert first_start.status_code == retry_start.status_code == 201 and retry_start.json() == first_start.json()
    jid = first_start.json()["journey_id"]

    sd = command("record_strategy_discussion", occurred_on=today, outcome="s47_roth")
    first = await api.post(jid, sd)
    assert first.status_code == 200
    # Retries, one of them at the same time as another: each gets the first answer, and
    # nothing is recorded twice. The same command_id with a changed body is refused.
    retries = await asyncio.gather(api.post(jid, sd), api.post(jid, sd))
    assert all(r.status_code == 200 and r.json() == first.json() for r in retries)
    changed = await api.post(jid, {**sd, "outcome": "s47_cp"})
    assert changed.status_code == 409 and changed.json()["error"]["code"] == "command_id_reused"
    chronology = await api.events(jid)
    assert [e["type"] for e in chronology] == ["JourneyStarted", "StrategyDiscussionHeld"]
    assert [e["command_id"] for e in chronology].count(sd["command_id"]) == 1

    # Two different commands sent at once are both recorded, once each.
    visits = [command("record_visit", occurred_on=today, seen_alone=i == 0) for i in range(2)]
    answers = await asyncio.gather(*(api.post(jid, v) for v in visits))
    assert [a.status_code for a in answers] == [200, 200]
    assert len(await api.events(jid)) == 4

    # After the journey has closed (its workflow has finished), a retry is answered from the log.
    close = command("close_journey", occurred_on=today, reason="other")
    closed = await api.post(jid, close)
    assert closed.status_code == 200
    again = await api.post(jid, close)
    assert again.status_code == 200 and again.json() == closed.json()
    old_retry = await api.post(jid, sd)
    assert old_retry.status_code == 200 and old_retry.json()["events"] == first.json()["events"]
    retry_start = await api.http.post("/v1/journeys", json=body, headers=auth(api.tokens, "system"))
    assert retry_start.status_code == 201 and retry_start.json()["events"] == first_start.json()["events"]
    assert len(await api.events(jid)) == 5


# --- shapes (422) -----------------------------------------------------------------------

async def test_malformed_bodies_answer_pydantics_detail_and_write_nothing(api):
    today = api.today
    jid = (await api.start())["journey_id"]
    good_sd = command("record_strategy_discussion", occurred_on=today, outcome="s47_roth")
    good_start = start_body(today)
    yp = good_start["young_person"]
    cases = {
        "missing field": {k: v for k, v in good_sd.items() if k != "outcome"},
        "missing command_id": {k: v for k, v in good_sd.items() if k != "command_id"},
        "wrong enum": {**good_sd, "outcome": "s47"},
        "unknown type": {**good_sd, "type": "record_something"},
        "no type": {k: v for k, v in good_sd.items() if k != "type"},
        "extra field": {**good_sd, "outcom": "s47_roth"},
        "bad date": {**good_sd, "occurred_on": "2026-02-30"},
        "date as d/m/y": {**good_sd, "occurred_on": "19/03/2026"},
        "date with a time": {**good_sd, "occurred_on": f"{today.isoformat()}T00:00:00"},
        "date as a number": {**good_sd, "occurred_on": 1773878400},
        "bad uuid": {**good_sd, "command_id": "not-a-uuid"},
        "boolean as text": command("record_visit", occurred_on=today, seen_alone="yes"),
        "boolean as a number": command("record_visit", occurred_on=today, seen_alone=1),
        "unknown category": command("record_initial_conference", occurred_on=today, decision="plan", categories=["online"]),
        "unknown deadline kind": command("extend_deadline", deadline="adulthood", new_due_on=today, reason="x"),
        "unknown policy": command("change_policy", policy="fast"),
        "not an object": ["record_visit"],
    }
    for name, body in cases.items():
        answer = await api.post(jid, body)
        assert answer.status_code == 422, (name, answer.text)
        detail = answer.json()["detail"]
        assert detail and all({"type", "loc", "msg"} <= set(issue) for issue in detail), name
    starts = {
        "missing young person": {k: v for k, v in good_start.items() if k != "young_person"},
        "wrong sex": {**good_start, "young_person": {**yp, "sex": "X"}},
        "unknown ethnicity": {**good_start, "young_person": {**yp, "ethnicity": "ZZZZ"}},
        "child id too long": {**good_start, "young_person": {**yp, "id": "C" * 21}},
        "extra personal field": {**good_start, "young_person": {**yp, "name": "A Child"}},
        "LA code": {**good_start, "local_authority": "87"},
        "bad date of birth": {**good_start, "young_person": {**yp, "date_of_birth": "2010-13-01"}},
        "bad uuid": {**good_start, "command_id": "123"},
    }
    for name, body in starts.items():
        answer = await api.http.post("/v1/journeys", json=body, headers=auth(api.tokens, "system"))
        assert answer.status_code == 422, (name, answer.text)
        assert answer.json()["detail"], name
    raw = await api.http.post(f"/v1/journeys/{jid}/commands", content=b"{not json", headers={**auth(api.tokens), "content-type": "application/json"})
    assert raw.status_code == 422
    for query in ["limit=0", "limit=501", "pathway=roh", "stage=somewhere", "overdue=perhaps", "due_before=soon"]:
        answer = await api.http.get(f"/v1/journeys?{query}", headers=auth(api.tokens))
        assert answer.status_code == 422, query
    assert len(await api.events(jid)) == 1


# --- lists: pagination and filters -----------------------------------------------------

async def test_pagination_with_a_cursor_visits_every_journey_once_in_order(api):
    mine = {(await api.start())["journey_id"] for _ in range(5)}
    everything = await api.all_pages(limit=500)
    paged = await api.all_pages(limit=2)
    ids = [j["journey_id"] for j in paged]
    assert ids == [j["journey_id"] for j in everything]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    assert mine <= set(ids)
    assert all(j["local_authority"] == "873" for j in paged)
    first = await api.http.get("/v1/journeys?limit=1", headers=auth(api.tokens))
    assert len(first.json()["journeys"]) == 1 and first.json()["next_cursor"]
    assert set(first.json()["journeys"][0]) == {"journey_id", "local_authority", "pathway", "stage", "opened_on", "closed",
                                               "closed_on", "closure_reason", "next_deadline_kind", "next_due_on", "overdue"}


async def test_filters(api):
    today = api.today
    roth = (await api.start())["journey_id"]
    roth_state = (await api.send(roth, "record_strategy_discussion", occurred_on=today, outcome="s47_roth"))["state"]
    late = (await api.start(referral=today - timedelta(days=70)))["journey_id"]
    await api.send(late, "record_strategy_discussion", occurred_on=today - timedelta(days=60), outcome="s47_cp")
    closed = (await api.start())["journey_id"]
    await api.send(closed, "close_journey", occurred_on=today, reason="other")
    referral = (await api.start())["journey_id"]

    async def ids(query: str, limit: int = 500) -> set[str]:
        return {j["journey_id"] for j in await api.all_pages(query, limit=limit)}

    roth_rows = await api.all_pages("&pathway=roth")
    assert roth in {j["journey_id"] for j in roth_rows} and all(j["pathway"] == "roth" for j in roth_rows)
    cp = await ids("&pathway=cp")
    assert late in cp and roth not in cp
    assert {roth, late} <= await ids("&stage=section_47") and referral not in await ids("&stage=section_47")
    assert closed in await ids("&stage=closed", limit=1) and referral in await ids("&stage=referral")
    overdue_rows = await api.all_pages("&overdue=true")
    assert late in {j["journey_id"] for j in overdue_rows} and all(j["overdue"] for j in overdue_rows)
    assert roth in await ids("&overdue=false") and late not in await ids("&overdue=false")
    due = date.fromisoformat(deadline(roth_state, "initial_conference")["due_on"])
    assert roth not in await ids(f"&due_before={due.isoformat()}")
    assert roth in await ids(f"&due_before={(due + timedelta(days=1)).isoformat()}")
    combined = await api.all_pages(f"&pathway=cp&stage=section_47&overdue=true&due_before={today.isoformat()}", limit=1)
    assert late in {j["journey_id"] for j in combined}
    assert all(j["pathway"] == "cp" and j["stage"] == "section_47" and j["overdue"] and j["next_due_on"] < today.isoformat()
               for j in combined)


# --- the request log --------------------------------------------------------------------

async def test_each_request_is_logged_with_ids_role_la_status_and_latency(api, logs):
    today = api.today
    jid = (await api.start())["journey_id"]
    body = command("record_strategy_discussion", occurred_on=today, outcome="s47_roth")
    answer = await api.http.post(f"/v1/journeys/{jid}/commands", json=body,
                                 headers={**auth(api.tokens, "practitioner"), "x-request-id": "lcs-req-42"})
    assert answer.headers["x-request-id"] == "lcs-req-42"
    await api.refused(jid, "initial_conference_required", "record_core_group", occurred_on=today)
    await api.http.get(f"/v1/journeys/{uuid.uuid4()}", headers=auth(api.tokens, "auditor"))
    await api.http.get("/v1/journeys")
    await api.post(jid, {"type": "record_visit"})
    await api.post(jid, {**command("record_core_group", occurred_on=today), "Jane Example": "x"})

    requests = logs.requests()
    [sent] = [r for r in requests if r["request_id"] == "lcs-req-42"]
    assert sent == {**sent, "method": "POST", "route": "/v1/journeys/{journey_id}/commands", "status": 200, "role": "practitioner",
                    "local_authority": "873", "subject": "practitioner-873", "journey_id": jid,
                    "command_id": body["command_id"], "command_type": "record_strategy_discussion", "level": "info"}
    assert isinstance(sent["latency_ms"], float) and "timestamp" in sent
    [start] = [r for r in requests if r["route"] == "/v1/journeys" and r["method"] == "POST"]
    assert start["journey_id"] == jid and start["command_type"] == "start_journey" and start["status"] == 201
    refusal = next(r for r in requests if r.get("error_code") == "initial_conference_required")
    assert refusal["status"] == 409 and refusal["command_type"] == "record_core_group"
    assert any(r["status"] == 404 and r.get("error_code") == "journey_not_found" and r["role"] == "auditor" for r in requests)
    assert any(r["status"] == 401 and r.get("error_code") == "not_authenticated" and r["role"] is None for r in requests)
    malformed = next(r for r in requests if r["status"] == 422)
    assert malformed["error_code"] == "invalid_request" and "body.record_visit.command_id" in malformed["invalid_fields"]
    extra = [r for r in requests if r["status"] == 422][1]
    assert extra["invalid_fields"] == ["body.record_core_group.(unknown field)"] and "Jane Example" not in logs.text()
    # Every line is an id-and-code line: no request body, no message, no young person.
    for line in requests:
        assert set(line) <= {"request_id", "method", "route", "status", "latency_ms", "role", "local_authority", "subject",
                             "journey_id", "command_id", "command_type", "error_code", "invalid_fields", "event", "level", "timestamp"}


async def test_a_refusal_quoting_the_date_of_birth_never_reaches_the_log(api, logs):
    today = api.today
    dob = today - timedelta(days=400)
    body = start_body(today, dob=dob, referral=dob - timedelta(days=3))
    answer = await api.http.post("/v1/journeys", json=body, headers=auth(api.tokens, "system"))
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "date_before_previous_step"
    assert uk_date(dob) in answer.json()["error"]["message"]  # the caller is told ...
    text = logs.text()
    assert "date_before_previous_step" in text  # ... the log has the code ...
    for detail in (uk_date(dob), dob.isoformat(), body["young_person"]["id"]):  # ... and nothing about the child
        assert detail not in text


async def test_no_date_of_birth_in_debug_logs_either(api, debug_logs):
    today = api.today
    dob = today - timedelta(days=400)
    body = start_body(today, dob=dob, referral=dob - timedelta(days=3))
    answer = await api.http.post("/v1/journeys", json=body, headers=auth(api.tokens, "system"))
    assert answer.status_code == 409
    assert uk_date(dob) not in debug_logs.text()
