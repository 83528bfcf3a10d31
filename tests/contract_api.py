"""Sending journey commands through the v1 contract in tests: a thin client over the live
app's HTTP API that checks each answer (tests/api's contract suites share it)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from temporal_fixtures import auth


def years_ago(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def iso(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [iso(v) for v in value]
    if isinstance(value, dict):
        return {k: iso(v) for k, v in value.items()}
    return value


def command(type_: str, **fields) -> dict:
    return {"command_id": str(uuid.uuid4()), "type": type_, **{k: iso(v) for k, v in fields.items()}}


class ContractClient:
    """The journey calls every contract suite makes, each answer checked."""

    def __init__(self, http, tokens, today: date) -> None:
        self.http, self.tokens, self.today = http, tokens, today

    async def post(self, journey_id: str, body, role: str = "practitioner", la: str = "873"):
        return await self.http.post(f"/v1/journeys/{journey_id}/commands", json=body, headers=auth(self.tokens, role, la))

    async def send(self, journey_id: str, type_: str, role: str = "practitioner", la: str = "873", **fields) -> dict:
        answer = await self.post(journey_id, command(type_, **fields), role, la)
        assert answer.status_code == 200, answer.text
        return answer.json()

    async def refused(self, journey_id: str, code: str, type_: str, role: str = "practitioner", **fields) -> dict:
        before = await self.events(journey_id)
        answer = await self.post(journey_id, command(type_, **fields), role)
        assert answer.status_code == 409, answer.text
        error = answer.json()["error"]
        assert error["code"] == code, error
        assert error["message"] and set(error) <= {"code", "message", "journey_id"}
        assert await self.events(journey_id) == before  # nothing was written
        return error

    async def state(self, journey_id: str, role: str = "auditor", la: str = "873") -> dict:
        answer = await self.http.get(f"/v1/journeys/{journey_id}", headers=auth(self.tokens, role, la))
        assert answer.status_code == 200, answer.text
        return answer.json()

    async def events(self, journey_id: str, role: str = "auditor") -> list[dict]:
        answer = await self.http.get(f"/v1/journeys/{journey_id}/events", headers=auth(self.tokens, role))
        assert answer.status_code == 200, answer.text
        return answer.json()["events"]


class PracticeApi(ContractClient):
    """The practice and census suites' client: journeys started for a boy of 15, referred 30 days ago."""

    async def start(self, la: str = "873", dob: date | None = None, referral: date | None = None) -> str:
        body = {"command_id": str(uuid.uuid4()), "local_authority": la,
                "young_person": {"id": f"P{uuid.uuid4().hex[:12]}", "date_of_birth": iso(dob or years_ago(self.today, 15)),
                                 "sex": "M", "ethnicity": "MWBC"},
                "referral_date": iso(referral or self.today - timedelta(days=30))}
        answer = await self.http.post("/v1/journeys", json=body, headers=auth(self.tokens, "system", la))
        assert answer.status_code == 201, answer.text
        return answer.json()["journey_id"]

    async def roth(self, la: str = "873", **kwargs) -> str:
        """A journey in a ROTH s.47 enquiry (strategy discussion 20 days ago)."""
        jid = await self.start(la, **kwargs)
        await self.send(jid, "record_strategy_discussion", la=la, occurred_on=self.today - timedelta(days=20),
                        outcome="s47_roth")
        return jid

    async def pool(self, chair_id: str, name: str = "A. Chairperson", role: str = "manager", la: str = "873"):
        return await self.http.put(f"/v1/chairs/{chair_id}", json={"name": name}, headers=auth(self.tokens, role, la))

    async def chairs(self, role: str = "auditor", la: str = "873") -> dict:
        answer = await self.http.get("/v1/chairs", headers=auth(self.tokens, role, la))
        assert answer.status_code == 200, answer.text
        return {c["chair_id"]: c for c in answer.json()["chairs"]}

    async def refer(self, context_id: str, role: str = "practitioner", la: str = "873", **fields):
        body = {"command_id": str(uuid.uuid4()), "context_id": context_id, "kind": "public_place",
                "name": "Riverside park", "referred_on": iso(self.today - timedelta(days=5)), **iso(fields)}
        return body, await self.http.post("/v1/contexts", json=body, headers=auth(self.tokens, role, la))

    async def context_post(self, context_id: str, body, role: str = "practitioner", la: str = "873"):
        return await self.http.post(f"/v1/contexts/{context_id}/commands", json=body, headers=auth(self.tokens, role, la))

    async def context(self, context_id: str, role: str = "auditor", la: str = "873", query: str = ""):
        return await self.http.get(f"/v1/contexts/{context_id}{query}", headers=auth(self.tokens, role, la))

    async def linked(self, minimum: int = 2, role: str = "practitioner", la: str = "873") -> dict:
        answer = await self.http.get(f"/v1/contexts?min_open_journeys={minimum}", headers=auth(self.tokens, role, la))
        assert answer.status_code == 200, answer.text
        assert answer.json()["min_open_journeys"] == minimum
        return {c["context_id"]: c for c in answer.json()["contexts"]}


def start_body(today: date, *, referral: date | None = None, dob: date | None = None, child: str | None = None,
               la: str = "873") -> dict:
    return {"command_id": str(uuid.uuid4()), "local_authority": la,
            "young_person": {"id": child or f"C{uuid.uuid4().hex[:12]}", "date_of_birth": iso(dob or years_ago(today, 15)),
                             "sex": "F", "ethnicity": "WBRI"},
            "referral_date": iso(referral or today)}


class Api(ContractClient):
    """The contract's calls, for one test: journeys started for a girl of 15, referred today."""

    async def start(self, role: str = "system", **kwargs) -> dict:
        answer = await self.http.post("/v1/journeys", json=start_body(self.today, **kwargs), headers=auth(self.tokens, role))
        assert answer.status_code == 201, answer.text
        return answer.json()

    async def all_pages(self, query: str = "", limit: int = 500, role: str = "manager") -> list[dict]:
        rows, cursor = [], None
        while True:
            url = f"/v1/journeys?limit={limit}{query}" + (f"&cursor={cursor}" if cursor else "")
            answer = await self.http.get(url, headers=auth(self.tokens, role))
            assert answer.status_code == 200, answer.text
            page = answer.json()
            assert len(page["journeys"]) <= limit
            rows += page["journeys"]
            cursor = page["next_cursor"]
            if cursor is None:
                return rows
