"""ROTH practice through the v1 contract: the new journey commands (allocation and an
independent chair from the pool, context weighting, the plan under three headings, voices,
consent, the transition plan), the LA's pool of chairs, and contexts as cases of their own,
through the live app with a real worker on Temporal's time-skipping test server and the real
event log.

The session's log and pool are shared with other suites, so each test uses ids of its own
(chairs and contexts) and checks lists for them.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from api.schemas import COMMAND_TYPES, CONTEXT_COMMAND_TYPES
from support import chair_over_http
from contract_api import PracticeApi, command, iso, years_ago
from temporal_fixtures import auth

PRACTICE_TYPES = {"allocate_case", "assign_chair", "record_context_weighting", "update_plan", "record_participation",
                  "record_consent", "record_transition_plan"}
PRACTICE_REFUSALS = {"invalid_value", "allocation_unchanged", "chair_not_independent", "chair_not_in_pool",
                     "case_not_allocated", "chair_unchanged", "chair_required", "meeting_not_held", "contexts_required",
                     "duplicate_context", "unknown_context", "strategy_discussion_required", "initial_conference_required",
                     "unknown_target", "duplicate_goal", "scope_required", "not_yet_seventeen"}


# --- helpers ----------------------------------------------------------------------------

def slug(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def place(context_id: str, kind: str = "public_place", weight: int = 8, harm: bool = True, safety: bool = False,
          name: str | None = None, affects=()) -> dict:
    return {"context_id": context_id, "kind": kind, "name": name or context_id.replace("-", " ").capitalize(),
            "harm": harm, "safety": safety, "weight": weight, "affects": list(affects)}


def seed_plan(park: str, peers: str, on: date) -> list[dict]:
    """The seed report's kind of plan: out of education, unsafe in a park, a parent as a guardian."""
    return [
        {"goal_id": "back-to-school", "heading": "needs", "need": "education_access",
         "description": "Back in full-time education", "outcome": "Attending four days a week by the review",
         "actions": [{"description": "Place at the pupil referral unit, with transport", "owner": "Education inclusion team",
                      "due_on": iso(on + timedelta(days=28)), "targets": ["young_person"]}]},
        {"goal_id": "safe-in-public", "heading": "needs", "need": "physical_safety",
         "description": "Safe on the way home", "outcome": "No missing episodes for six weeks",
         "actions": [{"description": "Mother meets him at the park gate after school", "owner": "Parent",
                      "due_on": iso(on + timedelta(days=7)), "targets": ["family", park]}]},
        {"goal_id": "guardians", "heading": "guardianship", "need": None,
         "description": "Capable guardians in the park after school", "outcome": "No incidents reported by wardens",
         "actions": [{"description": "Wardens patrol 3pm to 7pm", "owner": "Parks service",
                      "due_on": iso(on + timedelta(days=14)), "targets": [park]},
                     {"description": "Detached youth work with the older group", "owner": "Youth service",
                      "due_on": iso(on + timedelta(days=21)), "targets": [peers]}]},
        {"goal_id": "lighting", "heading": "environment", "need": None,
         "description": "A lit river path", "outcome": "Lighting repaired",
         "actions": [{"description": "Repair the river path's lighting", "owner": "Community safety partnership",
                      "due_on": iso(on + timedelta(days=56)), "targets": [park]}]},
    ]


@pytest.fixture
async def api(http, tokens, clock) -> PracticeApi:
    return PracticeApi(http, tokens, await clock.today())


# --- OpenAPI ----------------------------------------------------------------------------

async def test_openapi_lists_every_new_command_type_refusal_and_path(http):
    spec = (await http.get("/openapi.json")).json()
    paths = spec["paths"]
    operations = {("post", "/v1/contexts"), ("get", "/v1/contexts"), ("get", "/v1/contexts/{context_id}"),
                  ("post", "/v1/contexts/{context_id}/commands"), ("get", "/v1/chairs"), ("put", "/v1/chairs/{chair_id}"),
                  ("delete", "/v1/chairs/{chair_id}")}
    for method, path in operations:
        operation = paths[path][method]
        assert operation["security"] == [{"HTTPBearer": []}], (method, path)
        assert "401" in operation["responses"], (method, path)
        if method in ("post", "put"):
            assert {"409", "422"} <= set(operation["responses"]), (method, path)
            assert operation["requestBody"]["content"]["application/json"]["examples"], (method, path)
    for path in ("/v1/contexts/{context_id}", "/v1/contexts/{context_id}/commands"):
        method = "get" if path.endswith("}") else "post"
        assert "context_not_found" in paths[path][method]["responses"]["404"]["content"]["application/json"]["examples"]
    assert "404" in paths["/v1/chairs/{chair_id}"]["delete"]["responses"]

    commands = paths["/v1/journeys/{journey_id}/commands"]["post"]
    examples = commands["requestBody"]["content"]["application/json"]["examples"]
    assert PRACTICE_TYPES <= {e["value"]["type"] for e in examples.values()}
    assert PRACTICE_TYPES <= set(COMMAND_TYPES)
    refusals = commands["responses"]["409"]["content"]["application/json"]["examples"]
    assert PRACTICE_REFUSALS <= set(refusals)
    context_examples = paths["/v1/contexts/{context_id}/commands"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    assert {e["value"]["type"] for e in context_examples.values()} == set(CONTEXT_COMMAND_TYPES)

    schemas = spec["components"]["schemas"]
    assert {"allocation", "chair", "context_weightings", "transfer_prompt", "care_plan", "plan_findings", "participation",
            "consents", "transition_plan_on", "transition_plan_due"} <= set(schemas["JourneyState"]["properties"])
    # The caller cannot say whether a chair is in the pool: the service does.
    assert set(schemas["AssignChair"]["properties"]) == {"command_id", "type", "chair_id"}
    assert schemas["AssignChair"]["additionalProperties"] is False


# --- every new command type, accepted and shown -------------------------------------------

async def test_each_practice_command_is_recorded_and_shown_in_the_state(api):
    today = api.today
    park, peers, school = slug("park"), slug("peers"), slug("school")
    chair = slug("chair")
    # Seventeen and a month: the transition plan is due.
    jid = await api.roth(dob=years_ago(today, 17) - timedelta(days=30))
    assert (await api.state(jid))["transition_plan_due"] is True

    answer = await api.send(jid, "record_consent", occurred_on=today - timedelta(days=19), given_by="parent_carer",
                            decision="given", scope=["police", "education", "community_safety"])
    assert [e["type"] for e in answer["events"]] == ["ConsentRecorded"]
    assert answer["state"]["consents"] == [{"occurred_on": iso(today - timedelta(days=19)), "given_by": "parent_carer",
                                            "decision": "given", "scope": ["community_safety", "education", "police"]}]

    contexts = [place(park, weight=9, affects=[peers]), place(peers, kind="peer_group", weight=7, affects=[park]),
                place("family-home", kind="home_family", weight=6, harm=False, safety=True, affects=[park]),
                place(school, kind="school_college", weight=3, harm=False, safety=True)]
    answer = await api.send(jid, "record_context_weighting", occurred_on=today - timedelta(days=18), at="assessment",
                            contexts=contexts)
    [weighting] = answer["state"]["context_weightings"]
    assert weighting == {"occurred_on": iso(today - timedelta(days=18)), "at": "assessment", "contexts": contexts,
                         "most_influential": "outside"}
    assert answer["state"]["transfer_prompt"] is None

    answer = await api.send(jid, "allocate_case", social_worker="sw-0042", team_manager="tm-0007")
    assert [e["type"] for e in answer["events"]] == ["CaseAllocated"]
    assert answer["state"]["allocation"] == {"social_worker": "sw-0042", "team_manager": "tm-0007"}
    assert (await api.pool(chair)).status_code == 200
    answer = await api.send(jid, "assign_chair", chair_id=chair)
    assert [e["type"] for e in answer["events"]] == ["ChairAssigned"] and answer["state"]["chair"] == chair

    conference_on = today - timedelta(days=10)
    await api.send(jid, "record_initial_conference", occurred_on=conference_on, decision="plan", categories=["physical"])
    for participant, views in (("young_person", "Feels safer when his mum meets him; wants to go back to school"),
                               ("parent_carer", "Will meet him at the park gate; worried about the older group")):
        answer = await api.send(jid, "record_participation", occurred_on=conference_on, meeting="initial_conference",
                                participant=participant, invited=True, attended=True, views=views)
    assert {(p["participant"], p["attended"]) for p in answer["state"]["participation"]} == {
        ("young_person", True), ("parent_carer", True)}

    goals = seed_plan(park, peers, conference_on)
    answer = await api.send(jid, "update_plan", occurred_on=conference_on, made_at="initial_conference",
                            needs=["education_access", "physical_safety"], goals=goals)
    assert [e["type"] for e in answer["events"]] == ["PlanUpdated"]
    care = answer["state"]["care_plan"]
    assert (care["version"], care["made_on"], care["made_at"], care["needs"]) == (
        1, iso(conference_on), "initial_conference", ["education_access", "physical_safety"])
    assert care["goals"] == goals
    assert answer["state"]["plan_findings"] == []  # the seed report's kind of plan passes the check

    # The contract does not refuse an action without an owner or date, nor a goal without an
    # outcome: the quality check flags them.
    gaps = [{**goals[0], "outcome": None, "actions": [{**goals[0]["actions"][0], "owner": None, "due_on": None}]},
            *goals[1:]]
    answer = await api.send(jid, "update_plan", occurred_on=conference_on, made_at="initial_conference",
                            needs=["education_access", "physical_safety"], goals=gaps)
    assert answer["state"]["care_plan"]["version"] == 2
    codes = [f["code"] for f in answer["state"]["plan_findings"]]
    assert codes == ["action_without_owner_or_date", "goal_without_outcome"]
    assert all(f["message"] for f in answer["state"]["plan_findings"])

    # The family becomes the most influential context: consider a transfer to CP.
    answer = await api.send(jid, "record_context_weighting", occurred_on=conference_on, at="initial_conference",
                            contexts=[place(park, weight=4), place("family-home", kind="home_family", weight=9)])
    assert answer["state"]["transfer_prompt"] == "cp"
    assert [w["most_influential"] for w in answer["state"]["context_weightings"]] == ["outside", "family"]

    answer = await api.send(jid, "record_transition_plan", occurred_on=today, note="Adult transitions team agreed")
    assert [e["type"] for e in answer["events"]] == ["TransitionPlanRecorded"]
    state = answer["state"]
    assert (state["transition_plan_on"], state["transition_plan_due"]) == (iso(today), False)

    assert await api.state(jid) == state  # the read model shows the same
    types = [e["type"] for e in await api.events(jid)]
    assert {"ConsentRecorded", "ContextWeightingRecorded", "CaseAllocated", "ChairAssigned", "ParticipationRecorded",
            "PlanUpdated", "TransitionPlanRecorded"} <= set(types)
    # The chair's load counts the journey.
    assert (await api.chairs())[chair] == {"chair_id": chair, "name": "A. Chairperson", "active": True,
                                           "open_journeys": 1, "roth_open_journeys": 1}


# --- shapes -----------------------------------------------------------------------------

async def test_malformed_practice_bodies_answer_422_and_write_nothing(api):
    today = api.today
    jid = await api.roth()
    good_place = place("riverside-park")
    weighting = command("record_context_weighting", occurred_on=today, at="assessment", contexts=[good_place])
    plan = command("update_plan", occurred_on=today, made_at="initial_conference", needs=["education_access"],
                   goals=seed_plan("riverside-park", "older-group", today)[:1])
    goal = plan["goals"][0]
    action = goal["actions"][0]
    cases = {
        "the caller saying the chair is in the pool": command("assign_chair", chair_id="chair-0003", in_pool=True),
        "a chair's name for an id": command("assign_chair", chair_id="Jane Smith"),
        "allocation without a team manager": command("allocate_case", social_worker="sw-0042"),
        "a weight above 10": {**weighting, "contexts": [{**good_place, "weight": 11}]},
        "a weight of 0": {**weighting, "contexts": [{**good_place, "weight": 0}]},
        "a weight as text": {**weighting, "contexts": [{**good_place, "weight": "5"}]},
        "a context id that is not a slug": {**weighting, "contexts": [{**good_place, "context_id": "Riverside Park"}]},
        "an unknown kind of context": {**weighting, "contexts": [{**good_place, "kind": "street"}]},
        "harm as text": {**weighting, "contexts": [{**good_place, "harm": "yes"}]},
        "an unknown field in a context": {**weighting, "contexts": [{**good_place, "postcode": "AB1 2CD"}]},
        "an unknown point of weighting": {**weighting, "at": "strategy_discussion"},
        "a due date as d/m/y": {**plan, "goals": [{**goal, "actions": [{**action, "due_on": "30/04/2026"}]}]},
        "an unknown heading": {**plan, "goals": [{**goal, "heading": "safety"}]},
        "an unknown need": {**plan, "needs": ["housing"]},
        "a target that is neither a person nor a context": {**plan, "goals": [{**goal, "actions": [{**action, "targets": ["Bad Target"]}]}]},
        "an action without targets field": {**plan, "goals": [{**goal, "actions": [{k: v for k, v in action.items() if k != "targets"}]}]},
        "invited as text": command("record_participation", occurred_on=today, meeting="initial_conference",
                                   participant="young_person", invited="yes", attended=False),
        "an unknown participant": command("record_participation", occurred_on=today, meeting="initial_conference",
                                          participant="teacher", invited=True, attended=False),
        "an unknown consent scope": command("record_consent", occurred_on=today, given_by="parent_carer", decision="given",
                                            scope=["school"]),
        "an unknown consent decision": command("record_consent", occurred_on=today, given_by="parent_carer", decision="maybe"),
        "a transition plan without a date": command("record_transition_plan", note="x"),
    }
    before = await api.events(jid)
    for name, body in cases.items():
        answer = await api.post(jid, body)
        assert answer.status_code == 422, (name, answer.text)
        assert answer.json()["detail"], name
    assert await api.events(jid) == before

    context_id = slug("park")
    refer = {"command_id": str(uuid.uuid4()), "context_id": context_id, "kind": "public_place", "name": "Park",
             "referred_on": iso(today)}
    for name, body in {"the family as a context case": {**refer, "kind": "home_family"},
                       "a context id with capitals": {**refer, "context_id": "Riverside-Park"},
                       "an LA in the body": {**refer, "local_authority": "873"},
                       "a date with a time": {**refer, "referred_on": f"{today.isoformat()}T10:00:00"}}.items():
        answer = await api.http.post("/v1/contexts", json=body, headers=auth(api.tokens))
        assert answer.status_code == 422, (name, answer.text)
    for name, body in {"an unknown decision": command("record_context_conference", occurred_on=today, decision="adjourn"),
                       "an action without an owner": command("record_context_action", action_id="a1", kind="environmental",
                                                             description="Lighting", due_on=today),
                       "an unknown closure reason": command("close_context", occurred_on=today, reason="bored"),
                       "an unknown type": command("record_context_visit", occurred_on=today)}.items():
        answer = await api.context_post(context_id, body)
        assert answer.status_code == 422, (name, answer.text)
    assert (await api.context(context_id)).status_code == 404  # nothing was referred

    chair = slug("chair")
    for name, (path, body) in {"an unknown field": (chair, {"name": "A", "active": False}),
                               "no name": (chair, {}), "an empty name": (chair, {"name": ""}),
                               "an id with a space": ("chair 1", {"name": "A"})}.items():
        answer = await api.http.put(f"/v1/chairs/{path}", json=body, headers=auth(api.tokens, "manager"))
        assert answer.status_code == 422, (name, answer.text)
    assert chair not in await api.chairs()
    assert (await api.http.get("/v1/contexts?min_open_journeys=0", headers=auth(api.tokens))).status_code == 422


# --- chairs -----------------------------------------------------------------------------

async def test_the_chair_pool_and_the_chair_rule(api):
    today = api.today
    chair, social_worker, team_manager = slug("chair"), slug("sw"), slug("tm")
    jid = await api.roth()

    # A ROTH conference without a chair is refused.
    await api.refused(jid, "chair_required", "record_initial_conference", occurred_on=today, decision="plan",
                      categories=["physical"])
    # A chair needs the case allocated first, so that independence can be checked.
    assert (await api.pool(chair)).status_code == 200
    await api.refused(jid, "case_not_allocated", "assign_chair", chair_id=chair)
    await api.refused(jid, "invalid_value", "allocate_case", social_worker=social_worker, team_manager=social_worker)
    await api.send(jid, "allocate_case", social_worker=social_worker, team_manager=team_manager)
    await api.refused(jid, "allocation_unchanged", "allocate_case", social_worker=social_worker, team_manager=team_manager)

    outsider = slug("chair")  # never put in the pool
    await api.refused(jid, "chair_not_in_pool", "assign_chair", chair_id=outsider)
    # ... and accepted once a manager puts them in it.
    assert (await api.pool(outsider, name="B. Chair")).status_code == 200
    state = (await api.send(jid, "assign_chair", chair_id=outsider))["state"]
    assert state["chair"] == outsider
    await api.refused(jid, "chair_unchanged", "assign_chair", chair_id=outsider)

    # The team manager is in the pool too, but cannot chair their own team's case.
    assert (await api.pool(team_manager, name="C. Manager")).status_code == 200
    await api.refused(jid, "chair_not_independent", "assign_chair", chair_id=team_manager)
    # Nor can the chair take the case.
    await api.refused(jid, "chair_not_independent", "allocate_case", social_worker=outsider, team_manager=team_manager)

    answer = await api.send(jid, "record_initial_conference", occurred_on=today, decision="plan", categories=["physical"])
    assert answer["state"]["stage"] == "plan"

    # The load: every role of the LA reads it; another LA sees none of this LA's chairs.
    for role in ("system", "practitioner", "manager", "auditor", "admin"):
        pool = await api.chairs(role=role)
        assert pool[outsider] == {"chair_id": outsider, "name": "B. Chair", "active": True, "open_journeys": 1,
                                  "roth_open_journeys": 1}
        assert pool[chair]["open_journeys"] == 0
    assert not {chair, outsider, team_manager} & set(await api.chairs(role="manager", la="874"))
    assert (await api.http.get("/v1/chairs")).status_code == 401

    # Who keeps the pool: a manager or an admin.
    for role in ("system", "practitioner", "auditor"):
        answer = await api.pool(slug("chair"), role=role)
        assert answer.status_code == 409 and answer.json()["error"]["code"] == "not_allowed_for_role", role
        answer = await api.http.delete(f"/v1/chairs/{chair}", headers=auth(api.tokens, role))
        assert answer.status_code == 409 and answer.json()["error"]["code"] == "not_allowed_for_role", role
    renamed = await api.pool(chair, name="A. Renamed", role="admin")
    assert renamed.status_code == 200 and renamed.json() == {
        "chair_id": chair, "name": "A. Renamed", "active": True, "open_journeys": 0, "roth_open_journeys": 0}

    # Another LA's chair is a chair not in the pool.
    elsewhere = await api.http.delete(f"/v1/chairs/{chair}", headers=auth(api.tokens, "manager", "874"))
    assert elsewhere.status_code == 404 and elsewhere.json()["error"]["code"] == "chair_not_found"
    assert (await api.http.delete(f"/v1/chairs/{chair}", headers=auth(api.tokens, "manager"))).status_code == 204
    again = await api.http.delete(f"/v1/chairs/{chair}", headers=auth(api.tokens, "admin"))
    assert again.status_code == 404 and again.json()["error"]["code"] == "chair_not_found"
    assert (await api.chairs())[chair]["active"] is False
    # Out of the pool, they can no longer be assigned.
    other = await api.roth()
    await api.send(other, "allocate_case", social_worker=social_worker, team_manager=team_manager)
    await api.refused(other, "chair_not_in_pool", "assign_chair", chair_id=chair)
    # Another LA's manager putting the same id in their pool makes them 874's chair, not 873's.
    assert (await api.pool(chair, la="874")).status_code == 200
    await api.refused(other, "chair_not_in_pool", "assign_chair", chair_id=chair)
    # An auditor or an admin records no casework.
    for role in ("auditor", "admin"):
        await api.refused(other, "not_allowed_for_role", "assign_chair", role=role, chair_id=outsider)


# --- the new refusal codes ----------------------------------------------------------------

async def test_practice_refusals(api):
    today = api.today
    park = slug("park")
    referral = await api.start()
    await api.refused(referral, "strategy_discussion_required", "record_context_weighting", occurred_on=today,
                      at="assessment", contexts=[place(park)])
    await api.refused(referral, "not_yet_seventeen", "record_transition_plan", occurred_on=today)
    await api.refused(referral, "scope_required", "record_consent", occurred_on=today, given_by="young_person",
                      decision="given", scope=[])

    jid = await api.roth()
    await api.refused(jid, "contexts_required", "record_context_weighting", occurred_on=today, at="assessment", contexts=[])
    await api.refused(jid, "duplicate_context", "record_context_weighting", occurred_on=today, at="assessment",
                      contexts=[place(park), place(park, weight=2)])
    await api.refused(jid, "unknown_context", "record_context_weighting", occurred_on=today, at="assessment",
                      contexts=[place(park, affects=["somewhere-else"])])
    await api.refused(jid, "meeting_not_held", "record_context_weighting", occurred_on=today, at="initial_conference",
                      contexts=[place(park)])
    await api.refused(jid, "meeting_not_held", "record_participation", occurred_on=today, meeting="initial_conference",
                      participant="young_person", invited=True, attended=False)
    await api.refused(jid, "initial_conference_required", "update_plan", occurred_on=today, made_at="initial_conference",
                      needs=[], goals=[])
    await api.send(jid, "record_context_weighting", occurred_on=today, at="assessment", contexts=[place(park)])
    await chair_over_http(api.http, api.tokens, jid)
    await api.send(jid, "record_initial_conference", occurred_on=today, decision="plan", categories=["physical"])
    goal = seed_plan(park, park, today)[2]
    await api.refused(jid, "duplicate_goal", "update_plan", occurred_on=today, made_at="initial_conference", needs=[],
                      goals=[goal, goal])
    await api.refused(jid, "unknown_target", "update_plan", occurred_on=today, made_at="initial_conference", needs=[],
                      goals=[{**goal, "actions": [{**goal["actions"][0], "targets": ["bus-station"]}]}])
    await api.refused(jid, "invalid_value", "record_participation", occurred_on=today, meeting="initial_conference",
                      participant="young_person", invited=False, attended=True)
    await api.refused(jid, "date_in_future", "record_consent", occurred_on=today + timedelta(days=1),
                      given_by="parent_carer", decision="refused")


# --- contexts ---------------------------------------------------------------------------

async def test_a_context_case_referred_met_acted_on_and_closed(api):
    today = api.today
    context_id = slug("park")
    missing = slug("park")

    for role in ("auditor", "admin"):
        _, answer = await api.refer(context_id, role=role)
        assert answer.status_code == 409 and answer.json()["error"]["code"] == "not_allowed_for_role", role
    body, answer = await api.refer(context_id)
    assert answer.status_code == 201, answer.text
    referred = answer.json()
    assert set(referred) == {"case_id", "events", "state"}
    [event] = referred["events"]
    assert (event["type"], event["command_id"], event["actor_role"]) == ("ContextReferred", body["command_id"], "practitioner")
    case = referred["state"]
    assert (case["case_id"], case["context_id"], case["kind"], case["name"], case["local_authority"]) == (
        referred["case_id"], context_id, "public_place", "Riverside park", "873")
    assert (case["referred_on"], case["conferences_held"], case["closed"]) == (iso(today - timedelta(days=5)), 0, False)
    assert case["next_conference"]["kind"] == "context_conference" and case["next_conference"]["status"] == "open"
    # A retry gives the first answer; another referral of an open context is refused.
    retry = await api.http.post("/v1/contexts", json=body, headers=auth(api.tokens))
    assert retry.status_code == 201 and retry.json() == referred
    _, again = await api.refer(context_id)
    assert again.status_code == 409 and again.json()["error"]["code"] == "context_already_open"
    assert set(again.json()["error"]) == {"code", "message"}
    _, future = await api.refer(slug("park"), referred_on=today + timedelta(days=1))
    assert future.status_code == 409 and future.json()["error"]["code"] == "date_in_future"

    conference = command("record_context_conference", occurred_on=today - timedelta(days=1), decision="continue",
                         note="Wardens and lighting agreed")
    answer = await api.context_post(context_id, conference)
    assert answer.status_code == 200, answer.text
    assert [e["type"] for e in answer.json()["events"]] == ["ContextConferenceHeld"]
    assert answer.json()["state"]["conferences_held"] == 1
    assert answer.json()["state"]["next_conference"]["kind"] == "context_review"
    assert (await api.context_post(context_id, conference)).json() == answer.json()  # a retry
    refused = await api.context_post(context_id, command("record_context_conference", occurred_on=today - timedelta(days=1),
                                                         decision="continue"))
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "step_out_of_order"

    action = {"action_id": "river-path-lighting", "kind": "environmental", "description": "Repair the river path's lighting",
              "owner": "Parks service", "due_on": iso(today + timedelta(days=30))}
    answer = await api.context_post(context_id, command("record_context_action", **action))
    assert answer.status_code == 200, answer.text
    assert answer.json()["state"]["actions"] == [{**action, "done_on": None}]
    answer = await api.context_post(context_id, command("record_context_action", **action, done_on=today))
    assert answer.json()["state"]["actions"] == [{**action, "done_on": iso(today)}]

    # Roles: an auditor and an admin record nothing; practitioners, managers and systems do.
    for role in ("auditor", "admin"):
        answer = await api.context_post(context_id, command("record_context_action", **action), role=role)
        assert answer.status_code == 409 and answer.json()["error"]["code"] == "not_allowed_for_role", role
        # ... but a context that is not there is a 404 whoever asks.
        answer = await api.context_post(missing, command("record_context_action", **action), role=role)
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "context_not_found", role
    for role in ("system", "manager"):
        answer = await api.context_post(context_id, command("record_context_action", **{**action, "action_id": role}), role=role)
        assert answer.status_code == 200 and answer.json()["events"][0]["actor_role"] == role

    # Reads: every role of the LA; the case without linked journeys (none names it).
    for role in ("system", "practitioner", "manager", "auditor", "admin"):
        read = await api.context(context_id, role=role)
        assert read.status_code == 200, read.text
        assert read.json()["context_id"] == context_id and read.json()["linked_journeys"] == []
        assert read.json()["case"]["case_id"] == referred["case_id"]
        assert len(read.json()["case"]["actions"]) == 3

    # Another LA: the context answers exactly as one never referred, for reads and writes.
    for role in ("practitioner", "manager", "auditor"):
        theirs, nobodys = await api.context(context_id, role=role, la="874"), await api.context(missing, role=role, la="874")
        assert theirs.status_code == nobodys.status_code == 404 and theirs.json() == nobodys.json() == {
            "error": {"code": "context_not_found", "message": "There is no such context."}}
        body = command("record_context_conference", occurred_on=today, decision="continue")
        theirs = await api.context_post(context_id, body, role=role, la="874")
        nobodys = await api.context_post(missing, body, role=role, la="874")
        assert theirs.status_code == nobodys.status_code == 404 and theirs.json() == nobodys.json()
    assert (await api.context(missing)).status_code == 404
    assert (await api.context("Not_A_Slug")).status_code == 404
    assert (await api.http.get(f"/v1/contexts/{context_id}")).status_code == 401

    close = command("close_context", occurred_on=today, reason="safety_improved")
    closed = await api.context_post(context_id, close)
    assert closed.status_code == 200, closed.text
    assert [e["type"] for e in closed.json()["events"]] == ["ContextClosed"]
    state = closed.json()["state"]
    assert (state["closed"], state["closed_on"], state["closure_reason"], state["next_conference"]) == (
        True, iso(today), "safety_improved", None)
    # Retries after the case has closed: the first answer's events, from the log.
    retried = await api.context_post(context_id, close)
    assert retried.status_code == 200 and retried.json()["events"] == closed.json()["events"]
    assert retried.json()["state"]["closed"] is True
    retried = await api.http.post("/v1/contexts", json=first_refer_body(referred), headers=auth(api.tokens))
    assert retried.status_code == 201 and retried.json()["events"] == referred["events"]
    # Nothing more is recorded on a closed case.
    late = await api.context_post(context_id, command("record_context_conference", occurred_on=today, decision="continue"))
    assert late.status_code == 409 and late.json()["error"]["code"] == "context_closed", late.text
    read = await api.context(context_id)
    assert read.status_code == 200 and read.json()["case"]["closed"] is True
    events = await api.http.get(f"/v1/journeys/{referred['case_id']}/events", headers=auth(api.tokens, "auditor"))
    assert events.status_code == 404  # a context case is not a journey


def first_refer_body(referred: dict) -> dict:
    """The first referral's body again, from its answer (the command id and what it said)."""
    event = referred["events"][0]
    return {"command_id": event["command_id"], "context_id": event["data"]["context_id"], "kind": event["data"]["kind"],
            "name": event["data"]["name"], "referred_on": event["occurred_on"]}


async def test_a_context_linked_from_three_journeys_and_la_isolation(api):
    today = api.today
    station = slug("station")
    other = slug("peers")

    async def weighed(la: str = "873") -> str:
        jid = await api.roth(la=la)
        await api.send(jid, "record_context_weighting", la=la, occurred_on=today - timedelta(days=19), at="assessment",
                       contexts=[place(station, weight=9), place(other, kind="peer_group", weight=5),
                                 place("family-home", kind="home_family", weight=4, harm=False, safety=True)])
        return jid

    journeys = [await weighed() for _ in range(3)]
    theirs = await weighed(la="874")  # 874's own place with the same id

    listed = await api.linked()
    assert listed[station] == {"context_id": station, "open_journeys": 3, "open_case": False, "case_id": None}
    assert listed[other]["open_journeys"] == 3
    assert "family-home" not in listed  # the family is the journey's own, never shared
    assert station not in await api.linked(minimum=4)
    # LA 874 sees only its own journey naming it.
    assert station not in await api.linked(la="874")
    assert (await api.linked(minimum=1, la="874"))[station]["open_journeys"] == 1

    read = await api.context(station, role="manager")
    assert read.status_code == 200, read.text
    assert read.json()["case"] is None
    linked = read.json()["linked_journeys"]
    assert [j["journey_id"] for j in linked] == sorted(journeys)
    assert all((j["pathway"], j["stage"], j["closed"]) == ("roth", "section_47", False) for j in linked)
    assert all(j["child_id"].startswith("P") and j["next_deadline_kind"] == "initial_conference" for j in linked)
    theirs_read = await api.context(station, la="874")
    assert [j["journey_id"] for j in theirs_read.json()["linked_journeys"]] == [theirs]

    # Referred: the list says it has an open case.
    _, answer = await api.refer(station, name="High street station")
    assert answer.status_code == 201, answer.text
    case_id = answer.json()["case_id"]
    assert (await api.linked())[station] == {"context_id": station, "open_journeys": 3, "open_case": True, "case_id": case_id}
    assert (await api.linked(minimum=1, la="874"))[station]["open_case"] is False  # 873's case is not 874's
    read = (await api.context(station)).json()
    assert read["case"]["case_id"] == case_id and len(read["linked_journeys"]) == 3

    # A journey that closes no longer counts, unless closed ones are asked for.
    await api.send(journeys[0], "close_journey", occurred_on=today, reason="other")
    assert (await api.linked())[station]["open_journeys"] == 2
    assert len((await api.context(station)).json()["linked_journeys"]) == 2
    everyone = (await api.context(station, query="?include_closed=true")).json()["linked_journeys"]
    assert [j["journey_id"] for j in everyone] == sorted(journeys)
    assert next(j for j in everyone if j["journey_id"] == journeys[0])["closed"] is True
    # A context only closed journeys named is still known; one nobody named is not.
    lonely = slug("underpass")
    jid = await api.roth()
    await api.send(jid, "record_context_weighting", occurred_on=today - timedelta(days=19), at="assessment",
                   contexts=[place(lonely)])
    await api.send(jid, "close_journey", occurred_on=today, reason="other")
    read = await api.context(lonely)
    assert read.status_code == 200 and read.json() == {"context_id": lonely, "case": None, "linked_journeys": []}
    assert len((await api.context(lonely, query="?include_closed=true")).json()["linked_journeys"]) == 1
    assert (await api.context(lonely, la="874")).status_code == 404
