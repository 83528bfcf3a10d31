"""The access log for auditors: who read which journey, per journey and per user.

`GET /v1/audit/access?journey_id=...` lists the recorded reads of one of the caller's LA's
journeys; `GET /v1/audit/access?actor=...` what one user (a token's or an OIDC subject, or an
operating system user at the command line) read in the caller's LA. Exactly one of the two.
Both page oldest first by keyset cursor (pass `next_cursor` back as `cursor`, with the same
query), and only the caller's LA's rows are ever listed: another LA's journey answers 404
exactly as a missing one, and another LA's user has read nothing here.

Only an `auditor` reads the log (the data protection officer is an auditor-role user): it
tells who looked at which child, and watching staff is the auditors' task, not the
managers'; any other role is refused with 409 `not_allowed_for_role`. Reading the log is
itself recorded (what `access_log`: with the journey id when listed per journey, with the
actor as the detail when listed per user), first, once the request is known to be answered:
a listing shows the log as it stood just before its own row, and its cursor keeps to that,
so paging on ends even though each page read is recorded too (a new listing shows them).

`POST /v1/audit/subject-access` exports everything held about one young person, named by the
LA's child id, across their journeys (services/subject_access.py): as JSON, or as a plain HTML
page to print. The child id travels in the body, never in the URL, where proxies and
browsers keep it; the request log names no one. Only an auditor exports (409
`not_allowed_for_role` for any other role, before the young person is looked for); a child
id the caller's LA has no journey for, another LA's young person included, answers 404
`young_person_not_found`. Each export is recorded in the access log, a row per journey.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from api import access, schemas
from api.fields import record_text
from api.auth import principal
from api.errors import invalid_query
from services.identity import Principal
from api.logging import note
from api.responses import UNAUTHENTICATED as NO_TOKEN
from api.dependencies import Services, calendar, clock, services
from domain.calendar import WorkingDayCalendar
from reports.subject_access import to_html
from services import subject_access
from services.access import AccessRecord, access_log_page
from services.clock import Clock
from services.permissions import check_may_read_access_log

router = APIRouter(prefix="/v1", tags=["audit"])

E = schemas.error_examples
UNAUTHENTICATED = {"model": schemas.ErrorAnswer, "description": "no bearer token, or one that is not valid"}
NOT_FOUND = {"model": schemas.ErrorAnswer, "description": "no such journey in the caller's LA (another LA's journey answers the same)",
             "content": {"application/json": {"examples": E(("journey_not_found", "There is no such journey."))}}}
REFUSED = {"model": schemas.ErrorAnswer, "description": "the caller is not an auditor",
           "content": {"application/json": {"examples": E(
               ("not_allowed_for_role", "Only an auditor can read the access log."))}}}
MALFORMED = {"model": schemas.ValidationAnswer,
             "description": "not exactly one of journey_id and actor, or a cursor this service did not give out"}


class AccessEntry(BaseModel):
    id: int = Field(description="the log's own order: later reads have larger ids")
    accessed_at: datetime
    actor: str = Field(description="who read: a token's or OIDC subject, or an operating system user (channel cli)")
    actor_role: str = Field(description='their role ("operator" at the command line)')
    local_authority: str | None
    journey_id: str | None = Field(description="the journey read; null for the access log listed per user")
    what: str = Field(description="what was read: " + "; ".join(f"`{code}` {meaning}" for code, meaning in access.WHAT.items()))
    channel: Literal["api", "dashboard", "cli"]
    detail: str | None = Field(description="the context id for `context_linked`, the actor for `access_log` per user")
    request_id: str | None = Field(description="the request log's request id (null at the command line)")


class AccessPage(BaseModel):
    journey_id: str | None
    actor: str | None
    entries: list[AccessEntry]
    next_cursor: str | None


EXAMPLE = {
    "journey_id": schemas.JOURNEY_ID, "actor": None,
    "entries": [{"id": 1041, "accessed_at": "2026-03-24T10:15:02.113000Z", "actor": "sw-0042", "actor_role": "practitioner",
                 "local_authority": "873", "journey_id": schemas.JOURNEY_ID, "what": "journey", "channel": "api",
                 "detail": None, "request_id": "6c1d2f9e-55b1-4a0e-9f0c-2f4a8d7b1e33"}],
    "next_cursor": None,
}


@router.get("/audit/access", response_model=AccessPage,
            responses={200: {"description": "a page of the access log, oldest first",
                             "content": {"application/json": {"examples": {"answer": {"value": EXAMPLE}}}}},
                       401: UNAUTHENTICATED, 404: NOT_FOUND, 409: REFUSED, 422: MALFORMED})
def access_log(
    request: Request,
    journey_id: record_text(64) | None = Query(None, description="the reads of this journey"),  # type: ignore[valid-type]
    actor: record_text(200, min_length=1) | None = Query(None, description="the reads by this user"),  # type: ignore[valid-type]
    limit: int = Query(100, ge=1, le=500),
    cursor: str | None = Query(None, description="the `next_cursor` of the previous page"),
    who: Principal = Depends(principal), svc: Services = Depends(services),
) -> dict:
    """Who read a journey's data (per journey), or what one user read (per user), through
    the API, the dashboard or `pathways journey`, oldest first. An auditor's; this read is
    recorded too."""
    if (journey_id is None) == (actor is None):
        raise invalid_query("journey_id", "journey_id_or_actor", "Give exactly one of journey_id and actor.", None)
    check_may_read_access_log(who)
    after, before = _decode_cursor(cursor)
    if journey_id is not None:
        note(request, journey_id=journey_id)
    rows, before = access_log_page(svc.store, access.reader(request), journey_id, actor, after, before, limit)
    page, more = rows[:limit], len(rows) > limit
    return {"journey_id": journey_id, "actor": actor, "entries": [_entry(r) for r in page],
            "next_cursor": access.encode_cursor(page[-1].id, before) if more else None}


def _entry(r: AccessRecord) -> dict:
    return dict(vars(r))


def _decode_cursor(cursor: str | None) -> tuple[int | None, int | None]:
    try:
        return access.decode_cursor(cursor)
    except ValueError:
        raise invalid_query("cursor", "invalid_cursor", "The cursor is not one this service gave out.", cursor) from None


# --- subject access ------------------------------------------------------------------------------

HTML = "text/html; charset=utf-8"
NOT_HELD = {"model": schemas.ErrorAnswer,
            "description": "the caller's LA has no journey of a young person with this child id (another LA's young "
                           "person answers the same)",
            "content": {"application/json": {"examples": E(
                ("young_person_not_found", "There is no young person with this child id in the LA's journeys."))}}}
NOT_AN_AUDITOR = {"model": schemas.ErrorAnswer, "description": "the caller is not an auditor",
                  "content": {"application/json": {"examples": E(
                      ("not_allowed_for_role",
                       "Only an auditor can export what is held about a young person (subject access)."))}}}


class SubjectAccessRequest(schemas.Strict):
    child_id: str = Field(pattern=schemas.CHILD_ID_PATTERN, examples=["LCS0012345"],
                          description="the LA's child id of the young person (CIN census LAchildID)")
    format: Literal["json", "html"] = Field("json", description="json (the export as data) or html (a page to print)")


class SubjectAccessEvent(schemas.Event):
    corrects: str | None = Field(None, description="with EventCorrected: the event id it corrects")
    corrected_by: list[str] = Field(default_factory=list, description="the corrections made to this event since")


class SubjectAccessJourney(BaseModel):
    journey_id: str
    opened_on: str
    closed: bool
    state: schemas.JourneyState = Field(description="as it stands, folded from the log; deadlines judged on "
                                                    "`deadlines_judged_on`")
    chronology: list[SubjectAccessEvent] = Field(description="every event in log order, corrections beside what "
                                                             "they correct")
    access_log: list[AccessEntry] = Field(description="every recorded read of the journey before this export")


class NamedContext(BaseModel):
    context_id: str
    kind: str
    name: str
    journey_ids: list[str]


class SubjectAccessExport(BaseModel):
    local_authority: str
    child_id: str
    exported_at: datetime
    deadlines_judged_on: str
    journeys: list[SubjectAccessJourney] = Field(description="the young person's journeys in the LA, oldest first")
    contexts_named: list[NamedContext] = Field(description="the contexts the journeys' weightings named (context "
                                                           "cases record nothing about a young person)")


@router.post("/audit/subject-access", response_model=SubjectAccessExport, summary="Subject access export",
             responses={200: {"description": "everything held about the young person: JSON, or an HTML page",
                              "content": {HTML: {}}},
                        401: NO_TOKEN, 404: NOT_HELD, 409: NOT_AN_AUDITOR})
def subject_access_export(
    request: Request,
    body: SubjectAccessRequest = Body(openapi_examples={"json": {"summary": "The export as JSON",
                                                                 "value": {"child_id": "LCS0012345", "format": "json"}}}),
    who: Principal = Depends(principal), svc: Services = Depends(services),
    cal: WorkingDayCalendar = Depends(calendar), now: Clock | None = Depends(clock),
) -> dict | Response:
    """Everything the service holds about one young person of the caller's LA, named by the
    LA's child id: each of their journeys (closed and open) with its state, deadlines, plans,
    participation and views, consent, census details and assessments, its full chronology
    and every recorded read of it, and the contexts their weightings named. An auditor's
    (the data protection officer's), for a subject access request; recorded in the access
    log (`subject_access`, one row per journey, the format as its detail)."""
    found = subject_access.export(svc.store, access.reader(request), svc.settings.id_key, body.child_id, cal,
                                  body.format, now)
    if body.format == "json":
        return found
    return Response(to_html(found), media_type=HTML,
                    headers={"Content-Disposition": 'attachment; filename="subject-access.html"'})
