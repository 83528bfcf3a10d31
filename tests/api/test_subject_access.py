"""Subject access (services/subject_access.py) through the HTTP API and `pathways subject-access`:
everything held about one young person across their journeys, an auditor's only, confined to
the LA, recorded in the access log, and never named in the request log.

The young person here has two journeys: a CP journey with a plan, their views and their
consent, closed; and a later referral, open. Another young person of the same LA is the
control: nothing of theirs may be in the export.
"""

from __future__ import annotations

import io
import json
import uuid
from datetime import timedelta

import pytest
import structlog
from sqlalchemy import select

from observability.logs import configure_logging

from contract_api import Api, command, start_body
from store.schema import access_log
from temporal_fixtures import auth

URL = "/v1/audit/subject-access"


@pytest.fixture
async def api(http, tokens, clock) -> Api:
    return Api(http, tokens, await clock.today())


@pytest.fixture
async def young_person(api) -> dict:
    """A young person with a closed journey and a later, open one; and someone else's journey."""
    today, child = api.today, f"SA{uuid.uuid4().hex[:12]}"
    views = f"Wants to stay at her school {uuid.uuid4().hex[:8]}"
    first = (await api.start(child=child, referral=today - timedelta(days=40)))["journey_id"]
    await api.send(first, "record_strategy_discussion", occurred_on=today - timedelta(days=35), outcome="s47_cp")
    await api.send(first, "record_initial_conference", occurred_on=today - timedelta(days=30), decision="plan",
                   categories=["neglect"])
    await api.send(first, "record_participation", occurred_on=today - timedelta(days=30), meeting="initial_conference",
                   participant="young_person", invited=True, attended=True, views=views)
    await api.send(first, "record_consent", occurred_on=today - timedelta(days=30), given_by="young_person",
                   decision="given", scope=["education"])
    await api.send(first, "close_journey", occurred_on=today - timedelta(days=20), reason="other")
    later = (await api.start(child=child, referral=today - timedelta(days=5)))["journey_id"]
    other = (await api.start())["journey_id"]
    return {"child": child, "views": views, "journeys": [first, later], "other": other}


@pytest.fixture
def request_log():
    """The service's structured log lines while the test runs, as production writes them."""
    stream, previous = io.StringIO(), structlog.get_config()
    configure_logging("info", stream=stream)
    try:
        yield stream
    finally:
        structlog.configure(**previous)


async def export(api, child: str, role: str = "auditor", la: str = "873", format: str = "json", request_id=None):
    headers = {**auth(api.tokens, role, la), **({"X-Request-Id": request_id} if request_id else {})}
    return await api.http.post(URL, json={"child_id": child, "format": format}, headers=headers)


def rows_of(store, request_id: str) -> list[tuple]:
    with store.engine.connect() as connection:
        found = connection.execute(
            select(access_log).where(access_log.c.request_id == request_id).order_by(access_log.c.id)).all()
    return [(r.actor, r.actor_role, r.local_authority, r.journey_id, r.what, r.channel, r.detail) for r in found]


async def test_the_export_holds_both_journeys_and_is_recorded(api, young_person, store):
    child, (first, later) = young_person["child"], young_person["journeys"]
    request_id = f"sa-{uuid.uuid4()}"
    answer = await export(api, child, request_id=request_id)
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert (found["local_authority"], found["child_id"]) == ("873", child)
    assert [j["journey_id"] for j in found["journeys"]] == [first, later]
    closed, open_ = found["journeys"]
    assert closed["closed"] and closed["state"]["closure_reason"] == "other" and not open_["closed"]
    assert {j["state"]["young_person"]["id"] for j in found["journeys"]} == {child}
    # The closed journey's plan, views and consent, and its whole chronology as the API reads it.
    assert closed["state"]["plan"]["categories"] == ["neglect"]
    assert [p["views"] for p in closed["state"]["participation"]] == [young_person["views"]]
    assert [c["decision"] for c in closed["state"]["consents"]] == ["given"]
    chronology = (await api.http.get(f"/v1/journeys/{first}/chronology", headers=auth(api.tokens, "auditor"))).json()
    assert closed["chronology"] == chronology["events"][:len(closed["chronology"])]
    assert [e["type"] for e in closed["chronology"]][-1] == "JourneyClosed"
    assert {d["kind"] for d in open_["state"]["deadlines"]}  # the open journey's deadlines, judged today
    # The access log's rows about each journey, up to this export (the start's answer, at least).
    assert all(any(a["what"] == "command_answer" for a in j["access_log"]) for j in found["journeys"])
    assert young_person["other"] not in json.dumps(found)

    # Recorded: a row per journey, the auditor's, through the API, with the format.
    auditor = "auditor-873"
    assert rows_of(store, request_id) == [(auditor, "auditor", "873", jid, "subject_access", "api", "format=json")
                                          for jid in (first, later)]
    # The next export lists the first among the journeys' reads.
    again = (await export(api, child)).json()
    assert [a["request_id"] for a in again["journeys"][0]["access_log"] if a["what"] == "subject_access"] == [request_id]

    page, request_id = await export(api, child, format="html", request_id=f"sa-{uuid.uuid4()}"), None
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    text = page.text
    assert text.startswith("<!DOCTYPE html>") and child in text and first in text and later in text
    assert young_person["views"] in text and "Initial child protection conference" in text and "Journey closed" in text


async def test_refused_to_another_la_and_to_every_role_but_the_auditor(api, young_person, store):
    child = young_person["child"]
    for la, child_id in (("874", child), ("873", f"NO{uuid.uuid4().hex[:10]}")):
        request_id = f"sa-{uuid.uuid4()}"
        answer = await export(api, child_id, la=la, request_id=request_id)
        assert answer.status_code == 404, answer.text
        assert answer.json()["error"]["code"] == "young_person_not_found"
        assert rows_of(store, request_id) == []
    # The same answer for another LA's young person as for one never known.
    elsewhere = (await export(api, child, la="874")).json()
    unknown = (await export(api, f"NO{uuid.uuid4().hex[:10]}")).json()
    assert elsewhere == unknown
    for role in ("system", "practitioner", "manager", "admin"):
        request_id = f"sa-{uuid.uuid4()}"
        answer = await export(api, child, role=role, request_id=request_id)
        assert answer.status_code == 409, answer.text
        assert answer.json()["error"]["code"] == "not_allowed_for_role"
        assert rows_of(store, request_id) == []
    assert (await api.http.post(URL, json={"child_id": child})).status_code == 401
    for bad in ({"child_id": "has spaces"}, {"child_id": child, "format": "pdf"}, {"child_id": child, "extra": 1}, {}):
        assert (await api.http.post(URL, json=bad, headers=auth(api.tokens, "auditor"))).status_code == 422, bad


async def test_the_request_log_names_no_one(api, young_person, request_log):
    child = young_person["child"]
    assert (await export(api, child)).status_code == 200
    assert (await export(api, child, format="html")).status_code == 200
    assert (await export(api, child, la="874")).status_code == 404
    text = request_log.getvalue()
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    lines = [line for line in lines if line.get("event") == "request" and line.get("route") == URL]
    assert len(lines) == 3 and [line["status"] for line in lines] == [200, 200, 404]
    assert lines[-1]["error_code"] == "young_person_not_found"
    assert child not in text and young_person["views"] not in text
    dob = start_body(api.today)["young_person"]["date_of_birth"]  # the fixture's young people are all born that day
    assert dob not in text


async def test_the_cli_writes_json_and_html_and_records_the_export(api, young_person, store, database_url, settings,
                                                                   monkeypatch, tmp_path, keep_logging, capsys):
    from cli.main import main
    from store.access_log import access_for_journey

    child, journeys = young_person["child"], young_person["journeys"]
    monkeypatch.setenv("PATHWAYS_DATABASE_URL", database_url)
    monkeypatch.setenv("PATHWAYS_ID_KEY", settings.id_key.hex())
    out_json, out_html = tmp_path / "export.json", tmp_path / "export.html"
    assert main(["subject-access", "--la", "873", "--child-id", child, "--json", str(out_json),
                 "--html", str(out_html)]) == 0
    found = json.loads(out_json.read_text(encoding="utf-8"))
    assert [j["journey_id"] for j in found["journeys"]] == journeys
    assert child in out_html.read_text(encoding="utf-8") and young_person["views"] in out_html.read_text(encoding="utf-8")
    assert "2 journeys written to" in capsys.readouterr().out
    for jid in journeys:
        reads = [a for a in access_for_journey(store.engine, "873", jid) if a.what == "subject_access"]
        assert [(a.actor_role, a.channel, a.detail) for a in reads][-1] == ("operator", "cli", "format=json+html")

    # Another LA has no such young person: nothing written, nothing recorded.
    nothing = tmp_path / "nothing.json"
    assert main(["subject-access", "--la", "874", "--child-id", child, "--json", str(nothing),
                 "--html", str(tmp_path / "nothing.html")]) == 1
    assert not nothing.exists()


async def test_the_operation_is_in_the_openapi_document_with_its_answers(http):
    operation = (await http.get("/openapi.json")).json()["paths"][URL]["post"]
    assert operation["security"] == [{"HTTPBearer": []}]
    assert {"200", "401", "404", "409", "422", "503"} <= set(operation["responses"])
    assert {"application/json", "text/html; charset=utf-8"} <= set(operation["responses"]["200"]["content"])
    body = operation["requestBody"]["content"]["application/json"]
    assert body["examples"]["json"]["value"]["child_id"]
    assert operation["responses"]["404"]["content"]["application/json"]["examples"]
