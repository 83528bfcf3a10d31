"""The managers' dashboard: server-rendered pages under /dashboard, read-only.

Sign in with a bearer token (a manager's or an auditor's); the browser then holds only a
session id (see session.py). Every page is confined to the token's LA exactly like the API:
another LA's journey is the same "not found" page as one that does not exist. Nothing about
a young person goes into a URL's query string or a log line: URLs carry journey ids, context
ids (the LA's names for places and groups, never people) and filter codes only, and the
request log records who looked at which journey, by id.

Every page that shows a journey's data records it in the access log (api/access.py,
channel "dashboard") before it is returned: the journey page, each journey listed on the
overview, the journey list and a context's page. Auditors (only they) read the log on
/dashboard/access, per journey or per user; that read is recorded too.

Context pages (/dashboard/contexts) join the two kinds of case: a context's own case, read
from its workflow, and the LA's journeys whose latest context weighting names it, read from
the journeys read model. Another LA's context is the same "not found" page as an unknown one.

The cohort report (/dashboard/reports/cohort) shows the published figures of
reports/cohort_report.py for a period and threshold, with its charts and exports served
here too (the browser holds a session, not the API's bearer token); each is recorded in the
access log as the API's are (services/reports.py COHORT_REPORT says why and how).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from temporalio.client import WorkflowQueryFailedError
from temporalio.service import RPCError

from api import access
from api.dashboard import session as sessions_
from api.dashboard import words
from services.identity import Principal
from api.logging import note
from api.dependencies import Services, services
from services import census, contexts, dashboard, journeys, oversight, reports
from services.access import access_log_page
from services.clock import la_today
from services.errors import NotFound
from services.permissions import may_read_access_log, may_use_dashboard
from domain.calendar import WorkingDayCalendar, birthday
from domain.deadlines import EXTENDED, MISSED, OPEN, status_on
from domain.disclosure import DEFAULT_THRESHOLD
from domain.periods import period_problem, twelve_months_to
from reports import charts
from reports.cin_census import collection_year
from reports.cin_validation import RULESETS, CinValidatorError
from reports.cohort_report import to_csv, to_xlsx
from domain.weighting import CONTEXT_ID, HOME_FAMILY
from workflows.local_time import LONDON, london_date

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
words.install(templates.env)

PAGE_SIZE = 25
ACCESS_PAGE_SIZE = 50
OVERVIEW_LIST = 20
OVERDUE_PEEK = OVERVIEW_LIST + 1  # one more than shown: is there more to see?
STATIC_FILES = {"dashboard.css": "text/css; charset=utf-8"}
# The cohort report's files, as the API serves them.
CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SVG = "image/svg+xml"

SECURITY_HEADERS = {
    # Case details must not linger in shared browsers' caches or be framed by other sites.
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}

router = APIRouter(prefix="/dashboard", include_in_schema=False)


def dashboard_today() -> date:
    """The LA's today (London). Tests override this dependency with the test server's clock."""
    return la_today()


# --- signing in and out -----------------------------------------------------------------

@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, signed_out: str = "", svc: Services = Depends(services)) -> Response:
    if signed_in(request, svc) is not None:
        return RedirectResponse("/dashboard", status_code=303)
    return _sign_in_form(request, message="You have signed out." if signed_out else None)


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in(
    request: Request, token: str = Form(""), csrf: str = Form(""), svc: Services = Depends(services),
) -> Response:
    if not sessions_.csrf_matches(request, csrf, svc.codec.ring):
        return _sign_in_form(request, error="Your sign-in form had expired. Please paste your access token again.", status=400)
    token = token.strip()
    who = svc.identity.resolve(token) if token else None
    if who is None:
        error = "Enter your access token." if not token else "That access token was not recognised. Check it and try again."
        return _sign_in_form(request, error=error, status=401)
    request.state.principal = who  # for the request log: who signed in, never about whom
    if not may_use_dashboard(who):
        return _sign_in_form(
            request, status=403,
            error=f"This dashboard is for managers and auditors. Your access token is for {words.a(who.role)}.",
        )
    store = sessions_.sessions(request)
    store.end(request.cookies.get(sessions_.COOKIE))  # never carry a session id over a sign-in
    session_id = store.create(token)
    response = RedirectResponse("/dashboard", status_code=303)
    sessions_.set_cookie(response, request, sessions_.COOKIE, session_id)
    sessions_.clear_cookie(response, request, sessions_.CSRF_COOKIE)
    return response


@router.post("/sign-out")
def sign_out(request: Request) -> Response:
    sessions_.sessions(request).end(request.cookies.get(sessions_.COOKIE))
    response = RedirectResponse("/dashboard/sign-in?signed_out=1", status_code=303)
    sessions_.clear_cookie(response, request, sessions_.COOKIE)
    return response


# --- pages --------------------------------------------------------------------------------

@router.get("", response_class=HTMLResponse)
def overview(request: Request, svc: Services = Depends(services), today: date = Depends(dashboard_today)) -> Response:
    who = signed_in(request, svc)
    if who is None:
        return _to_sign_in()
    week_end = today + timedelta(days=6)
    period_start = twelve_months_to(today)
    seen = dashboard.overview(svc.store, access.reader(request), today, week_end, period_start, _calendar(svc),
                              OVERVIEW_LIST)
    overdue, due_soon, people = seen["overdue"], seen["due_soon"], seen["people"]
    context = {
        "who": who, "today": today, "nav": "overview",
        "caseload": _caseload_table(seen["caseload"]),
        "overdue": [_row(j, people, today) for j in overdue[:OVERVIEW_LIST]],
        "overdue_more": len(overdue) > OVERVIEW_LIST,
        "due_soon": [_row(j, people, today) for j in due_soon[:OVERVIEW_LIST]],
        "due_soon_more": len(due_soon) > OVERVIEW_LIST,
        "week_end": week_end,
        "kpis": seen["kpis"],
        "period_start": period_start,
        "plan_check": _plan_check(seen["plan_findings"]),
    }
    return _render(request, "overview.html", context)


@router.get("/journeys", response_class=HTMLResponse)
def journey_list(
    request: Request, pathway: str = "", stage: str = "", overdue: str = "", cursor: str = "", page: str = "1",
    svc: Services = Depends(services), today: date = Depends(dashboard_today),
) -> Response:
    who = signed_in(request, svc)
    if who is None:
        return _to_sign_in()
    # Unknown filter values are ignored rather than refused: this is a page, not the API.
    pathway = pathway if pathway in words.PATHWAYS else ""
    stage = stage if stage in words.STAGE_ORDER else ""
    overdue_only = overdue == "yes"
    after = _decode_cursor(cursor)
    page_number = max(int(page), 1) if after and page.isdigit() else 1
    shown, more, people = dashboard.journey_list(
        svc.store, access.reader(request), pathway=pathway or None, stage=stage or None,
        overdue=True if overdue_only else None, after=after, limit=PAGE_SIZE,
    )
    filters = {k: v for k, v in (("pathway", pathway), ("stage", stage), ("overdue", "yes" if overdue_only else "")) if v}
    context = {
        "who": who, "today": today, "nav": "overdue" if overdue_only and not (pathway or stage) else "journeys",
        "journeys": [_row(j, people, today) for j in shown],
        "filters": filters, "pathway": pathway, "stage": stage, "overdue_only": overdue_only,
        "pathways": words.PATHWAYS, "stages": {s: words.stage(s) for s in words.STAGE_ORDER},
        "first_shown": (page_number - 1) * PAGE_SIZE + 1,
        "next_url": _list_url({**filters, "cursor": _encode_cursor(shown[-1].journey_id), "page": page_number + 1}) if more else None,
        "first_url": _list_url(filters) if after else None,
    }
    return _render(request, "journeys.html", context)


@router.get("/journeys/{journey_id}", response_class=HTMLResponse)
def journey_page(
    request: Request, journey_id: str, svc: Services = Depends(services), today: date = Depends(dashboard_today),
    as_occurred_by: str | None = None, as_recorded_at: str | None = None,
) -> Response:
    """The journey as it stands, or (with `as_occurred_by`, a day, and/or `as_recorded_at`, a
    London local time) as it stood: folded from the log by domain/history.py."""
    who = signed_in(request, svc)
    if who is None:
        return _to_sign_in()
    found = journeys.find(svc.store, journey_id, who.local_authority)
    if found is None or found[1] is None:
        # Not noted: a path that is not one of this LA's journey ids could be anything typed.
        return _not_found(request, who, today)
    note(request, journey_id=journey_id)  # who looked at which journey, by id
    summary, view = found
    entries = oversight.journey_timeline(svc.store, who.local_authority, journey_id)
    if entries is None:
        return _not_found(request, who, today)
    as_of_asked = _as_of_query(as_occurred_by, as_recorded_at)
    if as_of_asked is not None:
        occurred_by, recorded_by = as_of_asked
        today = occurred_by or (london_date(recorded_by) if recorded_by else today)
        view = journeys.view_as_of(svc.store, journey_id, recorded_by, occurred_by, _calendar(svc), today) or view
    access.record(request, access.JOURNEY_PAGE, [journey_id],
                  None if as_of_asked is None else f"as_occurred_by={as_occurred_by or '-'} as_recorded_at={as_recorded_at or '-'}")
    person = view.get("young_person") or {}
    shown = [_deadline(d, today) for d in view.get("deadlines", [])]
    context = {
        "who": who, "today": today, "nav": "journeys",
        "summary": summary, "view": view,
        "child_id": person.get("id") or "(not recorded)", "age": words.age_on(person.get("date_of_birth"), today),
        "plan": view.get("plan"),
        "upcoming": [d for d in shown if not d["met_on"]],
        "past": [d for d in shown if d["met_on"]],
        "missed": [d for d in shown if d["status"] == "missed" and not d["met_on"]],
        "timeline": _timeline(entries, today),
        "may_read_access_log": may_read_access_log(who),
        "as_of": {"occurred_by": as_occurred_by or "", "recorded_at": as_recorded_at or "",
                  "shown": as_of_asked is not None},
        **_practice(view, today),
    }
    return _render(request, "journey.html", context)


def _as_of_query(as_occurred_by: str | None, as_recorded_at: str | None) -> tuple[date | None, datetime | None] | None:
    """The page's date picker: (day, moment) when either is given and well formed, else None
    (a malformed value shows the journey as it stands, as if nothing had been asked)."""
    try:
        day = date.fromisoformat(as_occurred_by) if as_occurred_by else None
        moment = datetime.fromisoformat(as_recorded_at) if as_recorded_at else None
    except ValueError:
        return None
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=LONDON)
    return None if day is None and moment is None else (day, moment)


@router.get("/contexts", response_class=HTMLResponse)
async def context_list(request: Request, svc: Services = Depends(services), today: date = Depends(dashboard_today)) -> Response:
    """Contexts outside the home that several of the LA's open journeys name in their latest
    weighting: where a context conference may be warranted."""
    who = signed_in(request, svc)
    if who is None:
        return _to_sign_in()
    la = who.local_authority
    linked = await run_in_threadpool(contexts.named_by_open_journeys, svc.store, la, 2)
    ids = [row["context_id"] for row in linked]
    cases = await asyncio.gather(*(_context_case(svc, la, context_id) for context_id in ids))
    # A context never referred has no case to name it: the journeys that weigh it do.
    unnamed = [context_id for context_id, case in zip(ids, cases) if not (case or {}).get("name")]
    names = await run_in_threadpool(dashboard.context_names, svc.store, la, unnamed)
    rows = []
    for row, case in zip(linked, cases):
        named = names.get(row["context_id"], {})
        rows.append({
            "context_id": row["context_id"], "open_journeys": row["open_journeys"],
            "name": (case or {}).get("name") or named.get("name") or row["context_id"],
            "kind": (case or {}).get("kind") or named.get("kind"),
            "case": _context_case_view(case, today) if case else None,
        })
    return _render(request, "contexts.html", {"who": who, "today": today, "nav": "contexts", "contexts": rows})


@router.get("/contexts/{context_id}", response_class=HTMLResponse)
async def context_page(
    request: Request, context_id: str, svc: Services = Depends(services), today: date = Depends(dashboard_today),
) -> Response:
    """A context case, if the context was referred, and the young people whose journeys name it.
    Only the signed-in LA's: another LA's context, or one nobody names, is not found."""
    who = signed_in(request, svc)
    if who is None:
        return _to_sign_in()
    if not CONTEXT_ID.match(context_id):
        return _not_found(request, who, today, what="context")
    note(request, context_id=context_id)  # who looked at which context, by id
    la = who.local_authority
    case, linked = await asyncio.gather(
        _context_case(svc, la, context_id),
        run_in_threadpool(dashboard.journeys_naming, svc.store, la, context_id),
    )
    if case is not None and (case.get("local_authority") not in (None, la) or (case.get("unreadable") and not linked)):
        case = None
    if case is None and not linked:
        return _not_found(request, who, today, what="context")
    views = await run_in_threadpool(dashboard.linked_views, svc.store, access.reader(request), context_id, linked)
    young = [_linked_row(j, views.get(j["journey_id"]) or {}, context_id, today) for j in linked]
    named = next((y["weighted"] for y in young if y["weighted"]), None) or {}
    context = {
        "who": who, "today": today, "nav": "contexts",
        "context_id": context_id,
        "name": (case or {}).get("name") or named.get("name") or context_id,
        "kind": (case or {}).get("kind") or named.get("kind"),
        "case": _context_case_view(case, today) if case else None,
        "open_young": [y for y in young if not y["closed"]],
        "closed_young": [y for y in young if y["closed"]],
    }
    return _render(request, "context.html", context)


@router.get("/access", response_class=HTMLResponse)
def access_page(
    request: Request, journey_id: str = "", actor: str = "", cursor: str = "",
    svc: Services = Depends(services), today: date = Depends(dashboard_today),
) -> Response:
    """The access log, for auditors: who read a journey (`journey_id`), or what one user read
    (`actor`), oldest first, a page at a time. Without either, the form to ask. Reading it is
    recorded, as through the API."""
    who = signed_in(request, svc)
    if who is None:
        return _to_sign_in()
    context = {"who": who, "today": today, "nav": "access", "journey_id": journey_id, "actor": actor,
               "entries": None, "next_url": None, "first_url": None}
    if not may_read_access_log(who):
        return _render(request, "access.html", {**context, "refused": True}, 403)
    journey_id, actor = journey_id.strip()[:64], actor.strip()[:200]
    if not journey_id and not actor:
        return _render(request, "access.html", context)
    try:
        after, before = access.decode_cursor(cursor)
    except ValueError:
        after, before = None, None  # a page, not the API: a spoilt cursor starts again at the first page
    if journey_id:
        actor = ""
    try:
        rows, before = access_log_page(svc.store, access.reader(request), journey_id or None, actor or None,
                                       after, before, ACCESS_PAGE_SIZE)
    except NotFound:
        return _not_found(request, who, today)
    if journey_id:
        note(request, journey_id=journey_id)
    shown, more = rows[:ACCESS_PAGE_SIZE], len(rows) > ACCESS_PAGE_SIZE
    asked = {"journey_id": journey_id} if journey_id else {"actor": actor}
    context.update({
        "journey_id": journey_id, "actor": actor, "entries": shown,
        "next_url": (f"/dashboard/access?{urlencode({**asked, 'cursor': access.encode_cursor(shown[-1].id, before)})}"
                     if more else None),
        "first_url": f"/dashboard/access?{urlencode(asked)}" if after is not None else None,
    })
    return _render(request, "access.html", context)


@router.get("/reports/cohort", response_class=HTMLResponse)
def cohort_page(
    request: Request, start: str = Query("", alias="from"), end: str = Query("", alias="to"), threshold: str = "",
    svc: Services = Depends(services), today: date = Depends(dashboard_today),
) -> Response:
    """The cohort report for a period (the last 12 months unless asked) and threshold: its
    tables with suppressed counts marked, its charts, and links to its exports."""
    who = signed_in(request, svc)
    if who is None:
        return _to_sign_in()
    asked, error = _cohort_query(start, end, threshold, today)
    default_from = twelve_months_to(today)
    context = {
        "who": who, "today": today, "nav": "cohort", "error": error, "report": None,
        "form": {"from": start or default_from.isoformat(), "to": end or today.isoformat(),
                 "threshold": threshold or str(DEFAULT_THRESHOLD)},
    }
    if asked is None:
        return _render(request, "cohort.html", context, 400)
    period_from, period_to, limit = asked
    report = reports.cohort(svc.store, who.local_authority, period_from, period_to, _calendar(svc), limit)
    reports.record_cohort_read(svc.store, access.reader(request), period_from, period_to, limit, "page")
    query = urlencode({"from": period_from.isoformat(), "to": period_to.isoformat(), "threshold": limit})
    context.update({
        "report": report,
        "charts": {name: f"/dashboard/reports/cohort/charts/{name}.svg?{query}" for name in charts.CHARTS},
        "exports": {kind: f"/dashboard/reports/cohort/export.{kind}?{query}" for kind in ("csv", "xlsx")},
    })
    return _render(request, "cohort.html", context)


@router.get("/reports/cohort/charts/{chart}.svg")
def cohort_chart(
    request: Request, chart: str, start: str = Query("", alias="from"), end: str = Query("", alias="to"),
    threshold: str = "", svc: Services = Depends(services), today: date = Depends(dashboard_today),
) -> Response:
    """A chart of the cohort report page, for its <img>: the same as the API's."""
    found = _cohort_report_for(request, svc, start, end, threshold, today, chart in charts.CHARTS)
    if isinstance(found, Response):
        return found
    _, report, (period_from, period_to, limit) = found
    svg = charts.chart(report, chart)
    reports.record_cohort_read(svc.store, access.reader(request), period_from, period_to, limit, f"chart={chart}")
    # An SVG image runs no script; its own styles (matplotlib writes inline ones) must apply.
    return Response(svg, media_type=SVG, headers={
        **SECURITY_HEADERS, "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})


@router.get("/reports/cohort/export.{kind}")
def cohort_export(
    request: Request, kind: str, start: str = Query("", alias="from"), end: str = Query("", alias="to"),
    threshold: str = "", svc: Services = Depends(services), today: date = Depends(dashboard_today),
) -> Response:
    """The cohort report's published tables as a file (csv or xlsx), as the API exports them."""
    found = _cohort_report_for(request, svc, start, end, threshold, today, kind in ("csv", "xlsx"))
    if isinstance(found, Response):
        return found
    who, report, (period_from, period_to, limit) = found
    content = to_csv(report).encode("utf-8") if kind == "csv" else to_xlsx(report)
    reports.record_cohort_read(svc.store, access.reader(request), period_from, period_to, limit, f"format={kind}")
    filename = f"cohort-report-{who.local_authority}-{period_from.isoformat()}-to-{period_to.isoformat()}.{kind}"
    return Response(content, media_type=CSV if kind == "csv" else XLSX, headers={
        **SECURITY_HEADERS, "Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/reports/readiness", response_class=HTMLResponse)
async def readiness_page(
    request: Request, year: str = "", ruleset: str = "", svc: Services = Depends(services),
    today: date = Depends(dashboard_today),
) -> Response:
    """Return readiness: the year's CIN census return checked with DfE's rules, each finding
    with its young person, the journeys to put right and what to send. The check runs only
    when asked (it takes seconds), for the last complete collection year unless another is."""
    who = signed_in(request, svc)
    if who is None:
        return _to_sign_in()
    last_year = today.year - 1 if today >= date(today.year, 4, 1) else today.year - 2
    form = {"year": year or f"{last_year}-{(last_year + 1) % 100:02d}", "ruleset": ruleset}
    context = {"who": who, "today": today, "nav": "readiness", "form": form, "rulesets": RULESETS,
               "error": None, "result": None}
    if not year:
        return _render(request, "readiness.html", context)
    try:
        chosen = collection_year(year)
    except ValueError as err:
        context["error"] = str(err)
        return _render(request, "readiness.html", context, 400)
    rules = ruleset or chosen.ruleset
    if rules not in RULESETS:
        context["error"] = f"There are no DfE rules for {rules} here: choose one of {', '.join(RULESETS)}."
        return _render(request, "readiness.html", context, 400)
    try:
        context["result"] = await run_in_threadpool(
            census.readiness, svc.store, access.reader(request), chosen, rules, _calendar(svc),
            svc.settings.cin_validator_python)
    except CinValidatorError:
        context["error"] = "DfE's validator is not installed on this server; ask the service's operator."
        return _render(request, "readiness.html", context, 503)
    return _render(request, "readiness.html", context)


def _cohort_report_for(request: Request, svc: Services, start: str, end: str, threshold: str, today: date, known: bool):
    """(who, report, (from, to, threshold)) for a chart or an export of the cohort page, or the
    answer instead: to sign in, or 404 for a malformed query or an unknown chart or format."""
    who = signed_in(request, svc)
    if who is None:
        return _to_sign_in()
    asked, _ = _cohort_query(start, end, threshold, today)
    if asked is None or not known:
        return Response(status_code=404, headers=SECURITY_HEADERS)
    period_from, period_to, limit = asked
    report = reports.cohort(svc.store, who.local_authority, period_from, period_to, _calendar(svc), limit)
    return who, report, asked


def _cohort_query(start: str, end: str, threshold: str, today: date) -> tuple[tuple[date, date, int] | None, str | None]:
    """The cohort page's form: ((from, to, threshold), None), or (None, what to put right).
    Left empty, the period is the last 12 months and the threshold the default."""
    try:
        period_from = date.fromisoformat(start) if start else twelve_months_to(today)
        period_to = date.fromisoformat(end) if end else today
    except ValueError:
        return None, "Enter the period's first and last days as dates, for example 2026-04-01."
    if threshold and not (threshold.isdigit() and 1 <= int(threshold) <= 100):
        return None, "Enter the threshold as a whole number from 1 to 100."
    problem = period_problem(period_from, period_to)
    if problem is not None:
        return None, problem[1]
    return (period_from, period_to, int(threshold) if threshold else DEFAULT_THRESHOLD), None


@router.get("/static/{name}")
def static(name: str) -> Response:
    if name not in STATIC_FILES:
        return Response(status_code=404)
    return FileResponse(HERE / "static" / name, media_type=STATIC_FILES[name],
                        headers={"Cache-Control": "max-age=300", "X-Content-Type-Options": "nosniff"})


# --- helpers ------------------------------------------------------------------------------

def signed_in(request: Request, svc: Services) -> Principal | None:
    """The signed-in manager or auditor, resolved afresh from the session's token (also the
    codec endpoint's caller under /dashboard/codec)."""
    store = sessions_.sessions(request)
    session_id = request.cookies.get(sessions_.COOKIE)
    token = store.token(session_id)
    who = svc.identity.resolve(token) if token else None
    if who is None or not may_use_dashboard(who):
        store.end(session_id)
        return None
    request.state.principal = who  # the request log records who looked, never about whom
    return who


def _to_sign_in() -> Response:
    response = RedirectResponse("/dashboard/sign-in", status_code=303)
    response.headers.update(SECURITY_HEADERS)
    return response


def _sign_in_form(request: Request, error: str | None = None, message: str | None = None, status: int = 200) -> Response:
    csrf = sessions_.new_csrf(request.app.state.services.codec.ring)
    response = _render(request, "sign_in.html", {"error": error, "message": message, "csrf": csrf, "who": None}, status)
    sessions_.set_cookie(response, request, sessions_.CSRF_COOKIE, csrf, max_age=sessions_.CSRF_LIFETIME)
    return response


def _not_found(request: Request, who: Principal, today: date, what: str = "journey") -> Response:
    nav = "contexts" if what == "context" else "journeys"
    return _render(request, "not_found.html", {"who": who, "today": today, "nav": nav, "what": what}, 404)


def _render(request: Request, name: str, context: dict, status: int = 200) -> Response:
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers.update(SECURITY_HEADERS)
    return response


def _row(summary, people: dict, today: date) -> dict:
    """A journey summary as a list row: who (child id, age), where, and what is due."""
    person = people.get(summary.journey_id, {})
    due = words.as_date(summary.next_due_on)
    return {
        "journey_id": summary.journey_id,
        "child_id": person.get("id") or "(not recorded)",
        "age": words.age_on(person.get("date_of_birth"), today),
        "pathway": summary.pathway, "stage": summary.stage, "closed": summary.closed,
        "closed_on": summary.closed_on, "opened_on": summary.opened_on,
        "next_kind": summary.next_deadline_kind, "next_due_on": due,
        "overdue": summary.overdue,
        "when": words.due_in(due, today) if due else "",
    }


def _deadline(d: dict, today: date) -> dict:
    """A deadline with the words a manager reads: 'Initial conference due 24 March 2026 — missed'."""
    due = words.as_date(d.get("due_on"))
    original = words.as_date(d.get("original_due_on")) or due
    met_on = words.as_date(d.get("met_on"))
    status = d.get("status", OPEN)
    # The read model is as of the journey's last change; a due date that has passed since
    # then is missed by the same rule the journey's clock applies (it records it at midnight).
    if status in (OPEN, EXTENDED) and due:
        status = status_on(d.get("kind"), due, today, extended=status == EXTENDED)
    if d.get("kind") == "eighteenth_birthday":
        detail = "turns 18 and moves to adult services"
    elif met_on:
        detail = f"held {words.uk_date(met_on)}" + (", on time" if status == "met" else ", late")
    elif status == "missed":
        detail = f"not held yet — {words.overdue_by(due, today)}"
    else:
        detail = words.due_in(due, today)
    return {
        "kind": d.get("kind"), "label": words.deadline(d.get("kind")), "due_on": due,
        "original_due_on": original, "was_extended": original != due, "status": status,
        "status_label": words.STATUSES.get(status, status), "met_on": met_on, "detail": detail,
    }


def _timeline(entries: list[dict], today: date) -> list[dict]:
    """The manager queries' timeline in the dashboard's words.

    A deadline met by a step is shown on that step's line rather than as a line of its own;
    a missed deadline the clock has recorded is not listed again as still to come.
    """
    missed_recorded = {_key(e) for e in entries if e.get("type") == "DeadlineMissed" and e.get("deadline")}
    still_missed = set()
    shown: list[dict] = []
    for entry in entries:
        ref = entry.get("deadline")
        if entry.get("type") == "DeadlineDue" and ref and _key(entry) in missed_recorded:
            if _deadline(ref, today)["status"] == "missed":
                still_missed.add(_key(entry))
                continue
        line = _timeline_entry(entry, today)
        previous = shown[-1] if shown else None
        if (entry.get("type") == "DeadlineMet" and previous is not None and previous["kind"] == "step"
                and previous["version"] is not None and entry.get("version") == previous["version"] + 1):
            previous["outcome"] = line
            continue
        shown.append(line)
    for line in shown:
        if line["type"] == "DeadlineMissed" and line["key"] in still_missed:
            line["title"] += ", not held yet"
    return shown


def _key(entry: dict) -> tuple:
    ref = entry.get("deadline") or {}
    return ref.get("kind"), ref.get("due_on")


def _timeline_entry(entry: dict, today: date) -> dict:
    """One timeline line: deadlines read 'Initial conference due 24 March 2026 — missed'."""
    kind = entry.get("type")
    shown = {"date": entry.get("date"), "title": entry.get("title"), "detail": entry.get("detail"),
             "status": None, "status_label": None, "css": entry.get("kind") or "step",
             "kind": entry.get("kind"), "type": kind, "version": entry.get("version"),
             "key": _key(entry), "outcome": None, "by": None}
    ref = entry.get("deadline")
    if kind == "JourneyStarted":
        shown["detail"] = None  # the policy version: the deadlines table says what it means
    if ref and kind in ("DeadlineMet", "DeadlineMissed", "DeadlineDue") and ref.get("kind") != "eighteenth_birthday":
        d = _deadline(ref, today)
        title = f"{d['label']} due {words.uk_date(d['due_on'])}"
        if kind == "DeadlineMet":
            title += " — met" if d["status"] == "met" else " — missed, held late"
        elif kind == "DeadlineMissed":
            title += " — missed"
        elif d["status"] == "missed":
            title += " — missed, not held yet"
        shown["title"] = title
        shown["detail"] = (f"Originally due {words.uk_date(d['original_due_on'])}"
                           if d["was_extended"] and kind == "DeadlineDue" else None)
        shown["status"], shown["status_label"] = d["status"], d["status_label"]
        shown["css"] = "pending" if kind == "DeadlineDue" and d["status"] != "missed" else d["status"]
    elif ref and kind == "DeadlineExtended":
        shown["status"], shown["status_label"], shown["css"] = "extended", words.STATUSES["extended"], "extended"
    elif kind == "DeadlineApproaching":
        shown["css"] = "reminder"
    actor = entry.get("actor")
    if actor:
        shown["by"] = "recorded by the journey’s clock" if actor == "journey-clock" else f"recorded by {actor}"
    elif kind == "DeadlineDue":
        shown["by"] = "still to come" if shown["status"] != "missed" else None
    return shown


def _practice(view: dict, today: date) -> dict:
    """ROTH practice on the journey page: who holds and chairs the case, the context
    weighting history, the transfer prompt, the plan under its three headings with its
    quality check, participation and consent, and the transition plan."""
    weightings = view.get("context_weightings") or []
    names: dict[str, str] = {}
    outside_ids: set[str] = set()
    for weighting in weightings:  # the latest name and kind of each context win
        for c in weighting.get("contexts", []):
            names[c["context_id"]] = c["name"]
            if c.get("kind") != HOME_FAMILY:
                outside_ids.add(c["context_id"])
            else:
                outside_ids.discard(c["context_id"])
    history = []
    previous_side = None
    for number, weighting in enumerate(weightings, start=1):
        contexts = weighting.get("contexts") or []
        top = max((c["weight"] for c in contexts), default=None)
        side = weighting.get("most_influential")
        rows = []
        for c in sorted(contexts, key=lambda c: -c["weight"]):  # the most influential first
            outside = c.get("kind") != HOME_FAMILY
            rows.append({
                **c, "outside": outside, "top": c["weight"] == top,
                "url": f"/dashboard/contexts/{c['context_id']}" if outside and CONTEXT_ID.match(c["context_id"]) else None,
                "affects_names": [names.get(other, other) for other in c.get("affects") or ()],
            })
        shifted = previous_side is not None and side is not None and side != previous_side
        history.append({
            "number": number, "occurred_on": weighting.get("occurred_on"), "at": weighting.get("at"),
            "most_influential": side, "contexts": rows, "latest": number == len(weightings),
            "shift": (previous_side, side) if shifted else None,
        })
        previous_side = side if side is not None else previous_side

    care = view.get("care_plan")
    plan = None
    if care:
        goals = care.get("goals") or []
        met_needs = {g.get("need") for g in goals if g.get("heading") == "needs"}
        plan = {
            "version": care.get("version"), "made_on": care.get("made_on"), "made_at": care.get("made_at"),
            "needs": [{"code": n, "met": n in met_needs} for n in care.get("needs") or []],
            "headings": [
                {"code": heading, "goals": [_goal(g, names, outside_ids) for g in goals if g.get("heading") == heading]}
                for heading in words.PLAN_HEADING_ORDER
            ],
        }
        plan["headings"] += [  # a heading this page does not know, should one ever appear
            {"code": h, "goals": [_goal(g, names, outside_ids) for g in goals if g.get("heading") == h]}
            for h in dict.fromkeys(g.get("heading") for g in goals) if h not in words.PLAN_HEADING_ORDER
        ]
    person = view.get("young_person") or {}
    born = words.as_date(person.get("date_of_birth"))
    participation = sorted(view.get("participation") or [],
                           key=lambda p: (p.get("occurred_on") or "", p.get("meeting") or "", p.get("participant") or ""))
    return {
        "allocation": view.get("allocation"),
        "chair": view.get("chair"),
        "weightings": history,
        "transfer_prompt": view.get("transfer_prompt"),
        "care_plan": plan,
        "plan_findings": view.get("plan_findings") or [],
        "participation": participation,
        "consents": view.get("consents") or [],
        "transition_plan_on": view.get("transition_plan_on"),
        "transition_plan_due": bool(view.get("transition_plan_due")) and not view.get("closed"),
        "eighteenth_birthday": birthday(born, 18) if born else None,
    }


def _goal(goal: dict, names: dict[str, str], outside: set[str]) -> dict:
    return {
        "description": goal.get("description"), "need": goal.get("need"), "outcome": goal.get("outcome"),
        "actions": [
            {"description": a.get("description"), "owner": a.get("owner"), "due_on": a.get("due_on"),
             "targets": [_target(t, names, outside) for t in a.get("targets") or ()]}
            for a in goal.get("actions") or ()
        ],
    }


def _target(target: str, names: dict[str, str], outside: set[str]) -> dict:
    """Whom or what an action is aimed at, in words, with a link to the page of a context
    outside the home (the family's own context is the journey's, never a context case)."""
    if target == "young_person":
        return {"label": "Young person", "url": None}
    if target == "family":
        return {"label": "Family", "url": None}
    url = f"/dashboard/contexts/{target}" if target in outside and CONTEXT_ID.match(target) else None
    return {"label": names.get(target, target), "url": url}


async def _context_case(svc: Services, local_authority: str, context_id: str) -> dict | None:
    """The context case's view from its workflow, or None if it was never referred (a
    refused referral leaves a workflow without a case)."""
    try:
        return await contexts.case(svc, local_authority, context_id)
    except (RPCError, WorkflowQueryFailedError):
        return {"unreadable": True}


def _context_case_view(case: dict, today: date) -> dict:
    """A context case in the dashboard's words: its next conference with a status, its actions."""
    if case.get("unreadable"):
        return {"unreadable": True}
    following = case.get("next_conference")
    next_conference = None
    if following and not case.get("closed"):
        due = words.as_date(following.get("due_on"))
        status = status_on(following.get("kind"), due, today) if due else OPEN
        next_conference = {
            "kind": following.get("kind"), "due_on": due,
            "status": status, "status_label": words.STATUSES[status],
            "detail": words.due_in(due, today),
        }
    actions = []
    for action in case.get("actions") or []:
        due, done = words.as_date(action.get("due_on")), words.as_date(action.get("done_on"))
        if done:
            status, label = "met", "Done"
        elif due and status_on("context_action", due, today) == MISSED:
            status, label = "missed", "Overdue"
        else:
            status, label = "open", "Open"
        actions.append({**action, "due_on": due, "done_on": done, "status": status, "status_label": label,
                        "detail": f"done {words.uk_date(done)}" if done else words.due_in(due, today)})
    return {
        "unreadable": False, "referred_on": case.get("referred_on"), "conferences_held": case.get("conferences_held") or 0,
        "last_conference_on": case.get("last_conference_on"), "next_conference": next_conference,
        "actions": actions, "closed": case.get("closed"), "closed_on": case.get("closed_on"),
        "closure_reason": case.get("closure_reason"),
    }


def _linked_row(linked: dict, view: dict, context_id: str, today: date) -> dict:
    """A young person whose journey names the context: who, where, what is due, and how the
    context weighs for them in their latest weighting."""
    person = view.get("young_person") or {}
    weightings = view.get("context_weightings") or []
    latest = weightings[-1] if weightings else {}
    weighted = next((c for c in latest.get("contexts") or [] if c.get("context_id") == context_id), None)
    due = words.as_date(linked.get("next_due_on"))
    return {
        "journey_id": linked["journey_id"],
        "child_id": linked.get("child_id") or person.get("id") or "(not recorded)",
        "age": words.age_on(person.get("date_of_birth"), today),
        "pathway": linked.get("pathway"), "stage": linked.get("stage"), "closed": linked.get("closed"),
        "next_kind": linked.get("next_deadline_kind"), "next_due_on": due,
        "overdue": bool(due and status_on(linked.get("next_deadline_kind"), due, today) == MISSED
                        and not linked.get("closed")),
        "when": words.due_in(due, today) if due else "",
        "findings": len(linked.get("plan_findings") or []), "has_plan": bool(view.get("care_plan")),
        "weighted": weighted,
        "weighted_on": latest.get("occurred_on") if weighted else None,
    }


def _plan_check(counts: dict[str, int]) -> dict:
    """plan_findings_counts as the overview shows it: how many open journeys' plans have
    findings, and how many have each kind, the most common first."""
    counts = dict(counts or {})
    total = counts.pop("journeys_with_plan_findings", 0)
    by_code = sorted(((code, n) for code, n in counts.items() if n), key=lambda item: (-item[1], item[0]))
    return {"total": total, "by_code": by_code}


def _caseload_table(rows: list[dict]) -> dict:
    """Caseload counts as a pathway x stage table, with totals."""
    stages = list(words.OPEN_STAGES)
    seen_stages = {r["stage"] for r in rows}
    stages += sorted(s for s in seen_stages if s not in stages)
    pathways = ["roth", "cp"] + ([None] if any(r["pathway"] is None for r in rows) else [])
    counts = {(r["pathway"], r["stage"]): r["count"] for r in rows}
    table = []
    for p in pathways:
        cells = [counts.get((p, s), 0) for s in stages]
        table.append({"pathway": p, "cells": cells, "total": sum(cells)})
    totals = [sum(row["cells"][i] for row in table) for i in range(len(stages))]
    return {"stages": stages, "rows": table, "totals": totals, "total": sum(totals)}


def _calendar(svc: Services) -> WorkingDayCalendar:
    return WorkingDayCalendar(closure_days=svc.settings.closure_days)


def _list_url(params: dict) -> str:
    params = {k: v for k, v in params.items() if v not in ("", None)}
    return "/dashboard/journeys" + (f"?{urlencode(params)}" if params else "")


def _encode_cursor(journey_id: str) -> str:
    return base64.urlsafe_b64encode(journey_id.encode()).decode()


def _decode_cursor(cursor: str) -> str | None:
    if not cursor:
        return None
    try:
        return base64.urlsafe_b64decode(cursor.encode()).decode()
    except (ValueError, UnicodeDecodeError, binascii.Error):
        return None
