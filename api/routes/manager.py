"""Reads for managers: caseload, overdue, due soon, a journey's timeline and timeliness KPIs
(with the plan quality counts of the open journeys beside them).

Every answer is confined to the caller's LA and open to every role of that LA. Lists come
from the journey summary read model (store/manager_queries.py) and page by keyset cursor.
The timeline and each journey of the overdue and due lists are recorded in the access log
(api/access.py); the caseload and the KPIs are counts, about no one journey, and are not.

"Today" is the LA's date in London. `app.state.clock`, when set, is a callable returning an
aware datetime that replaces the wall clock (the tests set it to Temporal's skipped time).
"""

from __future__ import annotations

import base64
import binascii
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from api import access, schemas
from api.fields import RecordDate
from api.auth import principal
from api.errors import invalid_query
from services.identity import Principal
from api.logging import note
from api.dependencies import Services, calendar, la_today, services
from domain.calendar import WorkingDayCalendar
from domain.periods import period_problem
from services import oversight

router = APIRouter(prefix="/v1", tags=["managers"])

UNAUTHENTICATED = {"model": schemas.ErrorAnswer, "description": "no bearer token, or one that is not valid"}
NOT_FOUND = {"model": schemas.ErrorAnswer, "description": "no such journey in the caller's LA (another LA's journey answers the same)"}
MALFORMED = {"model": schemas.ValidationAnswer, "description": "a query parameter of the wrong shape (pydantic's detail)"}
Pathway = Literal["roth", "cp"]


# --- answers -----------------------------------------------------------------------------------

class CaseloadCell(BaseModel):
    pathway: Pathway | None = Field(description="null while a journey is at referral")
    stage: str
    count: int


class Caseload(BaseModel):
    local_authority: str
    total: int = Field(description="open journeys")
    overdue: int = Field(description="open journeys with a missed deadline")
    by_pathway: dict[str, int] = Field(description='keys "roth", "cp" and "none" (at referral)')
    by_stage: dict[str, int]
    cells: list[CaseloadCell]


class OverdueJourney(BaseModel):
    journey_id: str
    pathway: Pathway | None
    stage: str
    opened_on: date
    deadline_kind: str = Field(description="the longest-missed deadline")
    due_on: date
    days_overdue: int = Field(description="calendar days since the due date")
    working_days_overdue: int


class OverduePage(BaseModel):
    today: date
    journeys: list[OverdueJourney]
    next_cursor: str | None


class DueJourney(BaseModel):
    journey_id: str
    pathway: Pathway | None
    stage: str
    opened_on: date
    deadline_kind: str
    due_on: date
    working_days_left: int = Field(description="0 when due today")


class DuePage(BaseModel):
    today: date
    until: date = Field(description="the last day of the window: the Nth working day after today")
    within_working_days: int
    journeys: list[DueJourney]
    next_cursor: str | None


class TimelineDeadline(BaseModel):
    kind: str
    due_on: date
    original_due_on: date = Field(description="the statutory due date, before any extension")
    status: Literal["open", "met", "missed", "extended"]
    met_on: date | None


class TimelineEntry(BaseModel):
    date: date | None
    kind: Literal["step", "plan", "transfer", "deadline", "reminder", "policy", "closure"]
    type: str = Field(description='the event type, or "DeadlineDue" for a deadline still owed')
    title: str
    detail: str | None
    deadline: TimelineDeadline | None
    event_id: str | None
    version: int | None
    actor: str | None
    actor_role: str | None


class Timeline(BaseModel):
    journey_id: str
    entries: list[TimelineEntry]


class Count(BaseModel):
    count: int
    within: int = Field(description="held on or before the original (statutory) due date")
    late: int
    within_extension: int = Field(description="late, but on or before an approved extension's date")
    percentage: float | None = Field(description="within / count, null when nothing was held")


class Measure(Count):
    measure: str
    by_pathway: dict[str, Count]


class BandCount(BaseModel):
    count: int
    bands: dict[str, int] = Field(description='working days: "0-10", "11-15", "16-20", "21+"')
    within_15: int
    percentage_within_15: float | None


class BandMeasure(BandCount):
    measure: str
    by_pathway: dict[str, BandCount]


class Kpis(BaseModel):
    local_authority: str
    period: schemas.Period
    initial_conferences: Measure
    s47_to_initial_conference: BandMeasure
    first_core_groups: Measure
    reviews: Measure
    plan_findings: dict[str, int] = Field(
        description="open journeys now (not in the period) by plan quality finding on their current plan "
                    '(codes such as "voices_not_recorded"; a code no journey has is left out), and under '
                    '"journeys_with_plan_findings" how many have at least one',
        examples=[{"voices_not_recorded": 3, "goal_without_action": 1, "journeys_with_plan_findings": 4}],
    )


# --- routes ------------------------------------------------------------------------------------

@router.get("/caseload", response_model=Caseload, responses={401: UNAUTHENTICATED})
def caseload(who: Principal = Depends(principal), svc: Services = Depends(services)) -> dict:
    """Open journeys counted by pathway and stage, with totals."""
    cells = oversight.caseload(svc.store, who.local_authority)
    by_pathway = {"roth": 0, "cp": 0, "none": 0}
    by_stage: dict[str, int] = {}
    for cell in cells:
        by_pathway[cell["pathway"] or "none"] += cell["count"]
        by_stage[cell["stage"]] = by_stage.get(cell["stage"], 0) + cell["count"]
    return {
        "local_authority": who.local_authority, "total": sum(c["count"] for c in cells),
        "overdue": oversight.overdue_count(svc.store, who.local_authority),
        "by_pathway": by_pathway, "by_stage": by_stage, "cells": cells,
    }


@router.get("/overdue", response_model=OverduePage, responses={401: UNAUTHENTICATED, 422: MALFORMED})
def overdue(
    request: Request,
    limit: int = Query(100, ge=1, le=500),
    cursor: str | None = Query(None, description="the `next_cursor` of the previous page"),
    who: Principal = Depends(principal), svc: Services = Depends(services),
    today: date = Depends(la_today), cal: WorkingDayCalendar = Depends(calendar),
) -> dict:
    """Open journeys with a missed deadline, most overdue first; pass `next_cursor` back for more."""
    page, more = oversight.overdue(svc.store, access.reader(request), limit, _decode_cursor(cursor))
    return {
        "today": today,
        "journeys": [{
            **_listed(r), "days_overdue": max((today - r.next_due_on).days, 0),
            "working_days_overdue": cal.working_days_between(r.next_due_on, today),
        } for r in page],
        "next_cursor": _encode_cursor(page[-1]) if more else None,
    }


@router.get("/due", response_model=DuePage, responses={401: UNAUTHENTICATED, 422: MALFORMED})
def due(
    request: Request,
    within_working_days: int = Query(5, ge=0, le=260),
    limit: int = Query(100, ge=1, le=500),
    cursor: str | None = Query(None, description="the `next_cursor` of the previous page"),
    who: Principal = Depends(principal), svc: Services = Depends(services),
    today: date = Depends(la_today), cal: WorkingDayCalendar = Depends(calendar),
) -> dict:
    """Open journeys whose next deadline falls from today to the Nth working day after it."""
    until = cal.add_working_days(today, within_working_days)
    page, more = oversight.due(svc.store, access.reader(request), today, until, limit, _decode_cursor(cursor))
    return {
        "today": today, "until": until, "within_working_days": within_working_days,
        "journeys": [{**_listed(r), "working_days_left": cal.working_days_between(today, r.next_due_on)} for r in page],
        "next_cursor": _encode_cursor(page[-1]) if more else None,
    }


@router.get("/journeys/{journey_id}/timeline", response_model=Timeline, responses={401: UNAUTHENTICATED, 404: NOT_FOUND})
def timeline(request: Request, journey_id: str, who: Principal = Depends(principal), svc: Services = Depends(services)) -> dict:
    """The journey's events in date order, merged with its deadlines (met, missed, extended,
    still owed), transfers between pathways and its plan: ready to render as it is."""
    note(request, journey_id=journey_id)
    entries = oversight.timeline(svc.store, access.reader(request), journey_id)
    return {"journey_id": journey_id, "entries": entries}


@router.get("/kpis", response_model=Kpis, responses={401: UNAUTHENTICATED, 422: MALFORMED})
def kpis(
    # Annotated: a Query() default would drop RecordDate's validators from a required parameter.
    start: Annotated[RecordDate, Query(alias="from", description="first day of the period (YYYY-MM-DD)")],
    end: Annotated[RecordDate, Query(alias="to", description="last day of the period, included")],
    who: Principal = Depends(principal), svc: Services = Depends(services),
    cal: WorkingDayCalendar = Depends(calendar),
) -> dict:
    """Timeliness of initial conferences (15 working days; and the DfE s.47 bands), first core
    groups (10 working days) and reviews held in the period, judged against the original due
    dates; late steps within an approved extension are counted beside them. Beside them, the
    LA's open journeys as they are now, counted by plan quality finding."""
    problem = period_problem(start, end, max_months=None)
    if problem is not None:
        raise invalid_query("to", *problem, end.isoformat())
    return oversight.kpis(svc.store, who.local_authority, start, end, cal)


# --- helpers -----------------------------------------------------------------------------------

def _listed(r) -> dict:
    return {"journey_id": r.journey_id, "pathway": r.pathway, "stage": r.stage, "opened_on": r.opened_on,
            "deadline_kind": r.next_deadline_kind, "due_on": r.next_due_on}


def _encode_cursor(r) -> str:
    return base64.urlsafe_b64encode(f"{r.next_due_on.isoformat()}|{r.journey_id}".encode()).decode()


def _decode_cursor(cursor: str | None) -> tuple[date, str] | None:
    if not cursor:
        return None
    try:
        due_on, _, journey_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        if not journey_id:
            raise ValueError("no journey id")
        return date.fromisoformat(due_on), journey_id
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise invalid_query("cursor", "invalid_cursor", "The cursor is not one this service gave out.", cursor) from None
