"""The dashboard without a browser: its words, its sessions, and what its HTTP answers carry
(redirects, cookies, the sign-in form's CSRF check, headers that keep case details out of
caches and frames). The browser journey is in test_dashboard_browser.py."""

from __future__ import annotations

import re
from datetime import date

import httpx
import pytest

from api.dashboard import session as sessions
from api.dashboard import words


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


def test_plain_words_for_codes_and_due_dates():
    assert words.pathway("roth") == "ROTH (harm outside the home)"
    assert words.pathway(None) == "Not decided yet"
    assert words.stage("section_47") == "Section 47 enquiry"
    assert words.deadline("initial_conference") == "Initial conference"
    assert words.category("sexual") == "Sexual abuse"
    today = date(2026, 3, 24)
    assert words.due_in(date(2026, 3, 24), today) == "due today"
    assert words.due_in(date(2026, 3, 25), today) == "due tomorrow"
    assert words.due_in(date(2026, 3, 30), today) == "due in 6 days"
    assert words.due_in(date(2026, 4, 21), today) == "due in 4 weeks"
    assert words.due_in(date(2026, 3, 10), today) == "14 days overdue"
    assert words.percent(81.4) == "81%" and words.percent(None) == "–"
    assert words.sentence("held 2 March 2026") == "Held 2 March 2026"


# --- sessions -----------------------------------------------------------------------------

def test_sessions_end_when_idle_after_their_lifetime_and_on_sign_out():
    now = [0.0]
    store = sessions.SessionStore(clock=lambda: now[0])
    first = store.create("sp_token")
    assert store.token(first) == "sp_token"
    assert store.token("not-a-session") is None and store.token(None) is None
    now[0] += sessions.IDLE_SECONDS + 1
    assert store.token(first) is None  # idle too long

    kept_busy = store.create("sp_token")
    for _ in range(int(sessions.LIFETIME_SECONDS // (sessions.IDLE_SECONDS / 2)) + 1):
        now[0] += sessions.IDLE_SECONDS / 2
        alive = store.token(kept_busy)
    assert alive is None  # busy all day, but not for ever

    ended = store.create("sp_token")
    store.end(ended)
    assert store.token(ended) is None
    # Only a digest of the id is kept: the table holds nothing that works as a cookie.
    assert ended not in repr(store._sessions)


# --- over HTTP ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
async def app(temporal_env, settings, store, worker, token_file):
    from api.app import create_app

    app = create_app(settings, temporal=temporal_env.client, store=store, identity=token_file)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def browser(app):
    """A cookie-keeping client of its own (the shared `http` client must stay cookie-free)."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://dashboard.test") as client:
        yield client


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

    form = await browser.get("/dashboard/sign-in")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    assert (await browser.post("/dashboard/sign-in", data={"token": manager, "csrf": csrf})).status_code == 303

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
