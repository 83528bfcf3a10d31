"""ROTH practice on the dashboard, in a real browser (conftest.py serves the live app and
drives Chromium): a journey's context weighting history with the prompt to consider a
transfer, its plan under the three headings with the plan check, and a context outside the
home that three young people's journeys name, from the contexts list to its own page and on
to each young person, which another LA's manager cannot see.

Everything is recorded through the HTTP API as a case system would, in an LA of this
module's own (997), so the pages show exactly these journeys. Each ROTH conference needs the
case allocated and an independent chair from the LA's pool first. Screenshots go to
tests/artifacts/.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
from playwright.async_api import expect

from api.dashboard.words import uk_date
from browsing import ARTIFACTS, Api, auth, cells, child_id, sign_in
from workflows.local_time import london_date

pytestmark = pytest.mark.slow

LA = "997"
CHAIR = "chair-roth-01"


class Story:
    """The journeys and the context this module records, and what the pages should say."""


def _context(context_id, kind, name, weight, harm=True, safety=False, affects=()):
    return {"context_id": context_id, "kind": kind, "name": name, "harm": harm, "safety": safety,
            "weight": weight, "affects": list(affects)}


@pytest.fixture(scope="module")
async def story(live_app, token_file, temporal_env) -> Story:
    today = london_date(await temporal_env.get_current_time())
    s = Story()
    s.today = today
    s.tokens = {role: token_file.create(role, LA, name=f"{role}-{LA}")
                for role in ("system", "practitioner", "manager")}
    # A new place each run: contexts are per LA, and the session's other suites may name their own.
    s.park = f"riverside-park-{uuid.uuid4().hex[:6]}"
    s.peers = f"year-10-peers-{uuid.uuid4().hex[:6]}"
    s.park_name, s.peers_name = "Riverside park", "Older peer group met at the park"
    async with httpx.AsyncClient(base_url=live_app, timeout=30) as client:
        api = Api(client, s.tokens, LA)
        await api.add_chair(CHAIR, "A. Chairperson")

        # R: ROTH. At assessment the park is the most influential context; at the initial
        # conference the family is, so the chair is prompted to consider a transfer to CP.
        s.shifted_child = child_id("PRA")
        discussion, s.conference_on = today - timedelta(days=30), today - timedelta(days=12)
        s.assessed_on = today - timedelta(days=25)
        s.shifted = await api.start(s.shifted_child, 15, discussion - timedelta(days=1), today)
        await api.send(s.shifted, "record_strategy_discussion", occurred_on=discussion, outcome="s47_roth")
        await api.chair(s.shifted, CHAIR)
        await api.send(s.shifted, "record_context_weighting", occurred_on=s.assessed_on, at="assessment", contexts=[
            _context(s.park, "public_place", s.park_name, 9, affects=["home"]),
            _context("home", "home_family", "Home and family", 5, harm=False, safety=True)])
        await api.send(s.shifted, "record_initial_conference", occurred_on=s.conference_on, decision="plan",
                       categories=["physical"])
        for who, views in (("young_person", "Wants to go back to school"), ("parent_carer", "Wants help at home")):
            await api.send(s.shifted, "record_participation", occurred_on=s.conference_on, meeting="initial_conference",
                           participant=who, invited=True, attended=True, views=views)
        answer = await api.send(s.shifted, "record_context_weighting", occurred_on=s.conference_on,
                                at="initial_conference", contexts=[
                                    _context("home", "home_family", "Home and family", 9, harm=True, safety=False),
                                    _context(s.park, "public_place", s.park_name, 6, affects=["home"])])
        assert answer["state"]["transfer_prompt"] == "cp"
        s.due = today + timedelta(days=21)
        answer = await api.send(s.shifted, "update_plan", occurred_on=s.conference_on, made_at="initial_conference",
                                needs=["education_access"], goals=[
            {"goal_id": "school", "heading": "needs", "need": "education_access",
             "description": "Back in full-time education", "outcome": "Attending four days a week by the review",
             "actions": [{"description": "Agree a school place with transport", "owner": "Education inclusion team",
                          "due_on": s.due.isoformat(), "targets": ["young_person"]}]},
            {"goal_id": "guardians", "heading": "guardianship", "description": "Capable guardians in the park after school",
             "outcome": "No incidents involving the group for six weeks",
             "actions": [{"description": "Park wardens patrol 3pm to 7pm on weekdays", "owner": None,
                          "due_on": s.due.isoformat(), "targets": [s.park]}]},
            {"goal_id": "home", "heading": "guardianship", "description": "His mother supported to keep him safe at home",
             "outcome": "His mother says she feels able to keep him safe",
             "actions": [{"description": "Family support worker visits weekly", "owner": "Family support service",
                          "due_on": s.due.isoformat(), "targets": ["family", "home"]}]},
            {"goal_id": "lighting", "heading": "environment", "description": "The path through the park lit after dark",
             "outcome": "Lighting in place before the clocks go back",
             "actions": [{"description": "Raise the lighting at the community safety partnership",
                          "owner": "Community safety", "due_on": s.due.isoformat(), "targets": [s.park]}]}])
        assert [f["code"] for f in answer["state"]["plan_findings"]] == ["action_without_owner_or_date"]
        await api.send(s.shifted, "record_consent", occurred_on=s.conference_on, given_by="parent_carer",
                       decision="given", scope=["education", "police"])

        # S and T: two more young people whose assessments name the park (and T, 17, the peer group).
        s.second_child, s.third_child = child_id("PRB"), child_id("PRC")
        s.second = await api.start(s.second_child, 14, discussion, today)
        s.third = await api.start(s.third_child, 17, discussion, today)
        for journey, weight in ((s.second, 8), (s.third, 7)):
            await api.send(journey, "record_strategy_discussion", occurred_on=discussion + timedelta(days=1), outcome="s47_roth")
            await api.send(journey, "record_context_weighting", occurred_on=s.assessed_on, at="assessment", contexts=[
                _context(s.park, "public_place", s.park_name, weight, affects=[s.peers]),
                _context(s.peers, "peer_group", s.peers_name, 6)])

        # The park is referred to a context conference, which agreed an action; the peer group is not.
        s.referred_on = today - timedelta(days=5)
        answer = await client.post("/v1/contexts", headers=auth(s.tokens["practitioner"]), json={
            "command_id": str(uuid.uuid4()), "context_id": s.park, "kind": "public_place", "name": s.park_name,
            "referred_on": s.referred_on.isoformat()})
        assert answer.status_code == 201, answer.text
        s.next_conference_due = answer.json()["state"]["next_conference"]["due_on"]
        answer = await client.post(f"/v1/contexts/{s.park}/commands", headers=auth(s.tokens["practitioner"]), json={
            "command_id": str(uuid.uuid4()), "type": "record_context_action", "action_id": "wardens",
            "kind": "guardianship", "description": "Park wardens on the path after school",
            "owner": "Parks service", "due_on": (today + timedelta(days=14)).isoformat()})
        assert answer.status_code == 200, answer.text
    return s


async def test_a_journey_shows_its_weighting_history_the_transfer_prompt_and_the_plan_check(page, live_app, story):
    await page.goto(f"{live_app}/dashboard/sign-in")
    await sign_in(page, story.tokens["manager"])
    # The overview counts the plan's finding.
    check = page.locator("section", has=page.get_by_role("heading", name="Plan quality check"))
    await expect(check).to_contain_text("1 open journey has a plan with findings")
    assert await cells(check.get_by_role("row", name="An action has no owner or no due date")) == ["1"]
    await page.screenshot(path=ARTIFACTS / "dashboard-overview-plan-check.png", full_page=True)

    await page.goto(f"{live_app}/dashboard/journeys/{story.shifted}")
    await expect(page.get_by_role("heading", level=1)).to_contain_text(story.shifted_child)
    # Who holds and chairs the case.
    facts = page.locator("dl.summary-list")
    await expect(facts).to_contain_text("Social worker sw-0042")
    await expect(facts).to_contain_text("team manager tm-0007")
    await expect(facts).to_contain_text(CHAIR)
    # The prompt, before anything else on the page.
    prompt = page.locator("#transfer-prompt")
    await expect(prompt).to_contain_text("Consider transfer to CP at the next conference")
    await expect(prompt).to_be_visible()
    # The weighting history, oldest first: the park led, then the family.
    weighting = page.locator("#weighting")
    first, second = weighting.locator("article").nth(0), weighting.locator("article").nth(1)
    await expect(weighting.locator("article")).to_have_count(2)
    await expect(first.get_by_role("heading")).to_have_text(f"At assessment, {uk_date(story.assessed_on)}")
    await expect(first).to_contain_text("Most influential: A context outside the home")
    await expect(second.get_by_role("heading")).to_contain_text(f"At the initial conference, {uk_date(story.conference_on)}")
    await expect(second).to_contain_text("Most influential: Home and family")
    await expect(second).to_contain_text("Moved from outside the home to the family")
    park_row = second.get_by_role("row").filter(has_text=story.park_name)
    assert await cells(park_row) == ["Public place", "Harm", "6 of 10", "Home and family"]
    home_row = second.get_by_role("row").filter(has_text="most influential")
    await expect(home_row).to_contain_text("Home and family")
    await expect(home_row).to_contain_text("9 of 10")
    await expect(park_row.get_by_role("link", name=story.park_name)).to_have_attribute(
        "href", f"/dashboard/contexts/{story.park}")
    # The plan under its three headings, and the check naming what to put right.
    plan = page.locator("#care-plan")
    await expect(plan).to_contain_text(f"Version 1, made at the initial conference on {uk_date(story.conference_on)}")
    for heading in ("The young person’s needs", "Guardianship in contexts outside the home",
                    "Environmental factors in those contexts"):
        await expect(plan.get_by_role("heading", name=heading)).to_be_visible()
    wardens = plan.get_by_role("row").filter(has_text="Park wardens patrol 3pm to 7pm on weekdays")
    assert await cells(wardens) == ["Park wardens patrol 3pm to 7pm on weekdays", "No owner", uk_date(story.due), story.park_name]
    await expect(page.locator("#plan-check")).to_contain_text(
        "Action 'Park wardens patrol 3pm to 7pm on weekdays' has no owner: name who will do it and by when.")
    await expect(page.locator("#plan-check").get_by_role("listitem")).to_have_count(1)
    # Who took part, and consent.
    voices = page.locator("#voices")
    await expect(voices.get_by_role("row").filter(has_text="Parent or carer").first).to_contain_text("Wants help at home")
    consent = voices.get_by_role("table", name="Consent to share information").locator("tbody tr")
    assert await cells(consent) == ["Parent or carer", "Given", "Education and police"]
    await page.screenshot(path=ARTIFACTS / "dashboard-journey-roth-practice.png", full_page=True)

    # A 17-year-old's journey prompts for the transition plan.
    await page.goto(f"{live_app}/dashboard/journeys/{story.third}")
    await expect(page.locator("#transition-prompt")).to_contain_text("Transition plan due")
    await expect(page.locator("#transfer-prompt")).to_have_count(0)


async def test_a_context_three_young_people_share_is_listed_and_links_them(page, live_app, story):
    await page.goto(f"{live_app}/dashboard/sign-in")
    await sign_in(page, story.tokens["manager"])
    await page.get_by_role("navigation", name="Dashboard").get_by_role("link", name="Contexts").click()
    await expect(page).to_have_url(f"{live_app}/dashboard/contexts")
    table = page.get_by_role("table")
    park = table.get_by_role("row").filter(has_text=story.park_name)
    assert (await cells(park))[:2] == ["Public place", "3"]
    await expect(park).to_contain_text(f"First context conference due {uk_date(story.next_conference_due)}")
    peers = table.get_by_role("row").filter(has_text=story.peers_name)
    await expect(peers).to_contain_text("Not referred")
    assert (await cells(peers))[:2] == ["Peer group", "2"]
    await page.screenshot(path=ARTIFACTS / "dashboard-contexts.png", full_page=True)

    await park.get_by_role("link", name=story.park_name).click()
    await expect(page).to_have_url(f"{live_app}/dashboard/contexts/{story.park}")
    await expect(page.get_by_role("heading", level=1)).to_contain_text(story.park_name)
    facts = page.locator("dl.summary-list")
    await expect(facts).to_contain_text(uk_date(story.referred_on))
    await expect(facts).to_contain_text(f"First context conference due {uk_date(story.next_conference_due)}")
    await expect(facts).to_contain_text("On track")
    await expect(page.locator("#actions").get_by_role("row").filter(has_text="Park wardens on the path after school")
                 ).to_contain_text("Parks service")
    linked = page.locator("#linked")
    for child in (story.shifted_child, story.second_child, story.third_child):
        await expect(linked.get_by_role("link", name=child)).to_be_visible()
    await expect(linked.get_by_role("row").filter(has_text=story.shifted_child)).to_contain_text("1 finding")
    await expect(linked.get_by_role("row").filter(has_text=story.second_child)).to_contain_text("8 of 10")
    await page.screenshot(path=ARTIFACTS / "dashboard-context.png", full_page=True)

    # On to a young person, and back through the weighting's link.
    await linked.get_by_role("link", name=story.second_child).click()
    await expect(page).to_have_url(f"{live_app}/dashboard/journeys/{story.second}")
    await page.locator("#weighting").get_by_role("link", name=story.park_name).click()
    await expect(page).to_have_url(f"{live_app}/dashboard/contexts/{story.park}")

    # The peer group was never referred: its page says so and lists its two young people.
    await page.goto(f"{live_app}/dashboard/contexts/{story.peers}")
    await expect(page.locator("#referral-prompt")).to_contain_text("Not referred to a context conference")
    await expect(page.locator("#linked").get_by_role("link")).to_have_count(2)

    # A context nobody named, and an id that cannot be one, are not found.
    response = await page.goto(f"{live_app}/dashboard/contexts/nowhere-{uuid.uuid4().hex[:6]}")
    assert response.status == 404
    await expect(page.get_by_role("heading", level=1)).to_have_text("Context not found")
    assert (await page.goto(f"{live_app}/dashboard/contexts/Not%20A%20Slug")).status == 404


async def test_another_local_authoritys_manager_cannot_see_the_context(page, live_app, story, tokens):
    await page.goto(f"{live_app}/dashboard/sign-in")
    await sign_in(page, tokens[("manager", "874")])
    await page.goto(f"{live_app}/dashboard/contexts")
    await expect(page.locator("main")).not_to_contain_text(story.park_name)
    response = await page.goto(f"{live_app}/dashboard/contexts/{story.park}")
    assert response.status == 404
    await expect(page.get_by_role("heading", level=1)).to_have_text("Context not found")
    for child in (story.shifted_child, story.second_child, story.third_child):
        await expect(page.locator("main")).not_to_contain_text(child)
    await page.screenshot(path=ARTIFACTS / "dashboard-context-not-found.png", full_page=True)
    assert (await page.goto(f"{live_app}/dashboard/journeys/{story.shifted}")).status == 404
