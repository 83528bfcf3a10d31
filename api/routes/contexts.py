"""Contexts: the places, peer groups and schools where young people are harmed, as cases of their own.

A context is referred (`POST /v1/contexts`) to context conferences that meet on a cadence of
their own, agree actions (guardianship, environmental change, work with a school or transport
staff) and close the case when the place is safer. Each context case is a workflow like a
journey (workflows/contexts.py); commands go to it as updates, idempotent on `command_id`.
Which young people a context links is not the case's own: journeys name contexts in their
context weightings, and the read models join the two (`linked_journeys`, and the list of
contexts linked to several open journeys, which is what suggests a referral).

Everything is the caller's LA's: a context is its LA's own (the same id in another LA is
another place), so another LA's context answers 404 exactly as one that was never referred
nor named. Who may write follows the journeys' rule (domain/roles.py): casework roles do, an
auditor or an admin does not (409 `not_allowed_for_role`, given only after the context is
found).

A context's answer lists journeys (`linked_journeys`): each one listed is recorded in the
access log (services/access.py) as `context_linked`, with the context id as the detail. A
context's own case is about a place or a group, not a young person, and is not recorded.

Commands are idempotent as journeys' are (api/idempotency.py: the same command_id with
another request answers 409 `command_id_reused`) and answered 2xx only with their events in
the log (services/outcomes.py). The use cases are services/contexts.py's; these routes parse,
call and shape the answer.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Body, Depends, Query, Request

from api import access, idempotency, schemas
from api.auth import principal
from api.errors import context_not_found
from api.logging import note
from api.responses import MALFORMED, UNAUTHENTICATED, answered, links, refused
from api.dependencies import Services, calendar as la_calendar, la_today, services
from domain.calendar import WorkingDayCalendar
from domain.codec import to_data
from services import contexts
from services.identity import Principal
from services.permissions import REFER

router = APIRouter(prefix="/v1", tags=["contexts"])

CONTEXT_ID = re.compile(schemas.CONTEXT_ID_PATTERN)
E = schemas.error_examples
NOT_FOUND = {"model": schemas.ErrorAnswer,
             "description": "no such context in the caller's LA: never referred nor named by any of its journeys "
                            "(another LA's context answers the same)",
             "content": {"application/json": {"examples": E(("context_not_found", "There is no such context."))}}}


@router.post(
    "/contexts", status_code=201, response_model=schemas.ContextAnswer,
    responses={
        201: answered("the context case is open: its first event and state (a retry returns the first answer)",
                      {**schemas.CONTEXT_ANSWER_EXAMPLE, "events": [{**schemas.CONTEXT_EVENT_EXAMPLE, "type": "ContextReferred",
                                                                     "version": 1}],
                       "state": {**schemas.CASE_EXAMPLE, "conferences_held": 0, "last_conference_on": None}},
                      links("context_id", "$request.body#/context_id",
                            GetContext="get_context_v1_contexts__context_id__get",
                            SendContextCommand="send_context_command_v1_contexts__context_id__commands_post")),
        401: UNAUTHENTICATED,
        409: refused(
            ("context_already_open", "Riverside park already has an open context case."),
            ("date_in_future", "The referral date 30 March 2027 is in the future."),
            ("invalid_value", "Give the context's name."),
            ("not_allowed_for_role", "An auditor can read journeys but not record anything.")),
        422: MALFORMED,
    },
)
async def refer_context(
    request: Request, command: schemas.ReferContext = Body(openapi_examples=schemas.REFER_EXAMPLES),
    who: Principal = Depends(principal), svc: Services = Depends(services),
    calendar: WorkingDayCalendar = Depends(la_calendar),
) -> dict:
    """Refer a place, peer group or school in the caller's LA to context conferences: one
    open case per context. Once a case has closed, a new referral opens a new case."""
    command_id = str(command.command_id)
    note(request, command_id=command_id, command_type=REFER, context_id=command.context_id)
    fingerprint = await idempotency.fingerprint(request)
    referral = {"context_id": command.context_id, "kind": command.kind, "name": command.name,
                "referred_on": command.referred_on.isoformat()}
    return await contexts.refer(svc, who, command_id, referral, fingerprint, calendar, la_today(request))


@router.post(
    "/contexts/{context_id}/commands", response_model=schemas.ContextAnswer,
    responses={
        200: answered("recorded: the command's events and the case's state (a retry returns the first answer)",
                      schemas.CONTEXT_ANSWER_EXAMPLE),
        401: UNAUTHENTICATED, 404: NOT_FOUND,
        409: refused(
            ("context_closed", "This context case was closed on 30 September 2026."),
            ("date_in_future", "The context conference date 17 April 2027 is in the future."),
            ("date_before_previous_step", "The context conference date 01 March 2026 is before 30 March 2026."),
            ("step_out_of_order", "A context conference is already recorded on that date."),
            ("invalid_value", "Give the organisation that owns the action."),
            ("not_allowed_for_role", "An auditor can read journeys but not record anything.")),
        422: MALFORMED,
    },
)
async def send_context_command(
    request: Request, context_id: str,
    command: schemas.ContextCommand = Body(discriminator="type", openapi_examples=schemas.CONTEXT_COMMAND_EXAMPLES),
    who: Principal = Depends(principal), svc: Services = Depends(services),
    calendar: WorkingDayCalendar = Depends(la_calendar),
) -> dict:
    """Record a context conference, an action (again with `done_on` when it is done) or the
    case's closure. Sending the same command_id again returns the first answer."""
    command_id = str(command.command_id)
    note(request, command_id=command_id, command_type=command.type)
    if not CONTEXT_ID.match(context_id):
        raise context_not_found()
    note(request, context_id=context_id)
    fingerprint = await idempotency.fingerprint(request)
    return await contexts.send(svc, who, context_id, command_id, to_data(command.model_dump(exclude={"command_id"})),
                               fingerprint, calendar, la_today(request))


@router.get("/contexts/{context_id}", response_model=schemas.ContextAnswerRead,
            responses={200: answered("the context's case and the journeys that name it", schemas.CONTEXT_EXAMPLE),
                       401: UNAUTHENTICATED, 404: NOT_FOUND, 422: MALFORMED})
async def get_context(
    request: Request, context_id: str,
    include_closed: bool = Query(False, description="also list closed journeys that named it"),
    who: Principal = Depends(principal), svc: Services = Depends(services),
) -> dict:
    """A context in the caller's LA: its case (null if it was never referred) and the
    journeys whose latest context weighting names it, each with its next deadline and the
    codes of its plan's quality findings."""
    if not CONTEXT_ID.match(context_id):
        raise context_not_found()
    note(request, context_id=context_id)
    return await contexts.context(svc, access.reader(request), context_id, include_closed)


@router.get("/contexts", response_model=schemas.LinkedContexts,
            responses={200: answered("contexts linked to several open journeys, most linked first",
                                     schemas.CONTEXT_LIST_EXAMPLE),
                       401: UNAUTHENTICATED, 422: MALFORMED})
async def linked_contexts(
    min_open_journeys: int = Query(2, ge=1, le=10000,
                                   description="only contexts named by at least this many open journeys"),
    who: Principal = Depends(principal), svc: Services = Depends(services),
) -> dict:
    """Contexts named in the latest weighting of at least `min_open_journeys` open journeys
    in the caller's LA (several young people harmed in one place suggests a context
    referral), each with whether it has an open context case."""
    listed = await contexts.linked_contexts(svc, who.local_authority, min_open_journeys)
    return {"min_open_journeys": min_open_journeys, "contexts": listed}
