"""The cohort report on the dashboard, in a real browser (conftest.py serves the live app and
drives Chromium): reached from the navigation, its tables with suppressed counts marked, its
charts drawn, the threshold changed with the form, an export downloaded, and another LA's
manager seeing only their own cohort.

The young people are recorded through the HTTP API, as a case system would, in an LA of this
module's own (993), so the report counts exactly them. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import timedelta

import httpx
import pytest
from playwright.async_api import expect

from browsing import ARTIFACTS, Api, auth, cells, child_id, sign_in, years_before
from store.access_log import access_by_user
from workflows.local_time import london_date

pytestmark = pytest.mark.slow

LA, OTHER_LA = "993", "992"
CHAIR = "chair-cohort-01"


def row(page, table: str, label: str):
    """The row of the table (by id) whose heading is exactly `label`."""
    return page.locator(f"#table-{table}").get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=label, exact=True))


async def charts_drawn(page) -> None:
    """Every chart of the page is an image the browser has decoded (an SVG of some size)."""
    images = page.locator("figure.chart img")
    await expect(images).to_have_count(7)
    for index in range(7):
        image = images.nth(index)
        await expect(image).to_have_js_property("complete", True)
        assert await image.evaluate("img => img.naturalWidth") > 300, await image.get_attribute("src")


class Story:
    """The young people this module records, and their LA's tokens."""


@pytest.fixture(scope="module")
async def story(live_app, token_file, temporal_env) -> Story:
    """Eight plans made in the last two months, in LA 993:

    six child protection plans: five girls of 14 (WBRI), one boy of 9 (MWBC);
    two ROTH plans: boys of 16 (BCRB), criminal exploitation found at the strategy discussion.

    So, by hand: pathway CP 6, ROTH 2; sex F 5, M 3; ethnicity WBRI 5, BCRB 2, MWBC 1; ages
    under 10: 1, 13-15: 5, 16-17: 2. Every conference within 15 working days (9 days on).
    """
    today = london_date(await temporal_env.get_current_time())
    s = Story()
    s.today = today
    s.tokens = {role: token_file.create(role, LA, name=f"{role}-{LA}") for role in ("system", "practitioner", "manager")}
    s.tokens["auditor"] = token_file.create("auditor", LA, name=f"auditor-{LA}")
    s.other_manager = token_file.create("manager", OTHER_LA, name=f"manager-{OTHER_LA}")
    async with httpx.AsyncClient(base_url=live_app, timeout=30) as client:
        api = Api(client, s.tokens, LA)
        await api.add_chair(CHAIR, "A. Chairperson")

        async def plan(pathway: str, age: int, sex: str, ethnicity: str, days_ago: int, harm=()) -> str:
            discussion = today - timedelta(days=days_ago)
            answer = await client.post("/v1/journeys", headers=auth(s.tokens["system"]), json={
                "command_id": str(uuid.uuid4()), "local_authority": LA,
                "young_person": {"id": child_id("COH"), "date_of_birth": years_before(today, age, days=70).isoformat(),
                                 "sex": sex, "ethnicity": ethnicity},
                "referral_date": (discussion - timedelta(days=2)).isoformat()})
            assert answer.status_code == 201, answer.text
            journey = answer.json()["journey_id"]
            await api.send(journey, "record_strategy_discussion", occurred_on=discussion, outcome=f"s47_{pathway}",
                           harm_types=list(harm))
            if pathway == "roth":
                await api.chair(journey, CHAIR)
            await api.send(journey, "record_initial_conference", occurred_on=discussion + timedelta(days=9),
                           decision="plan", categories=["physical"])
            return journey

        for n in range(5):
            await plan("cp", 14, "F", "WBRI", 30 + 3 * n)
        await plan("cp", 9, "M", "MWBC", 25)
        for n in range(2):
            await plan("roth", 16, "M", "BCRB", 40 + 3 * n, harm=("cce",))
    return s


async def test_a_manager_reads_the_cohort_report_with_small_numbers_suppressed(page, live_app, story, store):
    await page.goto(f"{live_app}/dashboard/sign-in")
    await sign_in(page, story.tokens["manager"])
    await page.get_by_role("link", name="Cohort report").click()
    await expect(page).to_have_url(f"{live_app}/dashboard/reports/cohort")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Cohort report")
    await expect(page.get_by_role("link", name="Cohort report")).to_have_attribute("aria-current", "page")
    # The last 12 months by default, at the default threshold.
    assert await page.get_by_label("To").input_value() == story.today.isoformat()
    assert await page.get_by_label("Suppress counts under").input_value() == "5"

    # Pathway: ROTH 2 is under 5 and CP 6 would give it away from the total: both suppressed.
    assert await cells(row(page, "pathway", "ROTH")) == ["[c] suppressed"]
    assert await cells(row(page, "pathway", "Child protection")) == ["[c] suppressed"]
    assert await cells(row(page, "pathway", "Total")) == ["8"]
    # Ethnicity: White British 5 published; Black Caribbean 2 and White and Black Caribbean 1 not.
    assert await cells(row(page, "ethnicity", "White British")) == ["5"]
    assert await cells(row(page, "ethnicity", "Black Caribbean")) == ["[c] suppressed"]
    assert await cells(row(page, "ethnicity", "White and Black Caribbean")) == ["[c] suppressed"]
    # Sex: M 3 suppressed, and F 5 with it.
    assert await cells(row(page, "sex", "Female")) == ["[c] suppressed"]
    # Every chart is drawn (an SVG the browser decoded), each beside its table.
    await charts_drawn(page)
    await page.screenshot(path=ARTIFACTS / "dashboard-cohort.png", full_page=True)
    await page.locator("#table-ethnicity").locator("xpath=../..").locator("figure.chart img").screenshot(
        path=ARTIFACTS / "dashboard-cohort-ethnicity-chart.png")

    # With nothing suppressed (threshold 1) the hand counts show.
    await page.get_by_label("Suppress counts under").fill("1")
    await page.get_by_role("button", name="Show the report").click()
    await expect(page).to_have_url(f"{live_app}/dashboard/reports/cohort?from="
                                   f"{(await page.get_by_label('From').input_value())}&to={story.today.isoformat()}&threshold=1")
    assert await cells(row(page, "pathway", "ROTH")) == ["2"]
    assert await cells(row(page, "pathway", "Child protection")) == ["6"]
    assert await cells(row(page, "age_band", "Under 10")) == ["1"]
    assert await cells(row(page, "harm_type", "Child criminal exploitation")) == ["2"]
    tiles = page.locator("section", has=page.get_by_role("heading", name="Timeliness of initial conferences"))
    await expect(tiles.get_by_role("listitem").filter(has_text="last strategy discussion")).to_contain_text("100%")
    share = page.locator("section", has=page.get_by_role("heading", name="ROTH plans among child protection plans"))
    await expect(share).to_contain_text("2 of 7 plans")  # the 9-year-old is not counted
    await charts_drawn(page)
    await page.screenshot(path=ARTIFACTS / "dashboard-cohort-threshold-1.png", full_page=True)

    # The CSV export, downloaded from the page's link, holds the same published tables.
    async with page.expect_download() as download_info:
        await page.get_by_role("link", name="CSV").click()
    download = await download_info.value
    text = (await download.path()).read_text(encoding="utf-8")
    rows = [r for r in csv.DictReader(io.StringIO(text)) if r["table"] == "pathway"]
    assert [(r["row"], r["value"]) for r in rows] == [("roth", "2"), ("cp", "6"), ("Total", "8")]
    assert download.suggested_filename.startswith(f"cohort-report-{LA}-")

    # Each read was recorded, naming no journey: the pages, the charts, the export.
    reads = [a for a in access_by_user(store.engine, LA, f"manager-{LA}") if a.what == "cohort_report"]
    details = [a.detail.rsplit(" ", 1)[1] for a in reads]
    assert details.count("page") == 2 and details.count("format=csv") == 1 and details.count("chart=ethnicity") == 2
    assert {a.channel for a in reads} == {"dashboard"} and {a.journey_id for a in reads} == {None}


async def test_a_bad_period_is_explained_and_another_la_sees_its_own_cohort(page, live_app, story):
    await page.goto(f"{live_app}/dashboard/sign-in")
    await sign_in(page, story.tokens["auditor"])
    answer = await page.goto(f"{live_app}/dashboard/reports/cohort?from=2026-05-01&to=2026-04-01&threshold=5")
    assert answer.status == 400
    await expect(page.get_by_role("alert")).to_contain_text("The period ends before it starts.")
    await expect(page.locator("#table-pathway")).to_have_count(0)
    answer = await page.goto(f"{live_app}/dashboard/reports/cohort?threshold=0")
    assert answer.status == 400
    await expect(page.get_by_role("alert")).to_contain_text("whole number from 1 to 100")

    await page.get_by_role("button", name="Sign out").click()
    await sign_in(page, story.other_manager)
    await page.goto(f"{live_app}/dashboard/reports/cohort?threshold=1")
    await expect(page.get_by_role("heading", level=1)).to_contain_text(OTHER_LA)
    assert await cells(row(page, "pathway", "Total")) == ["0"]
