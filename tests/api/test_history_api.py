"""The auditors' questions over HTTP: corrections through the contract, the chronology with
corrections beside what they correct, and the state as it stood on either time axis."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from test_access_log import User, signed_in
from contract_api import Api
from temporal_fixtures import auth


async def test_a_late_recorded_conference_a_correction_and_both_axes(http, tokens, clock):
    today = await clock.today()
    api = Api(http, tokens, today)
    sd_on = today - timedelta(days=12)
    jid = (await api.start(referral=today - timedelta(days=14)))["journey_id"]
    sd = await api.send(jid, "record_strategy_discussion", occurred_on=sd_on, outcome="s47_cp")
    before_conference = sd["events"][-1]["recorded_at"]
    await asyncio.sleep(0.01)
    # A conference held a week ago, recorded only now.
    held_on = today - timedelta(days=7)
    answer = await api.send(jid, "record_initial_conference", occurred_on=held_on, decision="plan", categories=["neglect"])
    held = next(e for e in answer["events"] if e["type"] == "InitialConferenceHeld")

    async def state(**query) -> dict:
        answer = await http.get(f"/v1/journeys/{jid}/state", params=query, headers=auth(tokens, "auditor"))
        assert answer.status_code == 200, answer.text
        return answer.json()["state"]

    # The record before the conference was recorded: the enquiry still open.
    assert (await state(as_recorded_at=before_conference))["stage"] == "section_47"
    # As it stood the day after the conference, by what we know now: on a plan.
    assert (await state(as_occurred_by=(held_on + timedelta(days=1)).isoformat()))["stage"] == "plan"
    # Both: the record then, of that day: no plan yet.
    assert (await state(as_recorded_at=before_conference, as_occurred_by=(held_on + timedelta(days=1)).isoformat()))["stage"] == "section_47"

    # The minutes were dated wrongly: the conference was the day before.
    corrected_on = held_on - timedelta(days=1)
    answer = await api.send(jid, "correct_event", event_id=held["event_id"], field="occurred_on",
                            value=corrected_on.isoformat(), reason="Minutes dated the day they were typed")
    [correction] = answer["events"]
    assert correction["type"] == "EventCorrected" and correction["data"]["corrects"] == held["event_id"]
    assert answer["state"]["plan"]["started_on"] == corrected_on.isoformat()
    assert (await state(as_occurred_by=corrected_on.isoformat()))["stage"] == "plan"
    assert (await state(as_recorded_at=correction["recorded_at"], as_occurred_by=corrected_on.isoformat()))["stage"] == "plan"
    # Before the correction was recorded, the record put the conference a day later.
    assert (await state(as_recorded_at=held["recorded_at"], as_occurred_by=corrected_on.isoformat()))["stage"] == "section_47"

    chronology = await http.get(f"/v1/journeys/{jid}/chronology", headers=auth(tokens, "auditor"))
    assert chronology.status_code == 200
    entries = {e["event_id"]: e for e in chronology.json()["events"]}
    assert entries[held["event_id"]]["corrected_by"] == [correction["event_id"]]
    assert entries[correction["event_id"]]["corrects"] == held["event_id"]
    assert all(e["hash"] and e["recorded_at"] and e["actor_role"] for e in entries.values())


async def test_correction_refusals_and_reads_stay_in_the_la(http, tokens, clock):
    today = await clock.today()
    api = Api(http, tokens, today)
    jid = (await api.start(referral=today - timedelta(days=5)))["journey_id"]
    answer = await api.send(jid, "record_strategy_discussion", occurred_on=today - timedelta(days=4), outcome="s47_cp")
    held = answer["events"][0]
    await api.refused(jid, "event_not_found", "correct_event", event_id="no-such-event", field="occurred_on",
                      value=today.isoformat(), reason="typo")
    await api.refused(jid, "reason_required", "correct_event", event_id=held["event_id"], field="outcome",
                      value="s47_roth", reason=" ")
    corrected = await api.send(jid, "correct_event", event_id=held["event_id"], field="outcome", value="s47_roth",
                               reason="The strategy discussion chose the ROTH pathway")
    assert corrected["state"]["pathway"] == "roth"
    await api.refused(jid, "not_allowed_for_role", "correct_event", role="auditor", event_id=held["event_id"],
                      field="outcome", value="s47_cp", reason="x")
    for path in (f"/v1/journeys/{jid}/state", f"/v1/journeys/{jid}/chronology"):
        assert (await http.get(path, headers=auth(tokens, "auditor", "874"))).status_code == 404
    bad = await http.get(f"/v1/journeys/{jid}/state", params={"as_recorded_at": "2026-01-01T10:00:00"},
                         headers=auth(tokens, "auditor"))
    assert bad.status_code == 422


async def test_the_dashboard_shows_the_case_as_it_stood(dashboard_app, http, tokens, token_file, clock):
    today = await clock.today()
    api = Api(http, tokens, today)
    referral = today - timedelta(days=6)
    jid = (await api.start(referral=referral))["journey_id"]
    await api.send(jid, "record_strategy_discussion", occurred_on=today - timedelta(days=5), outcome="s47_roth")
    client = await signed_in(dashboard_app, User(token_file, "auditor"))
    now = await client.get(f"/dashboard/journeys/{jid}")
    assert now.status_code == 200 and "Pathway not decided yet" not in now.text and 'id="as-of-shown"' not in now.text
    then = await client.get(f"/dashboard/journeys/{jid}", params={"as_occurred_by": referral.isoformat()})
    assert then.status_code == 200 and 'id="as-of-shown"' in then.text
    assert "Pathway not decided yet" in then.text.split("</h1>")[0]
    # A malformed date shows the journey as it stands.
    odd = await client.get(f"/dashboard/journeys/{jid}", params={"as_occurred_by": "yesterday"})
    assert odd.status_code == 200 and 'id="as-of-shown"' not in odd.text


async def test_the_auditors_questions_are_recorded_in_the_access_log(http, tokens, clock):
    today = await clock.today()
    api = Api(http, tokens, today)
    jid = (await api.start(referral=today - timedelta(days=3)))["journey_id"]
    headers = auth(tokens, "auditor")
    assert (await http.get(f"/v1/journeys/{jid}/state", params={"as_occurred_by": today.isoformat()}, headers=headers)).status_code == 200
    assert (await http.get(f"/v1/journeys/{jid}/chronology", headers=headers)).status_code == 200
    logged = (await http.get("/v1/audit/access", params={"journey_id": jid}, headers=headers)).json()
    rows = [(r["what"], r["actor_role"], r["channel"]) for r in logged["entries"] if r["actor_role"] == "auditor"]
    assert ("journey", "auditor", "api") in rows and ("events", "auditor", "api") in rows
