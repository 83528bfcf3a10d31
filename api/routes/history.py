"""The auditors' questions of one journey: the chronology with corrections beside what they
correct, and the state as it stood on either time axis (domain/history.py).

Both are computed from the log itself, folded with the domain's `evolve`, never from the read
models, so they answer for the record and not for a projection of it. Like every journey
read they are the caller's LA's only, and recorded in the access log.
"""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from api import access, schemas
from api.fields import Moment, RecordDate
from api.auth import principal
from services.identity import Principal
from api.responses import NOT_FOUND, UNAUTHENTICATED
from api.dependencies import Services, calendar as la_calendar, clock, services
from services import journeys
from services.clock import Clock
from domain.calendar import WorkingDayCalendar

router = APIRouter(prefix="/v1", tags=["journeys"])


class StateAsOf(BaseModel):
    as_recorded_at: datetime | None = Field(description="events recorded by this moment (system time); null: all")
    as_occurred_by: date | None = Field(description="events that occurred by this day (valid time), with every "
                                                    "correction known now; null: all")
    state: schemas.JourneyState


class ChronologyEntry(schemas.Event):
    corrects: str | None = Field(None, description="with EventCorrected: the event id it corrects")
    corrected_by: list[str] = Field(default_factory=list, description="the corrections made to this event since")


class FullChronology(BaseModel):
    journey_id: str
    events: list[ChronologyEntry]


@router.get("/journeys/{journey_id}/state", response_model=StateAsOf,
            responses={401: UNAUTHENTICATED, 404: NOT_FOUND})
def state_as_of(
    request: Request, journey_id: str,
    as_recorded_at: Moment | None = Query(None, description="ISO 8601 moment with a time zone, e.g. 2026-04-01T17:00:00Z"),
    as_occurred_by: RecordDate | None = Query(None, description="YYYY-MM-DD"),
    who: Principal = Depends(principal), svc: Services = Depends(services),
    calendar: WorkingDayCalendar = Depends(la_calendar), now: Clock | None = Depends(clock),
) -> dict:
    """The journey and its deadlines as the record showed them at `as_recorded_at`, as they
    actually stood on `as_occurred_by` by what is known now, or both at once (the record at
    that moment of the case on that day). Deadlines are judged on `as_occurred_by`, else on
    the day of `as_recorded_at`, else today."""
    state = journeys.state_as_of(svc.store, access.reader(request), journey_id, as_recorded_at, as_occurred_by,
                                 calendar, now)
    return {"as_recorded_at": as_recorded_at, "as_occurred_by": as_occurred_by, "state": state}


@router.get("/journeys/{journey_id}/chronology", response_model=FullChronology,
            responses={401: UNAUTHENTICATED, 404: NOT_FOUND})
def full_chronology(
    request: Request, journey_id: str, who: Principal = Depends(principal), svc: Services = Depends(services),
) -> dict:
    """Every event of the journey in log order with its valid time (`occurred_on`), system
    time (`recorded_at`), actor, role, command id and hash; each correction names the event
    it corrects (`corrects`) and each corrected event lists its corrections (`corrected_by`)."""
    return {"journey_id": journey_id, "events": journeys.full_chronology(svc.store, access.reader(request), journey_id)}
