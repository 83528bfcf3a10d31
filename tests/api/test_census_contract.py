"""The census commands through the v1 contract: record_census_details and record_assessment,
recorded and shown in the state, their refusals writing nothing, malformed bodies answering
422, and OpenAPI listing them; through the live app with a real worker on Temporal's
time-skipping test server and the real event log."""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.schemas import COMMAND_TYPES
from contract_api import PracticeApi, command

CENSUS_TYPES = {"record_census_details", "record_assessment"}
VALID_UPN = "A950000178301"


@pytest.fixture
async def api(http, tokens, clock) -> PracticeApi:
    return PracticeApi(http, tokens, await clock.today())


async def test_openapi_lists_the_census_commands_refusals_and_state(http):
    spec = (await http.get("/openapi.json")).json()
    commands = spec["paths"]["/v1/journeys/{journey_id}/commands"]["post"]
    examples = commands["requestBody"]["content"]["application/json"]["examples"]
    assert CENSUS_TYPES <= {e["value"]["type"] for e in examples.values()} and CENSUS_TYPES <= set(COMMAND_TYPES)
    assert {"invalid_upn", "factors_required"} <= set(commands["responses"]["409"]["content"]["application/json"]["examples"])
    assert {"census", "assessments"} <= set(spec["components"]["schemas"]["JourneyState"]["properties"])


async def test_census_details_and_an_assessment_are_recorded_and_shown(api):
    jid = await api.roth()
    started = api.today - timedelta(days=20)
    answer = await api.send(jid, "record_census_details", upn=VALID_UPN, disabilities=["NONE"], referral_source="6")
    assert [ev["type"] for ev in answer["events"]] == ["CensusDetailsRecorded"]
    await api.send(jid, "record_census_details", primary_need="N1")
    await api.send(jid, "record_assessment", started_on=started)
    await api.send(jid, "record_assessment", started_on=started, authorised_on=api.today, factors=["11A", "24A"])
    state = await api.state(jid)
    assert state["census"] == {"upn": VALID_UPN, "upn_unknown": None, "disabilities": ["NONE"],
                               "referral_source": "6", "primary_need": "N1"}
    assert state["assessments"] == [{"started_on": started.isoformat(), "authorised_on": api.today.isoformat(),
                                     "factors": ["11A", "24A"]}]


async def test_census_refusals_write_nothing(api):
    jid = await api.roth()
    await api.refused(jid, "invalid_upn", "record_census_details", upn="R247962919251")
    await api.refused(jid, "factors_required", "record_assessment", started_on=api.today, authorised_on=api.today)
    await api.refused(jid, "invalid_value", "record_assessment", started_on=api.today, factors=["21", "11A"])
    await api.refused(jid, "date_in_future", "record_assessment", started_on=api.today + timedelta(days=1))


@pytest.mark.parametrize("fields", [
    {"upn": "A95000017830"},  # 12 characters
    {"referral_source": "11"},
    {"primary_need": "N10"},
    {"disabilities": ["BLIND"]},
    {"upn_unknown": "UN0"},
])
async def test_malformed_census_details_answer_422_and_write_nothing(api, fields):
    jid = await api.roth()
    before = await api.events(jid)
    answer = await api.post(jid, command("record_census_details", **fields))
    assert answer.status_code == 422, answer.text
    assert await api.events(jid) == before


async def test_a_malformed_assessment_answers_422(api):
    jid = await api.roth()
    answer = await api.post(jid, command("record_assessment", started_on=api.today, factors=["99Z"]))
    assert answer.status_code == 422, answer.text
