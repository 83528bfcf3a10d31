"""What the HTTP edge refuses before anything reaches a journey (issue 15), each found by fuzzing
the OpenAPI document: answered 422 naming the field, never a 500, a 400 or a silent acceptance."""

from __future__ import annotations

import json
import uuid

import pytest

from temporal_fixtures import auth

pytestmark = pytest.mark.slow

NO_SUCH_JOURNEY = "/v1/journeys/00000000-0000-5000-8000-000000000000/commands"


def weighting(weight) -> str:
    return ('{"command_id": "%s", "type": "record_context_weighting", "occurred_on": "2026-03-26", "at": "assessment",'
            ' "contexts": [{"context_id": "riverside-park", "kind": "public_place", "name": "Riverside park",'
            ' "harm": true, "safety": false, "weight": %s, "affects": []}]}' % (uuid.uuid4(), weight))


async def post_raw(http, path: str, body: str | bytes, headers: dict):
    return await http.post(path, content=body, headers={**headers, "Content-Type": "application/json"})


def issue(answer) -> dict:
    assert answer.status_code == 422, answer.text
    [found] = answer.json()["detail"]
    return found


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400"])
async def test_numbers_json_does_not_have_are_refused(http, tokens, number):
    answer = await post_raw(http, NO_SUCH_JOURNEY, weighting(number), auth(tokens))
    assert issue(answer)["type"] == "json_invalid"
    baseline = '{"source": "Census 2021", "counts": {"M": %s, "F": 10}}' % number
    answer = await http.put("/v1/reports/population-baseline/sex", content=baseline,
                            headers={**auth(tokens, "manager"), "Content-Type": "application/json"})
    assert issue(answer)["type"] == "json_invalid"


async def test_a_whole_number_written_with_a_point_is_the_number(http, tokens):
    # JSON Schema's integer: 8.0 is 8. The journey is unknown, so the command's shape passed.
    assert (await post_raw(http, NO_SUCH_JOURNEY, weighting("8.0"), auth(tokens))).status_code == 404
    assert issue(await post_raw(http, NO_SUCH_JOURNEY, weighting("8.5"), auth(tokens)))["type"] == "int_type"
    answer = await http.put("/v1/reports/population-baseline/sex", headers=auth(tokens, "manager"),
                            json={"source": "Census 2021", "counts": {"M": 700.0, "F": 500}})
    assert answer.status_code == 200 and answer.json()["counts"] == {"M": 700, "F": 500}


async def test_a_key_sent_twice_is_refused(http, tokens):
    body = ('{"command_id": "%s", "local_authority": "873", "local_authority": "874", "young_person": '
            '{"id": "LCS0012345", "date_of_birth": "2010-05-14", "sex": "M", "ethnicity": "MWBC"}, '
            '"referral_date": "2026-03-02"}' % uuid.uuid4())
    found = issue(await post_raw(http, "/v1/journeys", body, auth(tokens, "system")))
    assert found["type"] == "json_invalid" and "'local_authority' appears twice" in found["msg"]


async def test_a_body_that_is_not_utf8_is_a_422_not_an_undocumented_400(http, tokens):
    answer = await post_raw(http, NO_SUCH_JOURNEY, b'{"type": "\xff"}', auth(tokens))
    assert issue(answer)["type"] == "json_invalid"


@pytest.mark.parametrize("character", ["\udfff", "\x00", "\u202e", "\u200b", "\x1b", "\n"])
async def test_a_name_takes_no_character_the_record_cannot_show(http, tokens, character):
    escaped = json.dumps(f"A. Chair{character}person")  # \udfff goes as JSON's escape, a lone surrogate
    answer = await http.put("/v1/chairs/chair-0900", content='{"name": %s}' % escaped,
                            headers={**auth(tokens, "manager"), "Content-Type": "application/json"})
    found = issue(answer)
    assert found["type"] == "invalid_text" and found["loc"] == ["body", "name"]
    assert found["msg"].startswith("The name cannot be recorded: character 9")
    referral = ('{"command_id": "%s", "context_id": "riverside-park", "kind": "public_place", "name": %s, '
                '"referred_on": "2026-03-30"}' % (uuid.uuid4(), escaped))
    found = issue(await post_raw(http, "/v1/contexts", referral, auth(tokens)))
    assert found["type"] == "invalid_text" and found["loc"] == ["body", "name"]


async def test_free_text_takes_line_breaks_and_tabs_but_no_other_control(http, tokens):
    note = {"command_id": str(uuid.uuid4()), "type": "close_journey", "occurred_on": "2026-05-20",
            "reason": "other", "note": "Moved away.\r\n\tRecords sent."}
    assert (await http.post(NO_SUCH_JOURNEY, json=note, headers=auth(tokens))).status_code == 404
    found = issue(await http.post(NO_SUCH_JOURNEY, json={**note, "note": "Moved\x00away"}, headers=auth(tokens)))
    assert found["type"] == "invalid_text" and found["loc"] == ["body", "close_journey", "note"]


@pytest.mark.parametrize("child_id", ["=cmd|'/c calc'!A1", "+1", "-LCS1", "@SUM", "LCS 1", "LCS\u200b1", "", "A" * 21])
async def test_a_child_id_is_letters_digits_and_dot_underscore_slash_hyphen(http, tokens, child_id):
    body = {"command_id": str(uuid.uuid4()), "local_authority": "873",
            "young_person": {"id": child_id, "date_of_birth": "2010-05-14", "sex": "M", "ethnicity": "MWBC"},
            "referral_date": "2026-03-02"}
    found = issue(await http.post("/v1/journeys", json=body, headers=auth(tokens, "system")))
    assert found["loc"] == ["body", "young_person", "id"]


@pytest.mark.parametrize("field,value", [("referral_date", "1900-01-01"), ("referral_date", "2111-01-01"),
                                         ("young_person", "0001-01-01")])
async def test_a_date_outside_the_records_years_is_refused(http, tokens, field, value):
    body = {"command_id": str(uuid.uuid4()), "local_authority": "873",
            "young_person": {"id": "LCS0012345", "date_of_birth": "2010-05-14", "sex": "M", "ethnicity": "MWBC"},
            "referral_date": "2026-03-02"}
    if field == "young_person":
        body["young_person"]["date_of_birth"] = value
    else:
        body[field] = value
    found = issue(await http.post("/v1/journeys", json=body, headers=auth(tokens, "system")))
    assert found["type"] == "date_out_of_range" and "1990 to 2110" in found["msg"]


@pytest.mark.parametrize("path", [
    "/v1/reports/cohort?from=0001-01-01&to=9999-12-31",
    "/v1/reports/roth-dataset?from=0001-01-01&to=2026-01-01",
    "/v1/kpis?from=2026-01-01&to=9999-12-31",
    "/v1/journeys?due_before=0",
    "/v1/journeys?due_before=9999-12-31",
    "/v1/journeys/00000000-0000-5000-8000-000000000000/state?as_recorded_at=9999-12-31T23:59:59-14:00",
    "/v1/journeys/00000000-0000-5000-8000-000000000000/state?as_recorded_at=0",
    "/v1/journeys/00000000-0000-5000-8000-000000000000/state?as_recorded_at=2026-04-01T17:00:00",
    "/v1/journeys/00000000-0000-5000-8000-000000000000/state?as_occurred_by=0001-01-01",
])
async def test_query_dates_are_the_records_dates_too(http, tokens, path):
    answer = await http.get(path, headers=auth(tokens, "manager"))
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["loc"][0] == "query"


async def test_a_method_a_path_does_not_take_names_every_method_it_does(http, tokens):
    answer = await http.post("/v1/chairs/chair-0003", headers=auth(tokens, "manager"))
    assert answer.status_code == 405 and answer.headers["allow"] == "DELETE, PUT"
    assert answer.json()["error"]["code"] == "method_not_allowed"
    answer = await http.delete("/v1/journeys/00000000-0000-5000-8000-000000000000", headers=auth(tokens))
    assert answer.status_code == 405 and answer.headers["allow"] == "GET"


async def test_a_path_no_route_serves_answers_in_the_error_shape(http, tokens):
    answer = await http.get("/v1/nothing-here", headers=auth(tokens))
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"


async def test_a_query_parameter_no_route_takes_is_refused_not_ignored(http, tokens):
    # A misspelt filter would otherwise list every journey for the few asked for.
    answer = await http.get("/v1/journeys?duebefore=2026-01-01", headers=auth(tokens))
    assert issue(answer) == {"type": "extra_forbidden", "loc": ["query", "duebefore"],
                             "msg": "Extra inputs are not permitted", "input": "2026-01-01"}
    assert (await http.get("/v1/chairs?x=1", headers=auth(tokens))).status_code == 422
