"""What the caller is told when Temporal or the database fails (services/outcomes.py, api/errors.py).

- A command is answered 2xx if and only if its events are in the log: when Temporal took a
  command and appended its events but its answer was lost (late, the connection dropped, or
  the workflow finished with this very command), the caller is answered from the log, as the
  first answer would have been; a retry gets the same.
- Temporal or the database unreachable: 503 with `temporal_unavailable` or
  `database_unavailable` and `Retry-After`, promptly, for commands and reads; nothing is
  written, and the same request sent once they are back is recorded once.
"""

from __future__ import annotations

import socket
import time
import uuid
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import timedelta

import httpx
import pytest
from temporalio.service import RPCError, RPCStatusCode

from contract_api import Api, command, start_body
from temporal_fixtures import auth
from workflows.client import CommandRefused

# Well above a prompt answer (about half a second), well below the 6-10 s the SDK's default
# retries took.
PROMPTLY = 4.0


@asynccontextmanager
async def app_client(settings, **app_options):
    from api.app import create_app

    app = create_app(settings, **app_options)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://pathways.test") as http:
            yield app, http


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def lose_answers(client, names, failure: Exception) -> None:
    """Each of the client's `names` calls goes through to Temporal, and its answer is then
    lost with `failure`."""
    for name in names:
        def call(*args, _through=getattr(client, name)):
            async def sent():
                await _through(*args)
                raise failure
            return sent()
        setattr(client, name, call)


@pytest.fixture
async def late(temporal_env, settings, store, worker, token_file, tokens, clock):
    """An app whose Temporal answers arrive too late: each command goes through, and the
    call then fails as when the answer's deadline passed."""
    async with app_client(settings, temporal=temporal_env.client, store=store, identity=token_file) as (app, http):
        svc, failure = app.state.services, RPCError("deadline exceeded", RPCStatusCode.DEADLINE_EXCEEDED, b"")
        lose_answers(svc.journeys, ("start", "send"), failure)
        lose_answers(svc.contexts, ("refer", "send"), failure)
        yield Api(http, tokens, await clock.today())


async def test_a_command_whose_answer_was_lost_is_answered_from_the_log(late, http):
    body = start_body(late.today, referral=late.today - timedelta(days=3))
    started = await late.http.post("/v1/journeys", json=body, headers=auth(late.tokens, "system"))
    assert started.status_code == 201, started.text
    jid = started.json()["journey_id"]
    assert [e["type"] for e in started.json()["events"]] == ["JourneyStarted"]

    sd = command("record_strategy_discussion", occurred_on=late.today - timedelta(days=2), outcome="s47_roth")
    first = await late.post(jid, sd)
    assert first.status_code == 200, first.text
    assert [e["type"] for e in first.json()["events"]] == ["StrategyDiscussionHeld"]
    assert first.json()["state"]["stage"] == "section_47"
    # A retry, through the app whose answers arrive (the workflow's first answer), agrees.
    retried = await Api(http, late.tokens, late.today).post(jid, sd)
    assert retried.status_code == 200 and retried.json()["events"] == first.json()["events"]
    assert [e["command_id"] for e in await late.events(jid)].count(sd["command_id"]) == 1


async def test_a_refusal_that_the_rules_made_is_still_a_refusal(late, http):
    jid = (await Api(http, late.tokens, late.today).start())["journey_id"]
    await late.refused(jid, "strategy_discussion_required", "record_initial_conference", occurred_on=late.today,
                       decision="plan", categories=["neglect"])


async def test_the_command_that_closed_the_journey_is_answered_from_the_log_not_as_closed(
        temporal_env, settings, store, worker, token_file, tokens, clock):
    """The journey's workflow finished with the command, and the answer was lost: the client
    is told what the workflow could not say (the refusal `journey_closed` would be untrue)."""
    async with app_client(settings, temporal=temporal_env.client, store=store, identity=token_file) as (app, http):
        api = Api(http, tokens, await clock.today())
        jid = (await api.start(referral=api.today - timedelta(days=1)))["journey_id"]
        lose_answers(app.state.services.journeys, ("send",), CommandRefused(
            "journey_closed", "This journey has been closed; nothing more can be recorded on it."))
        closing = command("close_journey", occurred_on=api.today, reason="transferred_out")
        answer = await api.post(jid, closing)
        assert answer.status_code == 200, answer.text
        assert answer.json()["state"]["closed"] is True
        assert "JourneyClosed" in [e["type"] for e in answer.json()["events"]]


async def test_a_context_command_whose_answer_was_lost_is_answered_from_the_log(late):
    place = f"lost-{uuid.uuid4().hex[:8]}"
    headers = auth(late.tokens)
    refer = {"command_id": str(uuid.uuid4()), "context_id": place, "kind": "public_place", "name": "Bus station",
             "referred_on": late.today.isoformat()}
    referred = await late.http.post("/v1/contexts", json=refer, headers=headers)
    assert referred.status_code == 201, referred.text
    assert [e["type"] for e in referred.json()["events"]] == ["ContextReferred"]
    conference = {"command_id": str(uuid.uuid4()), "type": "record_context_conference",
                  "occurred_on": late.today.isoformat(), "decision": "continue"}
    held = await late.http.post(f"/v1/contexts/{place}/commands", json=conference, headers=headers)
    assert held.status_code == 200, held.text
    assert held.json()["state"]["conferences_held"] == 1


async def test_temporal_unreachable_answers_503_promptly_and_nothing_is_written(
        settings, store, worker, token_file, tokens, clock, http):
    api = Api(http, tokens, await clock.today())
    jid = (await api.start(referral=api.today - timedelta(days=3)))["journey_id"]
    down = replace(settings, temporal_address=f"127.0.0.1:{closed_port()}")
    # The app makes its own client, as deployed: it starts although Temporal is not there.
    async with app_client(down, store=store, identity=token_file) as (_, unreachable):
        sd = command("record_strategy_discussion", occurred_on=api.today - timedelta(days=2), outcome="s47_roth")
        body = start_body(api.today)
        context = f"down-{uuid.uuid4().hex[:8]}"
        await answered_503_promptly(unreachable, tokens, "temporal_unavailable", (
            ("POST", f"/v1/journeys/{jid}/commands", sd), ("POST", "/v1/journeys", body),
            ("POST", "/v1/contexts", {"command_id": str(uuid.uuid4()), "context_id": context, "kind": "public_place",
                                      "name": "Bus station", "referred_on": api.today.isoformat()}),
            ("GET", f"/v1/contexts/{context}", None)))
        # Reads from the log need no Temporal.
        assert (await unreachable.get(f"/v1/journeys/{jid}", headers=auth(tokens))).status_code == 200
    assert [e["type"] for e in await api.events(jid)] == ["JourneyStarted"]
    # Sent again once Temporal answers: recorded, once.
    assert (await api.post(jid, sd)).status_code == 200
    assert [e["command_id"] for e in await api.events(jid)].count(sd["command_id"]) == 1


@pytest.mark.parametrize("where", ["sqlite file that cannot be opened", "postgresql port closed"])
async def test_a_database_that_cannot_be_reached_answers_503_promptly(
        where, temporal_env, settings, token_file, tokens, tmp_path, clock):
    url = (f"sqlite:///{tmp_path / 'no-such-folder' / 'pathways.db'}" if where.startswith("sqlite")
           else f"postgresql://pathways@127.0.0.1:{closed_port()}/pathways")
    today = await clock.today()
    async with app_client(replace(settings, database_url=url), temporal=temporal_env.client,
                          identity=token_file) as (_, http):
        journey = str(uuid.uuid4())
        await answered_503_promptly(http, tokens, "database_unavailable", (
            ("GET", "/v1/journeys", None), ("GET", f"/v1/journeys/{journey}", None),
            ("POST", "/v1/journeys", start_body(today)),
            ("POST", f"/v1/journeys/{journey}/commands", command("record_core_group", occurred_on=today))))


async def answered_503_promptly(http, tokens, code: str, requests) -> None:
    """Each (method, url, body) is answered 503 with `code` and Retry-After, within PROMPTLY."""
    for method, url, sent in requests:
        began = time.monotonic()
        answer = await http.request(method, url, json=sent, headers=auth(tokens, "system"))
        assert time.monotonic() - began < PROMPTLY, url
        assert answer.status_code == 503, (url, answer.text)
        assert answer.json()["error"]["code"] == code
        assert int(answer.headers["Retry-After"]) > 0
