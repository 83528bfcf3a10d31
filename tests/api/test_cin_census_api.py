"""The CIN census return through the HTTP API and the CLI (issue 7): the XML, the companion
file and the readiness report for a collection year; roles, LA isolation, bad input, and
the access log. The population is generated into the session's store for LA 909, which no
other suite uses (tests/census_population.py)."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import date

import pytest

from census_population import population, record
from domain.calendar import WorkingDayCalendar
from store.access_log import access_for_journey

LA = "909"
URL = "/v1/reports/cin-census"
YEAR = {"year": "2025-26"}


@pytest.fixture(scope="module")
def recorded(store) -> list[str]:
    calendar = WorkingDayCalendar()
    return record(store, LA, population(LA, calendar, seed=5), calendar, date(2026, 11, 20))


@pytest.fixture(scope="module")
def manager(token_file) -> dict:
    return {"Authorization": f"Bearer {token_file.create('manager', LA, name='census-manager')}"}


def in_return(journey_ids: list[str], store) -> list[str]:
    return [j for j in journey_ids if [a for a in access_for_journey(store.engine, LA, j) if a.what == "cin_census"]]


async def test_the_return_its_companion_and_readiness(http, recorded, manager, store):
    answer = await http.get(URL, params=YEAR, headers=manager)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/xml")
    assert 'filename="cin-census-909-2025-26.xml"' in answer.headers["content-disposition"]
    root = ET.fromstring(answer.content)
    assert root.findtext("Header/Source/LEA") == LA
    episodes = root.findall("Children/Child/CINdetails")
    assert len(episodes) == 24  # the 2024 journey's plan and episode ended before the year
    # Each journey in the return was recorded in the access log before it was answered.
    assert len(in_return(recorded, store)) == 24

    companion = await http.get(f"{URL}/companion", params=YEAR, headers=manager)
    assert companion.status_code == 200 and companion.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(companion.text)))
    assert len(rows) == len(root.findall("Children/Child/CINdetails/ChildProtectionPlans"))
    assert {"yes", "no"} == {r["roth"] for r in rows}

    for ruleset in ("cin2025_26", "cin2026_27"):
        ready = await http.get(f"{URL}/readiness", params={**YEAR, "ruleset": ruleset}, headers=manager)
        assert ready.status_code == 200, ready.text
        body = ready.json()
        assert (body["ruleset"], body["ready"], body["errors"], body["queries"], body["findings"]) == (ruleset, True, 0, 0, [])


async def test_only_managers_and_auditors_of_the_la_get_it(http, recorded, token_file):
    auditor = {"Authorization": f"Bearer {token_file.create('auditor', LA, name='census-auditor')}"}
    assert (await http.get(URL, params=YEAR, headers=auditor)).status_code == 200
    practitioner = {"Authorization": f"Bearer {token_file.create('practitioner', LA, name='census-sw')}"}
    refused = await http.get(URL, params=YEAR, headers=practitioner)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "not_allowed_for_role"
    assert (await http.get(URL, params=YEAR)).status_code == 401
    # Another LA's manager gets that LA's return: none of LA 909's young people.
    other = {"Authorization": f"Bearer {token_file.create('manager', '874', name='census-874')}"}
    answer = await http.get(URL, params=YEAR, headers=other)
    assert answer.status_code == 200 and not [x for x in ET.fromstring(answer.content).iter("LAchildID")
                                                 if x.text.startswith("POP")]


@pytest.mark.parametrize("params", [{"year": "2025-27"}, {"year": "2025"}, {}, {"year": "2027-28", "ruleset": "cin2027_28"}])
async def test_bad_years_and_rulesets_answer_422(http, manager, params):
    url = f"{URL}/readiness" if "ruleset" in params else URL
    answer = await http.get(url, params=params, headers=manager)
    assert answer.status_code == 422, answer.text


async def test_the_cli_writes_the_return_and_checks_it(recorded, store, database_url, monkeypatch, tmp_path,
                                                       keep_logging, capsys):
    from cli.main import main

    monkeypatch.setenv("PATHWAYS_DATABASE_URL", database_url)
    out = tmp_path / "cin.xml"
    assert main(["report", "cin-census", "--la", LA, "--year", "2025-26", "--out", str(out), "--check"]) == 0
    printed = capsys.readouterr().out
    assert "24 CIN episodes" in printed and "cin2025_26: 0 errors, 0 queries" in printed
    assert len(ET.parse(out).getroot().findall("Children/Child/CINdetails")) == 24
    assert (tmp_path / "cin-roth.csv").read_text().startswith("LAchildID,journey_id,")
    assert main(["report", "cin-census", "--la", LA, "--year", "2025/26", "--out", str(tmp_path / "x.xml")]) == 2
    assert not (tmp_path / "x.xml").exists()
