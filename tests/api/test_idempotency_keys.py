"""Idempotency keys (api/idempotency.py): a command_id names one request, as Stripe's keys do.

The same command_id sent again with the same request (whatever its key order or spacing)
answers the first answer; with another request (another body, or another journey) it answers
409 `command_id_reused` and records nothing: journeys' starts and commands, context cases'
referrals and commands, also once the journey's workflow has continued as new, and when two
requests with one command_id and different bodies arrive at the same time (Temporal gives
both the first's answer: one of them is told it was another request's).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import replace
from datetime import timedelta

import httpx
import pytest

from workflows.replay import workflow_runs
from contract_api import Api, command, start_body
from temporal_fixtures import auth


@pytest.fixture
async def api(http, tokens, clock) -> Api:
    return Api(http, tokens, await clock.today())


def reused(answer: httpx.Response) -> bool:
    return answer.status_code == 409 and answer.json()["error"]["code"] == "command_id_reused"


async def test_a_command_id_sent_again_with_another_body_is_refused_and_records_nothing(api):
    jid = (await api.start(referral=api.today - timedelta(days=3)))["journey_id"]
    sd = command("record_strategy_discussion", occurred_on=api.today - timedelta(days=2), outcome="s47_roth")
    first = await api.post(jid, sd)
    assert first.status_code == 200
    before, state = await api.events(jid), await api.state(jid)

    for changed in ({**sd, "outcome": "s47_cp"}, {**sd, "occurred_on": (api.today - timedelta(days=1)).isoformat()},
                    {**sd, "harm_types": ["cce"]}):
        assert reused(await api.post(jid, changed))
    # Another journey with the same command_id and body is another request too.
    other = (await api.start())["journey_id"]
    assert reused(await api.post(other, sd))
    assert await api.events(jid) == before and await api.state(jid) == state
    assert [e["type"] for e in await api.events(other)] == ["JourneyStarted"]

    # The same request, its keys in another order and spaced otherwise, answers the first answer.
    same = json.dumps(dict(reversed(list(sd.items()))), indent=2)
    again = await api.http.post(f"/v1/journeys/{jid}/commands", content=same,
                                headers={**auth(api.tokens), "Content-Type": "application/json"})
    assert again.status_code == 200 and again.json() == first.json()


async def test_a_start_sent_again_for_another_referral_or_young_person_is_refused(api):
    body = start_body(api.today, referral=api.today - timedelta(days=5))
    first = await api.http.post("/v1/journeys", json=body, headers=auth(api.tokens, "system"))
    assert first.status_code == 201
    assert reused(await api.http.post("/v1/journeys", json={**body, "referral_date": api.today.isoformat()},
                                      headers=auth(api.tokens, "system")))
    someone_else = {**body, "young_person": {**body["young_person"], "id": f"C{uuid.uuid4().hex[:12]}"}}
    assert reused(await api.http.post("/v1/journeys", json=someone_else, headers=auth(api.tokens, "system")))
    # Nothing was started for the other young person: their own start opens their journey.
    theirs = await api.http.post("/v1/journeys", json={**someone_else, "command_id": str(uuid.uuid4())},
                                 headers=auth(api.tokens, "system"))
    assert theirs.status_code == 201 and [e["type"] for e in theirs.json()["events"]] == ["JourneyStarted"]
    again = await api.http.post("/v1/journeys", json=body, headers=auth(api.tokens, "system"))
    assert again.status_code == 201 and again.json() == first.json()


async def test_two_requests_with_one_command_id_at_once_one_answered_the_other_refused(api):
    jid = (await api.start(referral=api.today - timedelta(days=3)))["journey_id"]
    sd = command("record_strategy_discussion", occurred_on=api.today - timedelta(days=2), outcome="s47_roth")
    answers = await asyncio.gather(*(api.post(jid, {**sd, "outcome": outcome})
                                     for outcome in ("s47_roth", "s47_cp", "s47_roth", "s47_cp")))
    answered = [a for a in answers if a.status_code == 200]
    assert answered and all(reused(a) for a in answers if a.status_code != 200)
    pathway = answered[0].json()["state"]["pathway"]
    # Those answered sent the request that was recorded; every other was told it was not theirs.
    assert {a.json()["state"]["pathway"] for a in answered} == {pathway}
    assert len(answered) == 2
    assert [e["command_id"] for e in await api.events(jid)].count(sd["command_id"]) == 1


async def test_after_continue_as_new_the_same_request_gets_its_first_answer_and_another_is_refused(
        temporal_env, settings, store, worker, token_file, tokens, clock):
    from api.app import create_app

    # A journey whose workflow continues as new every 3 updates.
    app = create_app(replace(settings, max_updates_per_run=3), temporal=temporal_env.client, store=store,
                     identity=token_file)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://pathways.test") as http:
            api = Api(http, tokens, await clock.today())
            started = await api.start(referral=api.today - timedelta(days=30))
            jid = started["journey_id"]
            early = command("record_strategy_discussion", occurred_on=api.today - timedelta(days=29), outcome="s47_cp")
            first = await api.post(jid, early)
            assert first.status_code == 200
            for days_ago in (20, 15, 10, 5, 1):
                await api.send(jid, "record_visit", occurred_on=api.today - timedelta(days=days_ago), seen_alone=True)
            assert len(await workflow_runs(temporal_env.client, store.journey(jid).workflow_id)) >= 2  # continued as new

            again = await api.post(jid, early)
            assert again.status_code == 200 and again.json()["events"] == first.json()["events"]
            assert reused(await api.post(jid, {**early, "outcome": "s47_roth"}))
            assert [e["command_id"] for e in await api.events(jid)].count(early["command_id"]) == 1


async def test_context_referrals_and_commands_sent_again_with_another_body_are_refused(http, tokens, clock):
    today = await clock.today()
    place = f"idem-{uuid.uuid4().hex[:8]}"
    refer = {"command_id": str(uuid.uuid4()), "context_id": place, "kind": "public_place", "name": "Bus station",
             "referred_on": today.isoformat()}
    headers = auth(tokens)
    first = await http.post("/v1/contexts", json=refer, headers=headers)
    assert first.status_code == 201, first.text
    assert reused(await http.post("/v1/contexts", json={**refer, "name": "Coach station"}, headers=headers))
    again = await http.post("/v1/contexts", json=refer, headers=headers)
    assert again.status_code == 201 and again.json() == first.json()

    conference = {"command_id": str(uuid.uuid4()), "type": "record_context_conference",
                  "occurred_on": today.isoformat(), "decision": "continue"}
    held = await http.post(f"/v1/contexts/{place}/commands", json=conference, headers=headers)
    assert held.status_code == 200, held.text
    assert reused(await http.post(f"/v1/contexts/{place}/commands", json={**conference, "note": "Moved"}, headers=headers))
    case = (await http.get(f"/v1/contexts/{place}", headers=headers)).json()["case"]
    assert case["conferences_held"] == 1
    again = await http.post(f"/v1/contexts/{place}/commands", json=conference, headers=headers)
    assert again.status_code == 200 and again.json()["events"] == held.json()["events"]
