"""The managers' dashboard in a real browser: headless Chromium driven by Playwright, against
the live app served by uvicorn on 127.0.0.1, with the session's real worker on the
time-skipping server behind it.

Journeys are driven through the HTTP API so that one has a missed initial conference, one
is on a plan with deadlines coming up, and one moved from child protection to ROTH and has
an extended deadline. A manager then signs in and checks what a manager would check.
Screenshots go to tests/artifacts/ (gitignored).
"""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
import structlog
from playwright.async_api import expect

from api.dashboard.words import uk_date
from browsing import ARTIFACTS, Api, cells, child_id, sign_in
from domain.calendar import WorkingDayCalendar
from temporal_fixtures import eventually
from workflows.local_time import london_date

pytestmark = pytest.mark.slow

# An LA of the browser tests' own, so that the overview shows exactly the journeys below
# whatever else the session has run; 874 stays "someone else's LA".
LA = "999"
CAL = WorkingDayCalendar()


# --- journeys in the live app (conftest.py serves it and drives the browser) ----------------

class Story:
    """The journeys this module drives, and what the pages should say about them."""


@pytest.fixture(scope="module")
async def story(live_app, token_file, store, temporal_env) -> Story:
    today = london_date(await temporal_env.get_current_time())
    s = Story()
    s.today = today
    s.tokens = {role: token_file.create(role, LA, name=f"{role}-{LA}")
                for role in ("system", "practitioner", "manager", "auditor")}
    async with httpx.AsyncClient(base_url=live_app, timeout=30) as api:
        driver = Api(api, s.tokens, LA)

        async def start(child: str, age: int, referral) -> str:
            return await driver.start(child, age, referral, today)

        send = driver.send

        # A: ROTH, strategy discussion 35 days ago, no initial conference: overdue at once.
        s.overdue_child = child_id("DBA")
        discussion = today - timedelta(days=35)
        s.overdue_due = CAL.add_working_days(discussion, 15)
        assert s.overdue_due < today
        s.overdue = await start(s.overdue_child, 15, discussion - timedelta(days=2))
        await send(s.overdue, "record_strategy_discussion", occurred_on=discussion, outcome="s47_roth")

        # B: child protection, on a plan whose first core group falls due in the next 7 days
        # (10 working days after the conference, whatever bank holidays lie between).
        s.cp_child = child_id("DBB")
        conference = next(today - timedelta(days=k) for k in range(1, 40)
                          if today < CAL.add_working_days(today - timedelta(days=k), 10) <= today + timedelta(days=6))
        s.cp = await start(s.cp_child, 13, conference - timedelta(days=8))
        await send(s.cp, "record_strategy_discussion", occurred_on=conference - timedelta(days=7), outcome="s47_cp")
        await send(s.cp, "record_initial_conference", occurred_on=conference, decision="plan", categories=["neglect"])

        # C: child protection, then moved to ROTH at a review; a core group deadline extended.
        s.moved_child = child_id("DBC")
        s.moved = await start(s.moved_child, 16, today - timedelta(days=82))
        await send(s.moved, "record_strategy_discussion", occurred_on=today - timedelta(days=80), outcome="s47_cp")
        await send(s.moved, "record_initial_conference", occurred_on=today - timedelta(days=65), decision="plan", categories=["physical"])
        await send(s.moved, "record_visit", occurred_on=today - timedelta(days=60), seen_alone=True)
        await send(s.moved, "record_core_group", occurred_on=today - timedelta(days=58))
        s.transfer_on = today - timedelta(days=30)
        await send(s.moved, "record_review_conference", occurred_on=s.transfer_on, decision="transfer_to_roth", categories=["sexual"])
        await send(s.moved, "record_core_group", occurred_on=today - timedelta(days=20))
        await send(s.moved, "record_visit", occurred_on=today - timedelta(days=2), seen_alone=False)
        answer = await send(s.moved, "record_core_group", occurred_on=today - timedelta(days=1))
        core = next(d for d in answer["state"]["deadlines"] if d["kind"] == "core_group" and d["status"] == "open")
        s.extended_from = core["due_on"]
        s.extended_to = (CAL.add_working_days(today, 40)).isoformat()
        await send(s.moved, "extend_deadline", role="manager", deadline="core_group", new_due_on=s.extended_to,
                   reason="Independent chair on leave; agreed with the young person and family")

    # The journey's clock records the miss once the commands have settled (a few seconds).
    await eventually(lambda: store.journey(s.overdue).overdue, timeout=60)
    await eventually(lambda: "DeadlineMissed" in [e.type for e in store.read_stream(s.overdue)], timeout=60)
    return s


# --- the tests ------------------------------------------------------------------------------

async def test_manager_finds_the_overdue_journey_and_checks_it(page, browser_context, live_app, story):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    with structlog.testing.capture_logs() as logs:
        await page.goto(f"{live_app}/dashboard")
        await expect(page).to_have_url(f"{live_app}/dashboard/sign-in")
        await sign_in(page, story.tokens["manager"])

        # The session is a server-side id in an HttpOnly, SameSite=Strict cookie, not the token.
        cookies = {c["name"]: c for c in await browser_context.cookies()}
        session = cookies["sp_dashboard_session"]
        assert session["httpOnly"] and session["sameSite"] == "Strict" and session["path"] == "/dashboard"
        assert story.tokens["manager"] not in session["value"]

        # Overview: the overdue journey is listed, with its missed deadline.
        await expect(page.get_by_role("heading", level=1)).to_contain_text("Overview")
        overdue = page.locator("section", has=page.get_by_role("heading", name="Overdue now"))
        row = overdue.get_by_role("row").filter(has_text=story.overdue_child)
        await expect(row).to_contain_text("Initial conference")
        await expect(row).to_contain_text(f"due {uk_date(story.overdue_due)}")
        await expect(row).to_contain_text("Overdue")
        await expect(overdue).not_to_contain_text(story.moved_child)
        soon = page.locator("section", has=page.get_by_role("heading", name="Due in the next 7 days"))
        await expect(soon.get_by_role("row").filter(has_text=story.cp_child)).to_contain_text("First core group")
        # Open journeys: ROTH at s.47 and on a plan, child protection on a plan.
        caseload = page.locator("section", has=page.get_by_role("heading", name="Open journeys by pathway and stage"))
        assert await cells(caseload.get_by_role("row", name="ROTH (harm outside the home)")) == ["0", "1", "1", "2"]
        assert await cells(caseload.get_by_role("row", name="Child protection (harm in the family)")) == ["0", "0", "1", "1"]
        assert await cells(caseload.get_by_role("row", name="All pathways")) == ["0", "1", "2", "3"]
        # Timeliness: both initial conferences on time, one first core group, one review.
        kpis = page.locator("section", has=page.get_by_role("heading", name="Timeliness in the last 12 months"))
        await expect(kpis.get_by_role("listitem").filter(has_text="Initial conferences within 15 working days")).to_contain_text("2 of 2 initial conferences")
        await expect(kpis.get_by_role("listitem").filter(has_text="DfE bands")).to_contain_text("2 of 2 within 15 working days")
        await expect(kpis.get_by_role("listitem").filter(has_text="First core groups")).to_contain_text("1 of 1")
        await expect(kpis.get_by_role("listitem").filter(has_text="Review conferences on time")).to_contain_text("1 of 1")
        await page.screenshot(path=ARTIFACTS / "dashboard-overview.png", full_page=True)

        # The journey page, opened from the overview.
        await row.get_by_role("link", name=story.overdue_child).click()
        await expect(page).to_have_url(f"{live_app}/dashboard/journeys/{story.overdue}")
        await expect(page.get_by_role("heading", level=1)).to_contain_text(story.overdue_child)
        facts = page.locator("dl.summary-list")
        await expect(facts).to_contain_text("ROTH (harm outside the home)")
        await expect(facts).to_contain_text("Age")
        await expect(facts).to_contain_text("15")
        deadline = page.locator("#deadlines").get_by_role("row").filter(has_text="Initial conference")
        await expect(deadline).to_contain_text(uk_date(story.overdue_due))
        await expect(deadline).to_contain_text("Missed")
        timeline = page.locator("#timeline")
        await expect(timeline).to_contain_text("Referral received")
        await expect(timeline).to_contain_text("Strategy discussion")
        await expect(timeline).to_contain_text(f"Initial conference due {uk_date(story.overdue_due)} — missed, not held yet")
        await page.screenshot(path=ARTIFACTS / "dashboard-journey.png", full_page=True)

        # The journey that moved pathway: the plan, the transfer and the extension.
        await page.goto(f"{live_app}/dashboard/journeys/{story.moved}")
        facts = page.locator("dl.summary-list")
        await expect(facts).to_contain_text("ROTH (harm outside the home)")
        await expect(facts).to_contain_text("Sexual abuse")
        await expect(facts).to_contain_text("harm outside the home")
        extended = page.locator("#deadlines").get_by_role("row").filter(has_text="Core group").filter(has_text="Extended")
        await expect(extended).to_contain_text(uk_date(story.extended_to))
        await expect(extended).to_contain_text(f"originally due {uk_date(story.extended_from)}")
        timeline = page.locator("#timeline")
        await expect(timeline).to_contain_text("Transferred from CP to ROTH")
        await expect(timeline).to_contain_text("Child protection plan started")
        await expect(timeline).to_contain_text(f"Core group deadline extended to {uk_date(story.extended_to)}")
        await page.screenshot(path=ARTIFACTS / "dashboard-journey-moved.png", full_page=True)

        # The list, filtered.
        await page.get_by_role("navigation", name="Dashboard").get_by_role("link", name="All journeys").click()
        await page.get_by_label("Pathway").select_option("cp")
        await page.get_by_role("button", name="Show journeys").click()
        await expect(page.get_by_role("table")).to_contain_text(story.cp_child)
        await expect(page.get_by_role("table")).not_to_contain_text(story.overdue_child)
        await page.get_by_label("Pathway").select_option("")
        await page.get_by_label("Only journeys with a missed deadline").check()
        await page.get_by_role("button", name="Show journeys").click()
        await expect(page.get_by_role("table")).to_contain_text(story.overdue_child)
        await expect(page.get_by_role("table")).not_to_contain_text(story.moved_child)
        await page.screenshot(path=ARTIFACTS / "dashboard-journeys-overdue.png", full_page=True)

        # Signing out ends the session.
        await page.get_by_role("button", name="Sign out").click()
        await expect(page.get_by_role("status")).to_contain_text("You have signed out")
        await page.goto(f"{live_app}/dashboard/journeys/{story.overdue}")
        await expect(page).to_have_url(f"{live_app}/dashboard/sign-in")

    # No young person's details in a URL or a log line; the log says who looked at which journey.
    children = (story.overdue_child, story.cp_child, story.moved_child)
    assert not [u for u in requested if any(c in u for c in children)]
    assert not [entry for entry in logs if any(c in repr(entry) for c in children)]
    looked = [e for e in logs if e.get("journey_id") == story.overdue and e.get("route") == "/dashboard/journeys/{journey_id}"]
    assert looked and looked[0]["subject"] == f"manager-{LA}" and looked[0]["status"] == 200


async def test_a_wrong_token_is_refused_on_the_sign_in_page(page, live_app, tokens):
    await page.goto(f"{live_app}/dashboard/sign-in")
    response = await sign_in(page, "sp_not-a-real-token")
    assert response.status == 401
    await expect(page.get_by_role("alert")).to_contain_text("That access token was not recognised")
    await expect(page.get_by_label("Access token")).to_have_attribute("aria-invalid", "true")
    await page.screenshot(path=ARTIFACTS / "dashboard-sign-in-error.png", full_page=True)
    # A practitioner's token is real but not for this dashboard.
    response = await sign_in(page, tokens[("practitioner", "873")])
    assert response.status == 403
    await expect(page.get_by_role("alert")).to_contain_text("for managers and auditors")
    await page.goto(f"{live_app}/dashboard")
    await expect(page).to_have_url(f"{live_app}/dashboard/sign-in")


async def test_another_local_authoritys_manager_cannot_see_the_journey(page, live_app, story, tokens):
    await page.goto(f"{live_app}/dashboard/sign-in")
    await sign_in(page, tokens[("manager", "874")])
    await expect(page.get_by_role("heading", level=1)).to_contain_text("local authority 874")
    await expect(page.locator("main")).not_to_contain_text(story.overdue_child)
    response = await page.goto(f"{live_app}/dashboard/journeys/{story.overdue}")
    assert response.status == 404
    await expect(page.get_by_role("heading", level=1)).to_have_text("Journey not found")
    await expect(page.locator("main")).not_to_contain_text(story.overdue_child)
    await page.goto(f"{live_app}/dashboard/journeys?overdue=yes")
    await expect(page.locator("main")).not_to_contain_text(story.overdue_child)


async def test_an_auditor_sees_the_same_journey_read_only(page, live_app, story):
    await page.goto(f"{live_app}/dashboard/sign-in")
    await sign_in(page, story.tokens["auditor"])
    response = await page.goto(f"{live_app}/dashboard/journeys/{story.overdue}")
    assert response.status == 200
    await expect(page.get_by_role("heading", level=1)).to_contain_text(story.overdue_child)
    # Read-only: nothing on the page posts (signing out is outside main); the one form is the
    # "as it stood" picker, which only reads.
    assert await page.locator("main form[method=post]").count() == 0
    assert await page.locator("main form").count() == 1 and await page.locator("main form#as-of").count() == 1
