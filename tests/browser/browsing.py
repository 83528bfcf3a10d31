"""Helpers for the dashboard's browser tests: where Chromium is, where screenshots go, signing
in, reading table cells, and driving journeys through the HTTP API."""

from __future__ import annotations

import os
import uuid
from datetime import date, timedelta
from pathlib import Path

# Debian's Chromium (`make test` installs it when missing); Playwright's own download is not used.
CHROMIUM = os.environ.get("PATHWAYS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
LAPTOP = {"width": 1366, "height": 900}


async def cells(row) -> list[str]:
    return [text.strip() for text in await row.locator("td").all_text_contents()]


async def sign_in(page, token: str):
    await page.get_by_label("Access token").fill(token)
    async with page.expect_navigation() as navigation:
        await page.get_by_role("button", name="Sign in").click()
    return await navigation.value


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def years_before(day: date, years: int, days: int = 0) -> date:
    try:
        shifted = day.replace(year=day.year - years)
    except ValueError:  # 29 February
        shifted = day.replace(year=day.year - years, day=28)
    return shifted - timedelta(days=days)


def child_id(prefix: str) -> str:
    """A fictional LA child id, new each run."""
    return f"{prefix}{uuid.uuid4().hex[:8].upper()}"


class Api:
    """Journeys driven through the HTTP API, as a case system would."""

    def __init__(self, client, tokens: dict, local_authority: str) -> None:
        self.client, self.tokens, self.la = client, tokens, local_authority

    async def start(self, child: str, age: int, referral: date, today: date) -> str:
        answer = await self.client.post("/v1/journeys", headers=auth(self.tokens["system"]), json={
            "command_id": str(uuid.uuid4()), "local_authority": self.la,
            "young_person": {"id": child, "date_of_birth": years_before(today, age, days=40).isoformat(),
                             "sex": "M", "ethnicity": "MWBC"},
            "referral_date": referral.isoformat()})
        assert answer.status_code == 201, answer.text
        return answer.json()["journey_id"]

    async def send(self, journey_id: str, type_: str, role: str = "practitioner", **fields) -> dict:
        body = {"command_id": str(uuid.uuid4()), "type": type_, **_json(fields)}
        answer = await self.client.post(f"/v1/journeys/{journey_id}/commands", headers=auth(self.tokens[role]), json=body)
        assert answer.status_code == 200, answer.text
        return answer.json()

    async def chair(self, journey_id: str, chair_id: str, social_worker: str = "sw-0042", team_manager: str = "tm-0007"):
        """Allocate the case and give it an independent chair from the pool: what a ROTH
        conference needs first (the chair must already be in the LA's pool)."""
        await self.send(journey_id, "allocate_case", social_worker=social_worker, team_manager=team_manager)
        await self.send(journey_id, "assign_chair", chair_id=chair_id)

    async def add_chair(self, chair_id: str, name: str) -> None:
        answer = await self.client.put(f"/v1/chairs/{chair_id}", headers=auth(self.tokens["manager"]), json={"name": name})
        assert answer.status_code == 200, answer.text


def _json(value):
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json(v) for v in value]
    return value.isoformat() if hasattr(value, "isoformat") else value
