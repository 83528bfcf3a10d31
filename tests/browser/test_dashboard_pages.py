"""The dashboard without a browser: its words, its sessions, and what its HTTP answers carry
(redirects, cookies, the sign-in form's CSRF check, headers that keep case details out of
caches and frames). The browser journey is in test_dashboard_browser.py."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

import httpx
import pytest

from api.dashboard import routes
from api.dashboard import session as sessions
from api.dashboard import words
from services.identity import Principal
from domain import plans as p
from domain.views import journey_view
from support import (
    CALENDAR, allocate, assign_chair, conference, context, participation, run, start, strategy, update_plan, weighting,
)


# --- words --------------------------------------------------------------------------------

def test_dates_are_written_the_uk_way_whatever_the_locale():
    assert words.uk_date(date(2026, 3, 24)) == "24 March 2026"
    assert words.uk_date("2026-03-02") == "2 March 2026"
    assert words.uk_date(date(2026, 3, 24), weekday=True) == "Tuesday 24 March 2026"
    assert words.uk_date(None) == ""


def test_age_turns_on_the_birthday():
    assert words.age_on("2010-06-01", date(2026, 5, 31)) == 15
    assert words.age_on("2010-06-01", date(2026, 6, 1)) == 16
    assert words.age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert words.age_on(date(2008, 2, 29), date(2026, 3, 1)) == 18
    assert words.age_on(None, date(2026, 1, 1)) is None


def test_due_dates_and_percentages_in_plain_words():
    # What each code is called: tests/unit/test_vocabulary.py.
    today = date(2026, 3, 24)
    assert words.due_in(date(2026, 3, 24), today) == "due today"
    assert words.due_in(date(2026, 3, 25), today) == "due tomorrow"
    assert words.due_in(date(2026, 3, 30), today) == "due in 6 days"
    assert words.due_in(date(2026, 4, 21), today) == "due in 4 weeks"
    assert words.due_in(date(2026, 3, 10), today) == "14 days overdue"
    assert words.percent(81.4) == "81%" and words.percent(None) == "–"
    assert words.sentence("held 2 March 2026") == "Held 2 March 2026"


# --- the journey page's ROTH practice, rendered from a journey the decider made -------------

TODAY = date(2026, 11, 20)
HOME = context("home", kind="home_family", weight=4, harm=False, safety=True, name="Home and family")
PARK = context("riverside-park", weight=9, name="Riverside park", affects=("home",))
ICPC_ON = date(2026, 3, 20)


def _plan(owner: str | None = "Parks service") -> p.Plan:
    return p.Plan(("education_access",), (
        p.Goal("school", p.NEEDS_HEADING, "Back in full-time education", "education_access",
               (p.Action("Agree a school place with transport", "Education inclusion team", date(2026, 4, 30),
                         (p.YOUNG_PERSON,)),), "Attending four days a week by the review"),
        p.Goal("guardians", p.GUARDIANSHIP, "Capable guardians in the park after school", None,
               (p.Action("Park wardens patrol 3pm to 7pm on weekdays", owner, date(2026, 4, 16), ("riverside-park",)),),
               "No incidents involving the group for six weeks"),
        p.Goal("home", p.GUARDIANSHIP, "His mother supported to keep him safe at home", None,
               (p.Action("Family support worker visits weekly", "Family support service", date(2026, 4, 9),
                         (p.FAMILY, "home")),), "Mother says she feels able to keep him safe"),
    ))


def _journey(plan: p.Plan | None, shift: bool, dob=date(2011, 1, 5)) -> dict:
    commands = [replace(start(date(2026, 3, 2), dob), chairs_required=True), strategy(date(2026, 3, 3), "s47_roth"),
                allocate("sw-0042", "tm-0007"), assign_chair("chair-0003"),
                weighting(date(2026, 3, 10), (HOME, PARK)), conference(ICPC_ON),
                participation(ICPC_ON, "young_person", views="Wants to go back to school and to stay away from the park"),
                participation(ICPC_ON, "parent_carer", views="Worried about the older group")]
    if shift:  # the family becomes the most influential context: consider transfer to CP
        commands.append(weighting(ICPC_ON, (replace(HOME, weight=9, harm=True), replace(PARK, weight=6)),
                                  at="initial_conference"))
    if plan is not None:
        commands.append(update_plan(ICPC_ON, plan))
    state, _ = run(commands, TODAY)
    return journey_view(state, CALENDAR, TODAY)


def _render_journey(view: dict, today: date = TODAY) -> str:
    """The journey page as the route renders it, without a server: its practice part is the
    route's own (routes._practice)."""
    person = view["young_person"]
    return routes.templates.get_template("journey.html").render(
        who=Principal("manager-873", "manager", "873"), today=today, nav="journeys", summary=None, view=view,
        child_id=person["id"], age=words.age_on(person["date_of_birth"], today), plan=view["plan"],
        upcoming=[], past=[], missed=[], timeline=[], **routes._practice(view, today))


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


def test_the_journey_page_shows_the_weighting_history_the_transfer_prompt_and_the_plan_check():
    view = _journey(_plan(owner=None), shift=True)
    html = _render_journey(view)
    text = _text(html)
    # Who holds and chairs the case (staff ids).
    assert "Social worker sw-0042" in text and "team manager tm-0007" in text and "chair-0003" in text
    # The prompt, prominently before the summary.
    assert "Consider transfer to CP at the next conference" in text
    assert html.index('id="transfer-prompt"') < html.index('class="summary-list"')
    # The history, oldest first, with the shift and a link from each outside context to its page.
    assert text.index("At assessment, 10 March 2026") < text.index("At the initial conference, 20 March 2026")
    assert "Most influential: A context outside the home" in text
    assert "Most influential: Home and family Moved from outside the home to the family" in text
    assert html.count('href="/dashboard/contexts/riverside-park"') >= 3  # two weightings and an action's target
    assert 'href="/dashboard/contexts/home"' not in html  # the family is the journey's own, never a context case
    assert "9 of 10" in text and "6 of 10" in text and 'class="bar-fill w9"' in html
    # The plan under its three headings, its version and the meeting that made it.
    assert "Version 1, made at the initial conference on 20 March 2026" in text
    for heading in ("The young person’s needs", "Guardianship in contexts outside the home",
                    "Environmental factors in those contexts"):
        assert heading in text
    assert "Park wardens patrol 3pm to 7pm on weekdays" in text and "No owner" in text and "16 April 2026" in text
    # The check: the one finding, in the chair's words.
    [finding] = view["plan_findings"]
    assert finding["code"] == "action_without_owner_or_date"
    assert "1 thing for the chair to put right" in text
    assert "Action 'Park wardens patrol 3pm to 7pm on weekdays' has no owner" in text
    # Participation and consent: who took part and what they said, for the chair to read.
    assert "Young person" in text and "Parent or carer" in text
    assert "stay away from the park" in text and "Worried about the older group" in text
    assert "Transition plan due" not in text


def test_a_clean_plan_reads_no_findings_and_no_prompt_without_a_shift():
    text = _text(_render_journey(_journey(_plan(), shift=False)))
    assert "No findings." in text and "for the chair to put right" not in text
    assert "Consider transfer" not in text
    assert text.count("Most influential:") == 1


def test_a_journey_without_practice_records_says_so():
    state, _ = run([start(date(2026, 3, 2)), strategy(date(2026, 3, 3), "s47_cp")], TODAY)
    text = _text(_render_journey(journey_view(state, CALENDAR, TODAY)))
    assert "Not allocated yet" in text and "No chair assigned" in text
    assert "No context weighting recorded yet." in text
    assert "No plan under the three headings has been recorded yet." in text
    assert "No participation in meetings recorded yet." in text and "No consent to share recorded yet." in text


def test_a_seventeen_year_old_without_a_transition_plan_is_prompted():
    view = _journey(_plan(), shift=False, dob=date(2009, 6, 1))  # 17 on 1 June 2026
    assert view["transition_plan_due"]
    text = _text(_render_journey(view))
    assert "Transition plan due" in text and "before their 18th birthday on 1 June 2027" in text


def test_the_overview_counts_plan_findings_the_most_common_first():
    check = routes._plan_check({"goal_without_outcome": 1, "voices_not_recorded": 3, "journeys_with_plan_findings": 3})
    assert check == {"total": 3, "by_code": [("voices_not_recorded", 3), ("goal_without_outcome", 1)]}
    assert routes._plan_check({"journeys_with_plan_findings": 0}) == {"total": 0, "by_code": []}


# --- over HTTP ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
async def app(temporal_env, settings, store, worker, token_file):
    from api.app import create_app

    app = create_app(settings, temporal=temporal_env.client, store=store, identity=token_file)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture(scope="module")
async def replica(temporal_env, settings, worker, token_file):
    """A second API process on the same database, as a load balancer's other target: an app
    of its own, with an engine of its own (made from the settings, as in production)."""
    from api.app import create_app

    app = create_app(settings, temporal=temporal_env.client, identity=token_file)
    async with app.router.lifespan_context(app):
        yield app
    app.state.services.store.engine.dispose()


@pytest.fixture
async def browser(app):
    """A cookie-keeping client of its own (the shared `http` client must stay cookie-free)."""
    async with _client(app) as client:
        yield client


def _client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://dashboard.test")


async def _sign_in(client: httpx.AsyncClient, token: str) -> httpx.Response:
    form = await client.get("/dashboard/sign-in")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    return await client.post("/dashboard/sign-in", data={"token": token, "csrf": csrf})


@pytest.mark.slow
async def test_signing_in_sets_a_strict_http_only_session_cookie_not_the_token(browser, tokens):
    answer = await browser.get("/dashboard")
    assert answer.status_code == 303 and answer.headers["location"] == "/dashboard/sign-in"

    form = await browser.get("/dashboard/sign-in")
    assert form.status_code == 200 and '<html lang="en-GB">' in form.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    token = tokens[("manager", "873")]
    signed_in = await browser.post("/dashboard/sign-in", data={"token": token, "csrf": csrf})
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/dashboard"
    cookie = next(c for c in signed_in.headers.get_list("set-cookie") if c.startswith(sessions.COOKIE + "="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/dashboard" in cookie
    assert token not in cookie

    page = await browser.get("/dashboard/journeys")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["referrer-policy"] == "no-referrer"

    missing = await browser.get("/dashboard/journeys/no-such-journey")
    assert missing.status_code == 404 and "Journey not found" in missing.text

    signed_out = await browser.post("/dashboard/sign-out")
    assert signed_out.status_code == 303
    assert (await browser.get("/dashboard/journeys")).status_code == 303


@pytest.mark.slow
async def test_a_sign_in_posted_from_elsewhere_is_refused(browser, tokens):
    # No CSRF cookie (a cross-site form carries no SameSite=Strict cookie): refused, no session.
    answer = await browser.post("/dashboard/sign-in", data={"token": tokens[("manager", "873")], "csrf": "guess"})
    assert answer.status_code == 400
    assert not any(c.startswith(sessions.COOKIE + "=") for c in answer.headers.get_list("set-cookie"))


@pytest.mark.slow
async def test_a_sign_in_with_a_csrf_pair_the_caller_chose_is_refused(browser, tokens):
    # Double-submit alone would take any value the caller put in both the cookie and the form.
    browser.cookies.set(sessions.CSRF_COOKIE, "chosen-by-the-caller", domain="dashboard.test", path="/dashboard")
    answer = await browser.post("/dashboard/sign-in", data={"token": tokens[("manager", "873")],
                                                             "csrf": "chosen-by-the-caller"})
    assert answer.status_code == 400
    assert not any(c.startswith(sessions.COOKIE + "=") for c in answer.headers.get_list("set-cookie"))


class _Posted:
    """A sign-in post as csrf_matches reads it: its cookies."""

    def __init__(self, cookie: str | None) -> None:
        self.cookies = {} if cookie is None else {sessions.CSRF_COOKIE: cookie}


def test_only_a_csrf_token_this_service_made_lately_is_taken():
    from sealing.keys import KeyRing

    ring, now = KeyRing.new(), 1_800_000_000
    made = sessions.new_csrf(ring, now=now)
    assert sessions.csrf_matches(_Posted(made), made, ring, now=now + 60)
    assert not sessions.csrf_matches(_Posted(None), made, ring, now=now)  # a cross-site post: no cookie
    assert not sessions.csrf_matches(_Posted(made), sessions.new_csrf(ring, now=now), ring, now=now)
    assert not sessions.csrf_matches(_Posted(made), made, ring, now=now + sessions.CSRF_LIFETIME + 1)
    assert not sessions.csrf_matches(_Posted(made), made, KeyRing.new(), now=now)  # another service's
    key_id, issued, nonce, mac = made.split(".")
    for forged in (f"{key_id}.{int(issued) + 3600}.{nonce}.{mac}", f"{key_id}.{issued}.{nonce}x.{mac}",
                   f"{key_id}.{issued}.{nonce}", "no dots at all", f"nokey.{issued}.{nonce}.{mac}"):
        assert not sessions.csrf_matches(_Posted(forged), forged, ring, now=now), forged
    # A form made before the ring was rotated still signs in while its key is in the ring.
    assert sessions.csrf_matches(_Posted(made), made, ring.rotated(), now=now + 60)


@pytest.mark.slow
async def test_static_files_are_served_and_nothing_else(browser, app):
    css = await browser.get("/dashboard/static/dashboard.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert (await browser.get("/dashboard/static/..%2Froutes.py")).status_code == 404
    assert (await browser.get("/dashboard/static/routes.py")).status_code == 404
    # The dashboard is not part of the v1 contract's OpenAPI document.
    assert not [p for p in app.openapi()["paths"] if p.startswith("/dashboard")]


@pytest.mark.slow
async def test_the_list_pages_through_every_journey_and_a_closed_one_reads_plainly(browser, app, token_file, monkeypatch):
    import uuid

    from api.dashboard import routes

    la = "998"  # an LA of this test's own: exactly the journeys below
    system = token_file.create("system", la, name=f"system-{la}")
    manager = token_file.create("manager", la, name=f"manager-{la}")
    today = routes.dashboard_today()
    children = [f"PG{uuid.uuid4().hex[:8].upper()}" for _ in range(3)]
    ids = []
    for child in children:
        started = await browser.post("/v1/journeys", headers={"Authorization": f"Bearer {system}"}, json={
            "command_id": str(uuid.uuid4()), "local_authority": la,
            "young_person": {"id": child, "date_of_birth": date(today.year - 14, 1, 15).isoformat(), "sex": "U", "ethnicity": "NOBT"},
            "referral_date": today.isoformat()})
        assert started.status_code == 201, started.text
        ids.append(started.json()["journey_id"])
    closed = await browser.post(f"/v1/journeys/{ids[0]}/commands", headers={"Authorization": f"Bearer {system}"}, json={
        "command_id": str(uuid.uuid4()), "type": "record_strategy_discussion", "occurred_on": today.isoformat(),
        "outcome": "no_further_action"})
    assert closed.status_code == 200, closed.text

    assert (await _sign_in(browser, manager)).status_code == 303

    monkeypatch.setattr(routes, "PAGE_SIZE", 2)
    seen, url, pages = [], "/dashboard/journeys", 0
    while url:
        page = await browser.get(url)
        assert page.status_code == 200
        seen += re.findall(r'<a href="/dashboard/journeys/[^"]+">(PG[0-9A-F]+)</a>', page.text)
        following = re.search(r'<a href="([^"]+)" rel="next">Next page</a>', page.text)
        url = following.group(1).replace("&amp;", "&") if following else None
        pages += 1
        if url:
            assert "cursor=" in url and not any(c in url for c in children)
    assert pages == 2 and sorted(seen) == sorted(children)
    assert "First page" in page.text and "Showing journeys 3 to 3" in page.text

    page = await browser.get(f"/dashboard/journeys/{ids[0]}")
    assert page.status_code == 200
    assert "Closed" in page.text and "No further action" in page.text
    assert "Not decided yet" in (await browser.get("/dashboard")).text  # the open ones, still at referral


@pytest.mark.slow
async def test_context_pages_are_the_las_own_and_an_unknown_context_is_not_found(browser, tokens):
    assert (await browser.get("/dashboard/contexts")).headers["location"] == "/dashboard/sign-in"
    assert (await _sign_in(browser, tokens[("auditor", "873")])).status_code == 303

    listed = await browser.get("/dashboard/contexts")
    assert listed.status_code == 200 and listed.headers["cache-control"] == "no-store"
    assert '<a href="/dashboard/contexts" aria-current="page">Contexts</a>' in listed.text
    for path in ("/dashboard/contexts/no-such-place-anywhere", "/dashboard/contexts/Not%20a%20slug",
                 "/dashboard/contexts/-leading-hyphen"):
        missing = await browser.get(path)
        assert missing.status_code == 404 and "Context not found" in missing.text, path


@pytest.mark.slow
async def test_a_session_made_by_one_api_process_is_honoured_and_ended_by_another(browser, replica, tokens):
    assert (await _sign_in(browser, tokens[("manager", "873")])).status_code == 303
    async with _client(replica) as same_browser_elsewhere:
        # The load balancer sends the same browser, with the same cookie, to the other process.
        same_browser_elsewhere.cookies = browser.cookies
        page = await same_browser_elsewhere.get("/dashboard/journeys")
        assert page.status_code == 200 and "Sign out" in page.text

        assert (await same_browser_elsewhere.post("/dashboard/sign-out")).status_code == 303
    answer = await browser.get("/dashboard/journeys")
    assert answer.status_code == 303 and answer.headers["location"] == "/dashboard/sign-in"
