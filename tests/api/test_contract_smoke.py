"""The v1 contract's main path, end to end through HTTP, a real worker and the event log."""

from __future__ import annotations

import uuid

from temporal_fixtures import auth


def start_body(today, child=None):
    return {"command_id": str(uuid.uuid4()), "local_authority": "873",
            "young_person": {"id": child or f"C{uuid.uuid4().hex[:10]}", "date_of_birth": today.replace(year=today.year - 15).isoformat(),
                             "sex": "F", "ethnicity": "WBRI"},
            "referral_date": today.isoformat()}


async def test_start_command_read_and_chronology(http, tokens, clock):
    today = await clock.today()
    body = start_body(today)
    started = await http.post("/v1/journeys", json=body, headers=auth(tokens, "system"))
    assert started.status_code == 201, started.text
    journey_id = started.json()["journey_id"]
    again = await http.post("/v1/journeys", json=body, headers=auth(tokens, "system"))
    assert again.status_code == 201 and again.json() == started.json()

    command = {"command_id": str(uuid.uuid4()), "type": "record_strategy_discussion", "occurred_on": today.isoformat(), "outcome": "s47_roth"}
    answer = await http.post(f"/v1/journeys/{journey_id}/commands", json=command, headers=auth(tokens))
    assert answer.status_code == 200, answer.text
    assert answer.json()["state"]["pathway"] == "roth"
    assert (await http.post(f"/v1/journeys/{journey_id}/commands", json=command, headers=auth(tokens))).json() == answer.json()

    state = await http.get(f"/v1/journeys/{journey_id}", headers=auth(tokens, "auditor"))
    assert state.status_code == 200 and state.json()["stage"] == "section_47"
    events = await http.get(f"/v1/journeys/{journey_id}/events", headers=auth(tokens, "manager"))
    assert [e["type"] for e in events.json()["events"]] == ["JourneyStarted", "StrategyDiscussionHeld"]

    refused = await http.post(f"/v1/journeys/{journey_id}/commands", headers=auth(tokens), json={
        "command_id": str(uuid.uuid4()), "type": "record_core_group", "occurred_on": today.isoformat()})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "initial_conference_required"
    malformed = await http.post(f"/v1/journeys/{journey_id}/commands", headers=auth(tokens), json={
        "command_id": "not-a-uuid", "type": "record_core_group", "occurred_on": today.isoformat()})
    assert malformed.status_code == 422
    elsewhere = await http.get(f"/v1/journeys/{journey_id}", headers=auth(tokens, "manager", "874"))
    assert elsewhere.status_code == 404 and elsewhere.json()["error"]["code"] == "journey_not_found"
    assert (await http.get(f"/v1/journeys/{journey_id}")).status_code == 401

    duplicate = await http.post("/v1/journeys", json={**body, "command_id": str(uuid.uuid4())}, headers=auth(tokens, "system"))
    assert duplicate.status_code == 409 and duplicate.json()["error"] == {
        "code": "journey_already_open", "message": duplicate.json()["error"]["message"], "journey_id": journey_id}
    listed = await http.get("/v1/journeys?pathway=roth&limit=500", headers=auth(tokens, "manager"))
    assert journey_id in [j["journey_id"] for j in listed.json()["journeys"]]
