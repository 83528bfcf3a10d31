"""Census readiness on the dashboard, in a real browser: reached from the navigation, the
last complete collection year's return checked with DfE's rules, a clean return shown as
ready, then a young person whose record was never completed traced to their journey with
what to record, and the journey reached from the finding. The young people are generated
into the live app's store for an LA of this module's own (991). Screenshots go to
tests/artifacts/.
"""

from __future__ import annotations

from datetime import date

import pytest
from playwright.async_api import expect

from browsing import ARTIFACTS, sign_in
from census_population import PRACTITIONER, Journey, _id, population, record
from domain import commands as c
from domain.calendar import WorkingDayCalendar

pytestmark = pytest.mark.slow

LA = "991"
TODAY = date(2026, 11, 20)


async def test_a_manager_works_through_the_returns_readiness(live_app, store, token_file, page):
    # Each check runs DfE's validator in a process of its own: seconds on a quiet machine,
    # longer on a busy one, and the page answers only then.
    page.set_default_navigation_timeout(90_000)
    page.set_default_timeout(90_000)
    calendar = WorkingDayCalendar()
    record(store, LA, population(LA, calendar, seed=7, young_people=10), calendar, TODAY)
    token = token_file.create("manager", LA, name="readiness-manager")
    await page.goto(f"{live_app}/dashboard/sign-in")
    await sign_in(page, token)
    await page.get_by_role("link", name="Census readiness").click()
    await expect(page.get_by_label("Collection year")).to_have_value("2025-26")
    await page.get_by_role("button", name="Check the return").click()
    await expect(page.locator(".tile").first).to_contain_text("Ready")
    await expect(page.get_by_text("DfE’s rules found nothing to put right")).to_be_visible()

    # A referral whose source and primary need were never recorded.
    incomplete = Journey("INCOMPLETE01", date(2011, 3, 3), date(2025, 9, 1))
    incomplete.send(date(2025, 9, 1), c.RecordCensusDetails(_id(), PRACTITIONER, upn_unknown="UN5", disabilities=("NONE",)))
    [journey_id] = record(store, LA, [incomplete], calendar, TODAY)
    await page.get_by_role("button", name="Check the return").click()
    await expect(page.locator(".tile").first).to_contain_text("Not ready")
    finding = page.locator("#findings tr").filter(has_text="8866")
    await expect(finding).to_contain_text("INCOMPLETE01")
    await expect(finding).to_contain_text("record_census_details with referral_source")
    await page.screenshot(path=str(ARTIFACTS / "dashboard-readiness.png"), full_page=True)
    await finding.get_by_role("link", name=journey_id[:8]).click()
    await expect(page).to_have_url(f"{live_app}/dashboard/journeys/{journey_id}")


async def test_a_year_written_wrongly_is_explained(live_app, token_file, page):
    await page.goto(f"{live_app}/dashboard/sign-in")
    await sign_in(page, token_file.create("auditor", LA, name="readiness-auditor"))
    response = await page.goto(f"{live_app}/dashboard/reports/readiness?year=2025-27")
    assert response.status == 400
    await expect(page.get_by_role("alert")).to_contain_text("like 2025-26")
