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
nor named. Who may write follows the journeys' rule (api/auth.py): casework roles do, an
auditor or an admin does not (409 `not_allowed_for_role`, given only after the context is
found).

A context's answer lists journeys (`linked_journeys`): each one listed is recorded in the
access log (api/access.py) as `context_linked`, with the context id as the detail. A
context's own case is about a place or a group, not a young person, and is not recorded.

Commands are idempotent as journeys' are (api/idempotency.py: the same command_id with
another request answers 409 `command_id_reused`) and answered 2xx only with their events in
the log (api/outcomes.py).
"""

from __future__ import annotations

import asyncio
import re
from datetime import date

from fastapi import APIRouter, Body, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from api import access, idempotency, schemas
from api.auth import actor, principal
from api.errors import ApiError, NOT_FOUND_CODES, context_not_found
from services.identity import Principal
from api.logging import note
from api.outcomes import sent_or_recorded
from api.routes.journeys import MALFORMED, UNAUTHENTICATED, answered, links, refused
from api.routes.manager import calendar as la_calendar, la_today
from api.services import Services, services
from services.errors import NotAllowed
from services.permissions import REFER, check_may_send
from domain import contexts as ctx
from domain.calendar import WorkingDayCalendar
from domain.codec import to_data
from store.contexts import contexts_linked_to_open_journeys, journeys_linked_to
from store.records import event_view
from workflows.client import CommandRefused
from workflows.contexts import context_workflow_id
from workflows.journey import journey_id_for

router = APIRouter(prefix="/v1", tags=["contexts"])

CONTEXT_ID = re.compile(schemas.CONTEXT_ID_PATTERN)
E = schemas.error_examples
NOT_FOUND = {"model": schemas.ErrorAnswer,
             "description": "no such context in the caller's LA: never referred nor named by any of its journeys "
                            "(another LA's context answers the same)",
             "content": {"application/json": {"examples": E(("context_not_found", "There is no such context."))}}}
# Codes meaning the context's case is not there to take the command: never referred, or
# closed (its workflow has finished, and servers word that differently).
GONE = frozenset({"context_not_found", "context_not_referred", "context_closed"})


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
    check_may_send(who, REFER)
    fingerprint = await idempotency.fingerprint(request)
    la, today = who.local_authority, la_today(request)
    case_id = journey_id_for(context_workflow_id(la, command.context_id), command_id)
    replay, recorded = await run_in_threadpool(
        lambda: (_answer_from_log(svc, case_id, command_id, calendar, today), svc.store.recorded_request(la, command_id)))
    idempotency.check(recorded, fingerprint)
    if replay is not None:
        return replay
    try:
        answer = await sent_or_recorded(svc.contexts.refer({
            "command_id": command_id, "actor": actor(who), "local_authority": la,
            "context_id": command.context_id, "kind": command.kind, "name": command.name,
            "referred_on": command.referred_on.isoformat(), "request_hash": fingerprint,
        }), lambda: _recorded_answer(svc, la, command_id, calendar, today))
    except CommandRefused as err:
        raise _error(err) from None
    return await run_in_threadpool(_contract_answer, svc, answer, command_id, la, fingerprint)


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
    la = who.local_authority
    if not CONTEXT_ID.match(context_id):
        raise context_not_found()
    note(request, context_id=context_id)
    try:
        check_may_send(who, command.type)
    except NotAllowed:
        # As for journeys: a context that is not there is a 404 whoever asks.
        if await _case(svc, la, context_id) is None:
            raise context_not_found() from None
        raise
    fingerprint = await idempotency.fingerprint(request)
    idempotency.check(await run_in_threadpool(svc.store.recorded_request, la, command_id), fingerprint)
    fields = to_data(command.model_dump(exclude={"command_id"}))
    today = la_today(request)
    try:
        answer = await sent_or_recorded(
            svc.contexts.send(la, context_id, {**fields, "command_id": command_id, "actor": actor(who),
                                               "request_hash": fingerprint}),
            lambda: _recorded_answer(svc, la, command_id, calendar, today))
    except CommandRefused as err:
        if err.code not in GONE:
            raise _error(err) from None
        return await _after_the_case(request, svc, calendar, la, context_id, command_id, err)
    return await run_in_threadpool(_contract_answer, svc, answer, command_id, la, fingerprint)


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
    la = who.local_authority
    if not CONTEXT_ID.match(context_id):
        raise context_not_found()
    note(request, context_id=context_id)
    case, linked = await asyncio.gather(
        _case(svc, la, context_id), run_in_threadpool(_linked_journeys, request, svc, la, context_id, include_closed))
    if case is None and not linked:
        if include_closed or not await run_in_threadpool(journeys_linked_to, svc.store.engine, la, context_id,
                                                         include_closed=True):
            raise context_not_found()
    return {"context_id": context_id, "case": case, "linked_journeys": linked}


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
    la = who.local_authority
    rows = await run_in_threadpool(contexts_linked_to_open_journeys, svc.store.engine, la, minimum=min_open_journeys)
    cases = await asyncio.gather(*(_case(svc, la, row["context_id"]) for row in rows))
    listed = []
    for row, case in zip(rows, cases):
        open_case = case is not None and not case["closed"]
        listed.append({"context_id": row["context_id"], "open_journeys": row["open_journeys"], "open_case": open_case,
                       "case_id": case["case_id"] if open_case else None})
    return {"min_open_journeys": min_open_journeys, "contexts": listed}


# --- helpers ------------------------------------------------------------------------------

def _linked_journeys(request: Request, svc: Services, la: str, context_id: str, include_closed: bool) -> list[dict]:
    """The journeys naming the context, each recorded as read in the same trip to the thread
    pool (journeys found are always answered; should the case's read then fail, the rows stay:
    a recorded read that was not answered, never the reverse)."""
    linked = journeys_linked_to(svc.store.engine, la, context_id, include_closed=include_closed)
    access.record(request, access.CONTEXT_LINKED, [j["journey_id"] for j in linked], detail=context_id)
    return linked


async def _case(svc: Services, local_authority: str, context_id: str) -> dict | None:
    """The context's latest case as its workflow shows it, or None if it was never referred
    (a refused referral leaves a workflow without a case)."""
    state = await svc.contexts.state(local_authority, context_id)
    return state if state and state.get("case_id") else None


async def _after_the_case(request: Request, svc: Services, calendar: WorkingDayCalendar, la: str, context_id: str,
                          command_id: str, err: CommandRefused) -> dict:
    """A command that found no case to take it: 404 if the context was never referred; if
    its case has closed, the first answer for a retry (from the log), else context_closed."""
    case = await _case(svc, la, context_id)
    if case is None:
        raise context_not_found()
    replay = await run_in_threadpool(_answer_from_log, svc, case["case_id"], command_id, calendar, la_today(request))
    if replay is not None:
        return replay
    if case["closed"]:
        raise ApiError(409, "context_closed", f"This context case was closed on {_day(case['closed_on'])}; refer the "
                                              "context again to open a new one.")
    raise _error(err)


def _day(iso: str | None) -> str:
    return f"{date.fromisoformat(iso):%d %B %Y}" if iso else "an earlier date"


def _error(err: CommandRefused) -> ApiError:
    # A context refusal carries the case's id where a journey's carries the journey's: the
    # contract's error body has no place for it, so it is left out.
    return ApiError(404 if err.code in NOT_FOUND_CODES else 409, err.code, err.message)


def _contract_answer(svc: Services, answer: dict, command_id: str, local_authority: str, fingerprint: str) -> dict:
    """The answer in the contract's shape; 409 if it is another request's (sent at the same
    time with the same command_id)."""
    idempotency.check(svc.store.recorded_request(local_authority, command_id), fingerprint)
    case_id = answer["case_id"]
    events = answer["events"]
    if answer.get("duplicate"):
        # A retry the workflow no longer holds the whole answer for (it keeps the latest
        # ones across continue-as-new): the command's events come from the log.
        events = [event_view(e) for e in svc.store.events_for_command(case_id, command_id)]
    return {"case_id": case_id, "events": events, "state": answer["state"]}


def _recorded_answer(svc: Services, local_authority: str, command_id: str, calendar: WorkingDayCalendar,
                     today: date) -> dict | None:
    """For a command whose sending failed (api/outcomes.py): its answer from the log, found
    through the case its command_id was recorded with, or None."""
    recorded = svc.store.recorded_request(local_authority, command_id)
    if recorded is None:
        return None
    return _answer_from_log(svc, recorded[0], command_id, calendar, today, only_if_closed=False)


def _answer_from_log(svc: Services, case_id: str, command_id: str, calendar: WorkingDayCalendar,
                     today: date, only_if_closed: bool = True) -> dict | None:
    """A retry that reaches a case whose workflow has finished (it closed) is answered from
    the log: the command's events and the case as it now stands. A retry while the case is
    open goes to the workflow, which returns its first answer exactly."""
    events = svc.store.events_for_command(case_id, command_id)
    if not events:
        return None
    case = ctx.fold(ctx.decode(e.type, e.occurred_on, e.data) for e in svc.store.read_stream(case_id))
    if only_if_closed and not case.closed:
        return None
    return {"case_id": case_id, "events": [event_view(e) for e in events],
            "state": ctx.context_view(case, calendar, today)}
