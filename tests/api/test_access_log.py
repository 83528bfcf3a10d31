"""The access log through every read path: the HTTP API, the dashboard's pages and
`pathways journey`. Each read of a journey's data leaves exactly one row per journey read
(who, role, LA, which journey, what, channel), before the answer is returned; a read that
cannot be recorded fails; auditors, and only they, list the log per journey and per user,
a page at a time and confined to their LA; and listing it is recorded too.

The session's event log and access log are shared with other suites, so every request here
carries its own X-Request-Id and every user is this test's own token: rows are picked out
by request id, or by journeys and users no other test has.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from api.dashboard import routes as dashboard_routes
from store.access_log import access_by_user, access_for_journey
from store.schema import access_log


# --- helpers ----------------------------------------------------------------------------------

class User:
    """A token of this test's own, so that "what did this user read" is exactly this test's."""

    def __init__(self, token_file, role: str, la: str = "873") -> None:
        self.role, self.la = role, la
        self.name = f"{role}-{uuid.uuid4().hex[:10]}"
        self.token = token_file.create(role, la, name=self.name)

    def headers(self, request_id: str | None = None) -> dict:
        return {"Authorization": f"Bearer {self.token}", **({"X-Request-Id": request_id} if request_id else {})}

    def row(self, journey_id: str | None, what: str, channel: str = "api", detail: str | None = None) -> tuple:
        return (self.name, self.role, self.la, journey_id, what, channel, detail)


def rows_of(store, request_id: str) -> list[tuple]:
    """The access log's rows for one request, in the order they were written."""
    with store.engine.connect() as connection:
        found = connection.execute(
            select(access_log).where(access_log.c.request_id == request_id).order_by(access_log.c.id)).all()
    return [(r.actor, r.actor_role, r.local_authority, r.journey_id, r.what, r.channel, r.detail) for r in found]


def rid() -> str:
    return f"t-{uuid.uuid4()}"


async def call(http, method: str, url: str, user: User, **kwargs) -> tuple[httpx.Response, str]:
    request_id = rid()
    answer = await http.request(method, url, headers=user.headers(request_id), **kwargs)
    assert answer.headers["x-request-id"] == request_id
    return answer, request_id


def start_body(today: date, la: str = "873", referral: date | None = None, child: str | None = None) -> dict:
    return {"command_id": str(uuid.uuid4()), "local_authority": la,
            "young_person": {"id": child or f"A{uuid.uuid4().hex[:12]}",
                             "date_of_birth": date(today.year - 14, 1, 15).isoformat(), "sex": "F", "ethnicity": "WBRI"},
            "referral_date": (referral or today).isoformat()}


def command(type_: str, **fields) -> dict:
    return {"command_id": str(uuid.uuid4()), "type": type_,
            **{k: v.isoformat() if isinstance(v, date) else v for k, v in fields.items()}}


async def start(http, user: User, today: date, **kwargs) -> str:
    answer = await http.post("/v1/journeys", json=start_body(today, la=user.la, **kwargs), headers=user.headers())
    assert answer.status_code == 201, answer.text
    return answer.json()["journey_id"]


async def send(http, user: User, journey_id: str, body: dict) -> dict:
    answer = await http.post(f"/v1/journeys/{journey_id}/commands", json=body, headers=user.headers())
    assert answer.status_code == 200, answer.text
    return answer.json()


def weigh(today: date, context_id: str) -> dict:
    return command("record_context_weighting", occurred_on=today, at="assessment", contexts=[
        {"context_id": context_id, "kind": "public_place", "name": "A car park", "harm": True, "safety": False,
         "weight": 7, "affects": []}])


@pytest.fixture
async def la_clock(http, temporal_env):
    """The app's "today" is the test server's (the due list's window is counted from it)."""
    app = http._transport.app
    now = await temporal_env.get_current_time()
    app.state.clock = lambda: now
    yield
    del app.state.clock


# --- the API ----------------------------------------------------------------------------------

async def test_each_read_of_a_journey_through_the_api_leaves_one_row(http, store, token_file, clock):
    today = await clock.today()
    system, worker, auditor, manager, admin = (User(token_file, r) for r in ("system", "practitioner", "auditor",
                                                                               "manager", "admin"))
    body = start_body(today)

    started, request_id = await call(http, "POST", "/v1/journeys", system, json=body)
    assert started.status_code == 201
    jid = started.json()["journey_id"]
    assert rows_of(store, request_id) == [system.row(jid, "command_answer")]
    again, request_id = await call(http, "POST", "/v1/journeys", system, json=body)  # a retry answers the state again
    assert again.json() == started.json() and rows_of(store, request_id) == [system.row(jid, "command_answer")]

    strategy = command("record_strategy_discussion", occurred_on=today, outcome="s47_roth")
    for _ in range(2):  # the command, then its retry
        answer, request_id = await call(http, "POST", f"/v1/journeys/{jid}/commands", worker, json=strategy)
        assert answer.status_code == 200 and rows_of(store, request_id) == [worker.row(jid, "command_answer")]

    reads = [(auditor, f"/v1/journeys/{jid}", "journey"), (manager, f"/v1/journeys/{jid}/events", "events"),
             (admin, f"/v1/journeys/{jid}/timeline", "timeline")]
    for user, url, what in reads:
        answer, request_id = await call(http, "GET", url, user)
        assert answer.status_code == 200, answer.text
        assert rows_of(store, request_id) == [user.row(jid, what)], url

    # Nothing handed over, nothing recorded: a refusal, another LA's journey, a missing one,
    # a malformed command, no token.
    refused, request_id = await call(http, "POST", f"/v1/journeys/{jid}/commands", worker,
                                     json=command("record_core_group", occurred_on=today))
    assert refused.status_code == 409 and rows_of(store, request_id) == []
    by_auditor, request_id = await call(http, "POST", f"/v1/journeys/{jid}/commands", auditor,
                                        json=command("record_visit", occurred_on=today, seen_alone=True))
    assert by_auditor.status_code == 409 and rows_of(store, request_id) == []
    elsewhere = User(token_file, "auditor", "874")
    for url in (f"/v1/journeys/{jid}", f"/v1/journeys/{jid}/events", f"/v1/journeys/{jid}/timeline",
                f"/v1/journeys/{uuid.uuid4()}"):
        answer, request_id = await call(http, "GET", url, elsewhere)
        assert answer.status_code == 404 and rows_of(store, request_id) == []
    malformed, request_id = await call(http, "POST", f"/v1/journeys/{jid}/commands", worker, json={"type": "record_visit"})
    assert malformed.status_code == 422 and rows_of(store, request_id) == []
    request_id = rid()
    assert (await http.get(f"/v1/journeys/{jid}", headers={"X-Request-Id": request_id})).status_code == 401
    assert rows_of(store, request_id) == []

    # The journey's own log: exactly these reads, in order, all LA 873's, with request ids.
    logged = access_for_journey(store.engine, "873", jid)
    assert [(r.actor, r.what) for r in logged] == [
        (system.name, "command_answer"), (system.name, "command_answer"), (worker.name, "command_answer"),
        (worker.name, "command_answer"), (auditor.name, "journey"), (manager.name, "events"), (admin.name, "timeline")]
    assert all(r.request_id and r.local_authority == "873" and r.channel == "api" for r in logged)
    assert access_for_journey(store.engine, "874", jid) == []


async def test_lists_record_a_row_for_each_journey_they_list(http, store, token_file, clock, la_clock):
    today = await clock.today()
    la = "995"  # this test's own LA: its lists hold exactly the journeys below
    system, manager = User(token_file, "system", la), User(token_file, "manager", la)
    overdue = await start(http, system, today, referral=today - timedelta(days=50))
    await send(http, system, overdue, command("record_strategy_discussion", occurred_on=today - timedelta(days=45),
                                              outcome="s47_cp"))
    due = await start(http, system, today)
    await send(http, system, due, command("record_strategy_discussion", occurred_on=today, outcome="s47_roth"))
    waiting = await start(http, system, today)

    listed, cursor, pages = [], None, 0
    while True:
        page, request_id = await call(http, "GET", "/v1/journeys?limit=2" + (f"&cursor={cursor}" if cursor else ""), manager)
        ids = [j["journey_id"] for j in page.json()["journeys"]]
        assert rows_of(store, request_id) == [manager.row(i, "journey_list") for i in ids]
        listed += ids
        pages += 1
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert pages == 2 and sorted(listed) == sorted([overdue, due, waiting])

    late, request_id = await call(http, "GET", "/v1/overdue", manager)
    assert [j["journey_id"] for j in late.json()["journeys"]] == [overdue]
    assert rows_of(store, request_id) == [manager.row(overdue, "overdue_list")]

    soon, request_id = await call(http, "GET", "/v1/due?within_working_days=20", manager)
    ids = [j["journey_id"] for j in soon.json()["journeys"]]
    assert due in ids and overdue not in ids
    assert rows_of(store, request_id) == [manager.row(i, "due_list") for i in ids]

    # An empty list reads no journey; counts are about no one journey.
    for url in ("/v1/journeys?stage=closed", "/v1/caseload", f"/v1/kpis?from={today - timedelta(days=90)}&to={today}",
                "/v1/contexts?min_open_journeys=1", "/v1/chairs"):
        answer, request_id = await call(http, "GET", url, manager)
        assert answer.status_code == 200, (url, answer.text)
        assert rows_of(store, request_id) == [], url


async def test_a_context_records_each_journey_it_links(http, store, token_file, clock):
    today = await clock.today()
    system, auditor = User(token_file, "system"), User(token_file, "auditor")
    place = f"car-park-{uuid.uuid4().hex[:8]}"
    named = []
    for _ in range(2):
        jid = await start(http, system, today)
        await send(http, system, jid, command("record_strategy_discussion", occurred_on=today, outcome="s47_roth"))
        await send(http, system, jid, weigh(today, place))
        named.append(jid)

    answer, request_id = await call(http, "GET", f"/v1/contexts/{place}", auditor)
    assert answer.status_code == 200, answer.text
    linked = [j["journey_id"] for j in answer.json()["linked_journeys"]]
    assert sorted(linked) == sorted(named)
    assert rows_of(store, request_id) == [auditor.row(j, "context_linked", detail=place) for j in linked]

    missing, request_id = await call(http, "GET", f"/v1/contexts/nowhere-{uuid.uuid4().hex[:8]}", auditor)
    assert missing.status_code == 404 and rows_of(store, request_id) == []
    theirs, request_id = await call(http, "GET", f"/v1/contexts/{place}", User(token_file, "auditor", "874"))
    assert theirs.status_code == 404 and rows_of(store, request_id) == []


async def test_a_read_that_cannot_be_recorded_fails_and_hands_nothing_over(http, store, token_file, clock, monkeypatch):
    today = await clock.today()
    system = User(token_file, "system")
    child = f"F{uuid.uuid4().hex[:12]}"
    jid = await start(http, system, today, child=child)

    def broken(engine, entries):
        raise OperationalError("INSERT INTO access_log", {}, Exception("disk full"))

    monkeypatch.setattr("services.access.record_access", broken)
    # The database failing is answered 503 (send it again shortly), as it is down; any other
    # failure 500 (the in-process transport would re-raise that one).
    transport = httpx.ASGITransport(app=http._transport.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://pathways.test") as client:
        for url in (f"/v1/journeys/{jid}", f"/v1/journeys/{jid}/events", "/v1/journeys?limit=500"):
            answer = await client.get(url, headers=system.headers())
            assert answer.status_code == 503 and answer.json()["error"]["code"] == "database_unavailable", url
            assert child not in answer.text and jid not in answer.text
        answer = await client.post(f"/v1/journeys/{jid}/commands", headers=system.headers(),
                                   json=command("record_strategy_discussion", occurred_on=today, outcome="s47_cp"))
        assert answer.status_code == 503 and child not in answer.text

        def failing(engine, entries):
            raise ValueError("not a database failure")

        monkeypatch.setattr("services.access.record_access", failing)
        answer = await client.get(f"/v1/journeys/{jid}", headers=system.headers())
        assert answer.status_code == 500 and answer.json()["error"]["code"] == "internal_error"
        assert child not in answer.text and jid not in answer.text


# --- reading the log --------------------------------------------------------------------------

async def test_auditors_list_the_log_per_journey_and_per_user_and_their_listing_is_recorded(
        http, store, token_file, clock):
    today = await clock.today()
    system, worker, auditor = User(token_file, "system"), User(token_file, "practitioner"), User(token_file, "auditor")
    first, second = await start(http, system, today), await start(http, system, today)
    for url in (f"/v1/journeys/{first}", f"/v1/journeys/{first}/events", f"/v1/journeys/{second}"):
        assert (await http.get(url, headers=worker.headers())).status_code == 200

    # Per journey, two to a page, oldest first.
    entries, cursor, listings = [], None, []
    while True:
        page, request_id = await call(http, "GET", f"/v1/audit/access?journey_id={first}&limit=2"
                                      + (f"&cursor={cursor}" if cursor else ""), auditor)
        assert page.status_code == 200, page.text
        assert page.json()["journey_id"] == first and page.json()["actor"] is None
        entries += page.json()["entries"]
        listings.append(request_id)
        assert rows_of(store, request_id) == [auditor.row(first, "access_log")]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert [(e["actor"], e["actor_role"], e["what"], e["channel"]) for e in entries] == [
        (system.name, "system", "command_answer", "api"), (worker.name, "practitioner", "journey", "api"),
        (worker.name, "practitioner", "events", "api")]
    assert len(listings) == 2  # a listing keeps to the log as it stood before its own row, page after page
    assert [e["id"] for e in entries] == sorted(e["id"] for e in entries)
    assert all(e["local_authority"] == "873" and e["journey_id"] == first and e["request_id"] for e in entries)

    # The next listing shows the earlier ones: reading the log is part of the log.
    again = (await http.get(f"/v1/audit/access?journey_id={first}&limit=500", headers=auditor.headers())).json()
    assert [(e["actor"], e["what"], e["request_id"]) for e in again["entries"][3:]] == [
        (auditor.name, "access_log", request_id) for request_id in listings]

    # Per user: everything the practitioner read, and the listing names them.
    theirs, request_id = await call(http, "GET", f"/v1/audit/access?actor={worker.name}", auditor)
    assert [(e["journey_id"], e["what"]) for e in theirs.json()["entries"]] == [
        (first, "journey"), (first, "events"), (second, "journey")]
    assert theirs.json()["actor"] == worker.name and theirs.json()["next_cursor"] is None
    assert rows_of(store, request_id) == [auditor.row(None, "access_log", detail=worker.name)]
    own = (await http.get(f"/v1/audit/access?actor={auditor.name}&limit=500", headers=auditor.headers())).json()
    assert {e["what"] for e in own["entries"]} == {"access_log"} and len(own["entries"]) == 4
    assert [e["detail"] for e in own["entries"]][-1] == worker.name


async def test_another_las_auditor_sees_nothing_and_other_roles_may_not_read_the_log(http, store, token_file, clock):
    today = await clock.today()
    system, worker = User(token_file, "system"), User(token_file, "practitioner")
    jid = await start(http, system, today)
    assert (await http.get(f"/v1/journeys/{jid}", headers=worker.headers())).status_code == 200

    elsewhere = User(token_file, "auditor", "874")
    theirs, request_id = await call(http, "GET", f"/v1/audit/access?journey_id={jid}", elsewhere)
    nobodys, _ = await call(http, "GET", f"/v1/audit/access?journey_id={uuid.uuid4()}", elsewhere)
    assert theirs.status_code == nobodys.status_code == 404 and theirs.content == nobodys.content
    assert theirs.json()["error"]["code"] == "journey_not_found" and rows_of(store, request_id) == []
    by_user, request_id = await call(http, "GET", f"/v1/audit/access?actor={worker.name}", elsewhere)
    assert by_user.status_code == 200 and by_user.json()["entries"] == []
    assert rows_of(store, request_id) == [elsewhere.row(None, "access_log", detail=worker.name)]
    assert access_by_user(store.engine, "874", worker.name) == []

    for role in ("system", "practitioner", "manager", "admin"):
        user = User(token_file, role)
        for query in (f"journey_id={jid}", f"actor={worker.name}"):
            refused, request_id = await call(http, "GET", f"/v1/audit/access?{query}", user)
            assert refused.status_code == 409, (role, refused.text)
            assert refused.json()["error"]["code"] == "not_allowed_for_role"
            assert rows_of(store, request_id) == []

    auditor = User(token_file, "auditor")
    for query in ("", f"journey_id={jid}&actor={worker.name}", f"journey_id={jid}&cursor=bm9wZQ==",
                  f"actor={worker.name}&limit=0", "actor="):
        malformed, request_id = await call(http, "GET", f"/v1/audit/access?{query}", auditor)
        assert malformed.status_code == 422, (query, malformed.text)
        assert rows_of(store, request_id) == []
    bad_cursor = await http.get(f"/v1/audit/access?journey_id={jid}&cursor=bm9wZQ==", headers=auditor.headers())
    assert bad_cursor.json()["detail"][0]["type"] == "invalid_cursor"
    assert (await http.get(f"/v1/audit/access?journey_id={jid}")).status_code == 401


async def test_the_audit_endpoint_is_in_the_openapi_document(http):
    document = (await http.get("/openapi.json")).json()
    operation = document["paths"]["/v1/audit/access"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"journey_id", "actor", "limit", "cursor"}
    assert {"401", "404", "409", "422"} <= set(operation["responses"])


# --- the dashboard ----------------------------------------------------------------------------

async def signed_in(app, user: User) -> httpx.AsyncClient:
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://dashboard.test")
    form = await client.get("/dashboard/sign-in")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    assert (await client.post("/dashboard/sign-in", data={"token": user.token, "csrf": csrf})).status_code == 303
    return client


async def page(client: httpx.AsyncClient, url: str) -> tuple[httpx.Response, str]:
    request_id = rid()
    return await client.get(url, headers={"X-Request-Id": request_id}), request_id


def journeys_linked(html: str) -> list[str]:
    return list(dict.fromkeys(re.findall(r'href="/dashboard/journeys/([0-9a-f-]{36})"', html)))


@pytest.mark.slow
async def test_the_dashboards_pages_record_their_reads(dashboard_app, store, token_file, clock):
    today = await clock.today()
    la = "994"  # this test's own LA
    system, manager = User(token_file, "system", la), User(token_file, "manager", la)
    place = f"yard-{uuid.uuid4().hex[:8]}"
    async with _api(dashboard_app) as api:
        late = await start(api, system, today, referral=today - timedelta(days=50))
        await send(api, system, late, command("record_strategy_discussion", occurred_on=today - timedelta(days=45),
                                              outcome="s47_roth"))
        await send(api, system, late, weigh(today, place))
        other = await start(api, system, today)

    client = await signed_in(dashboard_app, manager)
    try:
        overview, request_id = await page(client, "/dashboard")
        shown = journeys_linked(overview.text)
        assert overview.status_code == 200 and late in shown
        assert rows_of(store, request_id) == [manager.row(j, "overview", "dashboard") for j in shown]

        listed, request_id = await page(client, "/dashboard/journeys")
        assert sorted(journeys_linked(listed.text)) == sorted([late, other])
        assert rows_of(store, request_id) == [manager.row(j, "journey_list", "dashboard") for j in journeys_linked(listed.text)]

        journey, request_id = await page(client, f"/dashboard/journeys/{late}")
        assert journey.status_code == 200 and rows_of(store, request_id) == [manager.row(late, "journey_page", "dashboard")]
        assert 'id="access-log-link"' not in journey.text  # the log is the auditors'

        context, request_id = await page(client, f"/dashboard/contexts/{place}")
        assert context.status_code == 200 and journeys_linked(context.text) == [late]
        assert rows_of(store, request_id) == [manager.row(late, "context_linked", "dashboard", detail=place)]

        for url in (f"/dashboard/journeys/{uuid.uuid4()}", f"/dashboard/contexts/nowhere-{uuid.uuid4().hex[:6]}",
                    "/dashboard/contexts"):
            answer, request_id = await page(client, url)
            assert answer.status_code in (200, 404) and rows_of(store, request_id) == [], url

        refused, request_id = await page(client, f"/dashboard/access?journey_id={late}")
        assert refused.status_code == 403 and "for auditors" in refused.text and rows_of(store, request_id) == []
        assert 'href="/dashboard/access"' not in refused.text  # no such link in a manager's navigation
    finally:
        await client.aclose()

    # Another LA's dashboard sees none of it.
    elsewhere = await signed_in(dashboard_app, User(token_file, "auditor", "873"))
    try:
        answer, request_id = await page(elsewhere, f"/dashboard/journeys/{late}")
        assert answer.status_code == 404 and rows_of(store, request_id) == []
        answer, request_id = await page(elsewhere, f"/dashboard/access?journey_id={late}")
        assert answer.status_code == 404 and rows_of(store, request_id) == []
    finally:
        await elsewhere.aclose()

    auditor = User(token_file, "auditor", la)
    client = await signed_in(dashboard_app, auditor)
    try:
        journey, _ = await page(client, f"/dashboard/journeys/{late}")
        assert f'href="/dashboard/access?journey_id={late}"' in journey.text
        form, request_id = await page(client, "/dashboard/access")
        assert form.status_code == 200 and 'name="journey_id"' in form.text and rows_of(store, request_id) == []

        monkeypatch = pytest.MonkeyPatch()
        monkeypatch.setattr(dashboard_routes, "ACCESS_PAGE_SIZE", 3)
        try:
            url, seen, requests = f"/dashboard/access?journey_id={late}", [], []
            while url:
                answer, request_id = await page(client, url)
                assert answer.status_code == 200
                requests.append(request_id)
                seen += re.findall(r'<th scope="row"><a href="/dashboard/access\?actor=[^"]+">([^<]+)</a></th>', answer.text)
                following = re.search(r'<a href="([^"]+)" rel="next">Next page</a>', answer.text)
                url = following.group(1).replace("&amp;", "&") if following else None
        finally:
            monkeypatch.undo()
        assert len(requests) == 3
        assert seen == [system.name] * 3 + [manager.name] * 4 + [auditor.name]
        assert all(rows_of(store, r) == [auditor.row(late, "access_log", "dashboard")] for r in requests)

        theirs, request_id = await page(client, f"/dashboard/access?actor={manager.name}")
        assert theirs.status_code == 200 and "The dashboard’s journey page" in theirs.text
        assert rows_of(store, request_id) == [auditor.row(None, "access_log", "dashboard", detail=manager.name)]
    finally:
        await client.aclose()


def _api(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://pathways.test")


# --- the command line -------------------------------------------------------------------------

async def test_pathways_journey_records_the_operators_read(http, store, token_file, clock, database_url, tmp_path,
                                                          monkeypatch, capsys):
    from cli import show

    today = await clock.today()
    system = User(token_file, "system")
    child = f"K{uuid.uuid4().hex[:12]}"
    jid = await start(http, system, today, child=child)
    operator = f"ops-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("PATHWAYS_DATABASE_URL", database_url)
    monkeypatch.setattr(show.getpass, "getuser", lambda: operator)

    assert show.show_journey(tmp_path, jid, today) == 0
    assert child in capsys.readouterr().out
    [row] = access_by_user(store.engine, "873", operator)
    assert (row.actor, row.actor_role, row.local_authority, row.journey_id, row.what, row.channel, row.detail,
            row.request_id) == (operator, "operator", "873", jid, "journey_record", "cli", None, None)
    assert access_for_journey(store.engine, "873", jid)[-1] == row

    assert show.show_journey(tmp_path, str(uuid.uuid4()), today) == 1  # no such journey: nothing read
    assert len(access_by_user(store.engine, "873", operator)) == 1

    def broken(engine, entries):
        raise OperationalError("INSERT INTO access_log", {}, Exception("database is locked"))

    monkeypatch.setattr("services.access.record_access", broken)
    assert show.show_journey(tmp_path, jid, today) == 1
    shown = capsys.readouterr()
    assert child not in shown.out and "Could not record this read" in shown.err


def test_the_operator_is_the_operating_system_user():
    import getpass

    from cli import show

    assert show.operator() == getpass.getuser()


async def test_an_exported_audit_bundle_is_a_recorded_read(http, store, token_file, clock, database_url, tmp_path,
                                                           monkeypatch, keep_logging):
    from cli import show
    from cli.main import main

    today = await clock.today()
    jid = await start(http, User(token_file, "system"), today, child=f"K{uuid.uuid4().hex[:12]}")
    operator = f"ops-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("PATHWAYS_DATABASE_URL", database_url)
    monkeypatch.setenv("PATHWAYS_CHECKPOINT_KEY_FILE", str(tmp_path / "checkpoint.key"))
    monkeypatch.setattr(show.getpass, "getuser", lambda: operator)
    from audit.statements import load_or_create_key

    load_or_create_key(tmp_path / "checkpoint.key")
    bundle = tmp_path / "bundle.jsonl"
    assert main(["audit", "export", jid, "-o", str(bundle), "--data-dir", str(tmp_path)]) == 0
    [row] = access_by_user(store.engine, "873", operator)
    assert (row.journey_id, row.what, row.channel, row.actor_role) == (jid, "audit_bundle", "cli", "operator")
