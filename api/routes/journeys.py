"""The v1 contract: start a journey, send commands, read state and chronology.

Commands go to the journey's workflow as Temporal updates (the API never writes events);
reads come from the read models. Every journey outside the caller's LA answers 404,
exactly as one that does not exist.
"""

from __future__ import annotations

import base64
from datetime import date
from typing import Literal

from fastapi import APIRouter, Body, Depends, Query, Request

from api import schemas
from api.auth import actor, principal, writer
from api.errors import ApiError, not_found
from api.identity import Principal
from api.services import Services, services
from domain.codec import to_data
from domain.timescales import policy_in_force
from store.queries import journey_in_la, journeys_page
from store.records import event_view
from workflows.journey import journey_id_for

router = APIRouter(prefix="/v1", tags=["journeys"])

ERRORS = {
    401: {"model": schemas.ErrorAnswer, "description": "no or invalid bearer token"},
    404: {"model": schemas.ErrorAnswer, "description": "no such journey in the caller's LA"},
    409: {"model": schemas.ErrorAnswer, "description": "the journey's rules refused the command; nothing was written"},
}


@router.post("/journeys", status_code=201, response_model=schemas.CommandAnswer, responses=ERRORS)
async def start_journey(
    request: Request, command: schemas.StartJourney,
    who: Principal = Depends(writer), svc: Services = Depends(services),
) -> dict:
    """Start a journey for a young person: one open journey per young person per LA."""
    if command.local_authority != who.local_authority:
        raise ApiError(409, "local_authority_mismatch", f"Your token is for LA {who.local_authority}; this journey would be in LA {command.local_authority}.")
    command_id = str(command.command_id)
    _note(request, command_id=command_id)
    workflow_id = svc.journeys.workflow_id(who.local_authority, command.young_person.id)
    journey_id = journey_id_for(workflow_id, command_id)
    replay = _answer_from_log(svc, journey_id, command_id, who)
    if replay is not None:
        return replay
    answer = await svc.journeys.start({
        "command_id": command_id, "actor": actor(who), "local_authority": who.local_authority,
        "young_person": to_data(command.young_person.model_dump()), "referral_date": command.referral_date,
    })
    _note(request, journey_id=answer["journey_id"])
    return {k: answer[k] for k in ("journey_id", "events", "state")}


@router.post("/journeys/{journey_id}/commands", response_model=schemas.CommandAnswer, responses=ERRORS)
async def send_command(
    request: Request, journey_id: str,
    command: schemas.Command = Body(openapi_examples=schemas.COMMAND_EXAMPLES),
    who: Principal = Depends(writer), svc: Services = Depends(services),
) -> dict:
    """Record what happened. Sending the same command_id again returns the first answer."""
    command_id = str(command.command_id)
    _note(request, journey_id=journey_id, command_id=command_id)
    found = journey_in_la(svc.store.engine, journey_id, who.local_authority)
    if found is None:
        raise not_found()
    summary, _ = found
    replay = _answer_from_log(svc, journey_id, command_id, who)
    if replay is not None:
        return replay
    fields = to_data(command.model_dump(exclude={"command_id"}))
    if command.type == "change_policy":
        fields["policy"] = to_data(policy_in_force(command.policy, date.today()))
    answer = await svc.journeys.send(summary.workflow_id, {**fields, "command_id": command_id, "actor": actor(who)})
    return {k: answer[k] for k in ("journey_id", "events", "state")}


@router.get("/journeys/{journey_id}", response_model=schemas.JourneyState, responses=ERRORS)
def get_journey(request: Request, journey_id: str, who: Principal = Depends(principal), svc: Services = Depends(services)) -> dict:
    """The journey's current state, from the read model."""
    _note(request, journey_id=journey_id)
    found = journey_in_la(svc.store.engine, journey_id, who.local_authority)
    if found is None or found[1] is None:
        raise not_found()
    return found[1]


@router.get("/journeys", response_model=schemas.JourneyPage, responses={401: ERRORS[401]})
def list_journeys(
    pathway: Literal["roth", "cp"] | None = None,
    stage: str | None = None,
    overdue: bool | None = None,
    due_before: date | None = None,
    limit: int = Query(50, ge=1, le=500),
    cursor: str | None = None,
    who: Principal = Depends(principal), svc: Services = Depends(services),
) -> dict:
    """A page of the caller's LA's journey summaries; pass `next_cursor` back for the next page."""
    after = _decode_cursor(cursor)
    rows = journeys_page(svc.store.engine, who.local_authority, pathway=pathway, stage=stage,
                         overdue=overdue, due_before=due_before, after=after, limit=limit + 1)
    page, more = rows[:limit], len(rows) > limit
    return {
        "journeys": [{k: v for k, v in vars(r).items() if k not in ("workflow_id", "version", "view")} for r in page],
        "next_cursor": _encode_cursor(page[-1].journey_id) if more else None,
    }


@router.get("/journeys/{journey_id}/events", response_model=schemas.Chronology, responses=ERRORS)
def chronology(request: Request, journey_id: str, who: Principal = Depends(principal), svc: Services = Depends(services)) -> dict:
    """Every event of the journey in order, with valid time, system time, actor and hash."""
    _note(request, journey_id=journey_id)
    if journey_in_la(svc.store.engine, journey_id, who.local_authority) is None:
        raise not_found()
    return {"journey_id": journey_id, "events": [event_view(e) for e in svc.store.read_stream(journey_id)]}


def _answer_from_log(svc: Services, journey_id: str, command_id: str, who: Principal) -> dict | None:
    """A retry that reaches a journey whose workflow has finished (it closed) is answered
    from the log: the command's events and the journey as it now stands. A retry while the
    journey is open goes to the workflow, which returns its first answer exactly."""
    found = journey_in_la(svc.store.engine, journey_id, who.local_authority)
    if found is None or not found[0].closed:
        return None
    events = svc.store.events_for_command(journey_id, command_id)
    if not events:
        return None
    return {"journey_id": journey_id, "events": [event_view(e) for e in events], "state": found[1]}


def _note(request: Request, **ids: str) -> None:
    request.state.log_ids = {**getattr(request.state, "log_ids", {}), **ids}


def _encode_cursor(journey_id: str) -> str:
    return base64.urlsafe_b64encode(journey_id.encode()).decode()


def _decode_cursor(cursor: str | None) -> str | None:
    if not cursor:
        return None
    try:
        return base64.urlsafe_b64decode(cursor.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        raise ApiError(422, "invalid_cursor", "The cursor is not one this service gave out.") from None
