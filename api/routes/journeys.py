"""The v1 contract: start a journey, send commands, read state and chronology.

Commands go to the journey's workflow as Temporal updates (the API never writes events);
reads come from the read models. Every journey outside the caller's LA answers 404,
exactly as one that does not exist, whatever the caller's role: the journey is looked up
in the caller's LA before anything else is said about the request.

Every answer that carries a journey's data records the read in the access log
(api/access.py) before it is returned: the state, the chronology, each journey of a list,
and a command's answer (which carries the state).

A command_id names one request (api/idempotency.py): sent again with the same request it
answers the first answer, with another 409 `command_id_reused`. A command is answered 2xx
only with its events in the log (api/outcomes.py).
"""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime, timezone
from typing import Literal

from fastapi import APIRouter, Body, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from api import access, idempotency, schemas
from api.fields import RecordDate
from api.auth import actor, principal
from api.errors import DATABASE_UNAVAILABLE, TEMPORAL_UNAVAILABLE, ApiError, invalid_query, not_found
from services.identity import Principal
from api.logging import note
from api.outcomes import sent_or_recorded
from api.services import Services, services
from services.permissions import START, check_may_send
from domain.codec import to_data
from domain.errors import command_id_reused
from domain.timescales import policy_in_force
from store.chairs import chair_in_pool
from store.history import corrected_fact
from store.queries import journey_in_la, journeys_page
from store.records import event_view
from workflows.journey import journey_id_for
from workflows.local_time import london_date

router = APIRouter(prefix="/v1", tags=["journeys"])
# Refusals that say the journey's workflow was not there to take the command (it may have
# closed with this very command, whose answer was lost): the log decides (api/outcomes.py).
GONE = frozenset({"journey_closed", "journey_not_found"})

E = schemas.error_examples
UNAUTHENTICATED = {"model": schemas.ErrorAnswer, "description": "no bearer token, or one that is not valid",
                   "content": {"application/json": {"examples": E(
                       ("not_authenticated", "Send a bearer token in the Authorization header."),
                       ("invalid_token", "The bearer token is not valid (or has expired)."))}}}
NOT_FOUND = {"model": schemas.ErrorAnswer, "description": "no such journey in the caller's LA (another LA's journey answers the same)",
             "content": {"application/json": {"examples": E(("journey_not_found", "There is no such journey."))}}}
MALFORMED = {"model": schemas.ValidationAnswer, "description": "the request is of the wrong shape (pydantic's detail)"}
REUSED = (command_id_reused().code, command_id_reused().message)
# Every v1 route may answer it (api/app.py adds it to each).
UNAVAILABLE = {
    "model": schemas.ErrorAnswer,
    "description": "Temporal or the database cannot be reached (or did not answer in time). Send the same request "
                   "again after `Retry-After` seconds. For a command (with the same command_id), its outcome is not "
                   "known until then: a command is never recorded twice, and one answered 2xx is in the log.",
    "headers": {"Retry-After": {"description": "seconds to wait before sending it again", "schema": {"type": "integer"}}},
    "content": {"application/json": {"examples": E(TEMPORAL_UNAVAILABLE, DATABASE_UNAVAILABLE)}},
}


def refused(*cases: tuple[str, str]) -> dict:
    return {"model": schemas.ErrorAnswer,
            "description": "the journey's rules (or the caller's role) refused the command, or its command_id was used "
                           "for a different request (`command_id_reused`); nothing was written",
            "content": {"application/json": {"examples": E(*cases, REUSED)}}}


def answered(status_description: str, example: dict, links: dict | None = None) -> dict:
    return {"description": status_description, "content": {"application/json": {"examples": {"answer": {"value": example}}}},
            **({"links": links} if links else {})}


def links(parameter: str, where: str, **operations: str) -> dict:
    """OpenAPI links: what a client (or a fuzzer) can do next with the id an answer or request
    carries, e.g. start a journey, send it a command, read it. Named by operationId (FastAPI's,
    from the route's function and path)."""
    return {name: {"operationId": operation, "parameters": {parameter: where}} for name, operation in operations.items()}


JOURNEY_LINKS = links(
    "journey_id", "$response.body#/journey_id", SendCommand="send_command_v1_journeys__journey_id__commands_post",
    GetJourney="get_journey_v1_journeys__journey_id__get", GetEvents="chronology_v1_journeys__journey_id__events_get",
    GetTimeline="timeline_v1_journeys__journey_id__timeline_get",
    GetChronology="full_chronology_v1_journeys__journey_id__chronology_get")


@router.post(
    "/journeys", status_code=201, response_model=schemas.CommandAnswer,
    responses={
        201: answered("the journey is open: its first events and state (a retry returns the first answer)",
                      {**schemas.ANSWER_EXAMPLE, "events": [{**schemas.EVENT_EXAMPLE, "type": "JourneyStarted", "version": 1}]},
                      JOURNEY_LINKS),
        401: UNAUTHENTICATED,
        409: refused(
            ("journey_already_open", "A journey is already open for this young person (0f3c6a55-1b7e-5c2d-9a4f-8e6d2b1c0a97)."),
            ("local_authority_mismatch", "Your token is for LA 873; this journey would be in LA 874."),
            ("young_person_too_old", "The young person was 18 or over on the referral date; adult services are responsible."),
            ("date_in_future", "The referral date 02 March 2027 is in the future."),
            ("not_allowed_for_role", "An auditor can read journeys but not record anything.")),
        422: MALFORMED,
    },
)
async def start_journey(
    request: Request, command: schemas.StartJourney = Body(openapi_examples=schemas.START_EXAMPLES),
    who: Principal = Depends(principal), svc: Services = Depends(services),
) -> dict:
    """Start a journey for a young person: one open journey per young person per LA.

    Starting another while one is open answers 409 `journey_already_open` with that journey's
    `journey_id`. Once a journey has closed, a new referral starts a new journey."""
    command_id = str(command.command_id)
    note(request, command_id=command_id, command_type=START)
    if command.local_authority != who.local_authority:
        raise ApiError(409, "local_authority_mismatch",
                       f"Your token is for LA {who.local_authority}; this journey would be in LA {command.local_authority}.")
    check_may_send(who, START)
    fingerprint = await idempotency.fingerprint(request)
    workflow_id = svc.journeys.workflow_id(who.local_authority, command.young_person.id)
    journey_id = journey_id_for(workflow_id, command_id)
    found, replay, recorded = await run_in_threadpool(_look_up, svc, journey_id, who.local_authority, command_id)
    idempotency.check(recorded, fingerprint)
    answer = replay
    if answer is None:
        answer = await sent_or_recorded(svc.journeys.start({
            "command_id": command_id, "actor": actor(who), "local_authority": who.local_authority,
            "young_person": to_data(command.young_person.model_dump()), "referral_date": command.referral_date,
            "request_hash": fingerprint,
        }), lambda: _recorded_answer(svc, journey_id, who.local_authority, command_id))
    note(request, journey_id=answer["journey_id"])
    return await run_in_threadpool(_answered, request, svc, answer, command_id, who.local_authority, fingerprint)


@router.post(
    "/journeys/{journey_id}/commands", response_model=schemas.CommandAnswer,
    responses={
        200: answered("recorded: the command's events and the journey's state (a retry returns the first answer)",
                      schemas.ANSWER_EXAMPLE, JOURNEY_LINKS),
        401: UNAUTHENTICATED, 404: NOT_FOUND,
        409: refused(
            ("strategy_discussion_required", "An initial conference needs a strategy discussion that opened a s.47 enquiry."),
            ("date_in_future", "The core group date 19 March 2027 is in the future."),
            ("date_before_previous_step", "The initial conference date 01 March 2026 is before the strategy discussion on 19 March 2026."),
            ("journey_closed", "This journey was closed on 20 May 2026; nothing more can be recorded on it."),
            ("not_allowed_for_role", "Only a manager can approve a deadline extension."),
            ("deadline_passed", "The initial conference deadline passed on 10 April 2026; an extension must be approved before it is missed."),
            ("initial_conference_required", "A plan update can only be recorded once an initial conference has made a plan."),
            ("invalid_value", "The social worker and the team manager must be different people."),
            ("allocation_unchanged", "The case is already allocated to them."),
            ("chair_not_in_pool", "chair-0099 is not in the LA's pool of ROTH chairs."),
            ("case_not_allocated", "Record the case's allocated social worker and team manager first, so the chair's "
                                   "independence can be checked."),
            ("chair_not_independent", "Chair tm-0007 is the case's allocated social worker or their team manager; "
                                      "a ROTH chair must be independent of the case."),
            ("chair_unchanged", "chair-0003 already chairs this case."),
            ("chair_required", "A ROTH initial conference needs an independent chair from the pool: assign one first."),
            ("meeting_not_held", "No initial conference is recorded on 02 April 2026; record the meeting first."),
            ("contexts_required", "A context weighting names at least one context."),
            ("duplicate_context", "A context is weighted twice; weigh each context once."),
            ("unknown_context", "Riverside park is said to affect 'bus-station', which is not another context in this weighting."),
            ("unknown_target", "Action 'Park wardens patrol 3pm to 7pm' is aimed at 'bus-station': aim it at the young "
                               "person, the family, or a context in the latest context weighting."),
            ("duplicate_goal", "Two goals have the same id."),
            ("scope_required", "Say whom the consent to share covers (education, health, police, ...)."),
            ("not_yet_seventeen", "A transition plan is made once the young person is 17."),
            ("invalid_upn", "'R247962919251' is not a UPN: The check letter of this UPN should be Q: a character has been mistyped."),
            ("factors_required", "A completed assessment names the factors it found (21 when it found none)."),
            ("event_not_found", "This journey has no such event."),
            ("not_correctable", "Only the latest strategy discussion can be corrected, while nothing recorded since rests "
                                "on it; put it right at the next step instead."),
            ("correction_unchanged", "The event already says that.")),
        422: MALFORMED,
    },
)
async def send_command(
    request: Request, journey_id: str,
    # The discriminator is given to Body again: Body's own field would otherwise replace the
    # union's, and a shape error would list every command type's fields instead of one's.
    command: schemas.Command = Body(discriminator="type", openapi_examples=schemas.COMMAND_EXAMPLES),
    who: Principal = Depends(principal), svc: Services = Depends(services),
) -> dict:
    """Record what happened. Sending the same command_id again returns the first answer and
    changes nothing.

    `extend_deadline` is a manager's; `change_policy` a manager's, an admin's or the LA system's;
    an auditor sends nothing. See the README's role table.

    On the ROTH pathway a conference needs an independent chair from the LA's pool first:
    `allocate_case`, then `assign_chair` (whether the chair is in the pool is the service's
    to say, from `/v1/chairs`, never the caller's)."""
    command_id = str(command.command_id)
    note(request, journey_id=journey_id, command_id=command_id, command_type=command.type)
    fingerprint = await idempotency.fingerprint(request)
    # Store reads run off the event loop (it is shared with the worker under `pathways up`),
    # all in one trip to the thread pool.
    found, replay, recorded, told = await run_in_threadpool(_look_up_for_command, svc, journey_id, who.local_authority,
                                                            command_id, command)
    if found is None:
        raise not_found()
    check_may_send(who, command.type)
    idempotency.check(recorded, fingerprint)
    summary, _ = found
    answer = replay
    if answer is None:
        fields = to_data(command.model_dump(exclude={"command_id"}))
        if command.type == "change_policy":
            fields["policy"] = to_data(policy_in_force(command.policy, london_date(datetime.now(timezone.utc))))
        fields.update(told)
        answer = await sent_or_recorded(
            svc.journeys.send(summary.workflow_id, {**fields, "command_id": command_id, "actor": actor(who),
                                                    "request_hash": fingerprint}),
            lambda: _recorded_answer(svc, journey_id, who.local_authority, command_id), gone=GONE)
    return await run_in_threadpool(_answered, request, svc, answer, command_id, who.local_authority, fingerprint)


@router.get("/journeys/{journey_id}", response_model=schemas.JourneyState,
            responses={200: answered("the journey's current state", schemas.STATE_EXAMPLE), 401: UNAUTHENTICATED, 404: NOT_FOUND,
                       422: MALFORMED})
def get_journey(request: Request, journey_id: str, who: Principal = Depends(principal), svc: Services = Depends(services)) -> dict:
    """The journey's current state, from the read model (up to date with every answered command)."""
    note(request, journey_id=journey_id)
    found = journey_in_la(svc.store.engine, journey_id, who.local_authority)
    if found is None or found[1] is None:
        raise not_found()
    access.record(request, access.JOURNEY, [journey_id])
    return found[1]


@router.get("/journeys", response_model=schemas.JourneyPage,
            responses={200: answered("a page of the caller's LA's journeys, in journey id order",
                                     {"journeys": [schemas.SUMMARY_EXAMPLE], "next_cursor": None}),
                       401: UNAUTHENTICATED, 422: MALFORMED})
def list_journeys(
    request: Request,
    pathway: Literal["roth", "cp"] | None = Query(None, description="only journeys on this pathway"),
    stage: schemas.Stage | None = Query(None, description="only journeys at this stage"),
    overdue: bool | None = Query(None, description="true: only journeys with a missed deadline still owed; false: only those without"),
    due_before: RecordDate | None = Query(None, description="only journeys whose next deadline falls before (not on) this date"),
    limit: int = Query(50, ge=1, le=500),
    cursor: str | None = Query(None, description="the `next_cursor` of the previous page"),
    who: Principal = Depends(principal), svc: Services = Depends(services),
) -> dict:
    """A page of the caller's LA's journey summaries; pass `next_cursor` back (with the same
    filters) for the next page."""
    after = _decode_cursor(cursor)
    rows = journeys_page(svc.store.engine, who.local_authority, pathway=pathway, stage=stage,
                         overdue=overdue, due_before=due_before, after=after, limit=limit + 1)
    page, more = rows[:limit], len(rows) > limit
    access.record(request, access.JOURNEY_LIST, [r.journey_id for r in page])
    return {
        "journeys": [{k: v for k, v in vars(r).items() if k not in ("workflow_id", "version", "view")} for r in page],
        "next_cursor": _encode_cursor(page[-1].journey_id) if more else None,
    }


@router.get("/journeys/{journey_id}/events", response_model=schemas.Chronology,
            responses={200: answered("the chronology, oldest first",
                                     {"journey_id": schemas.JOURNEY_ID, "events": [schemas.EVENT_EXAMPLE]}),
                       401: UNAUTHENTICATED, 404: NOT_FOUND, 422: MALFORMED})
def chronology(request: Request, journey_id: str, who: Principal = Depends(principal), svc: Services = Depends(services)) -> dict:
    """Every event of the journey in order, with valid time, system time, actor and hash."""
    note(request, journey_id=journey_id)
    if journey_in_la(svc.store.engine, journey_id, who.local_authority) is None:
        raise not_found()
    events = [event_view(e) for e in svc.store.read_stream(journey_id)]
    access.record(request, access.EVENTS, [journey_id])
    return {"journey_id": journey_id, "events": events}


def _answered(request: Request, svc: Services, answer: dict, command_id: str, local_authority: str,
              fingerprint: str) -> dict:
    """The command's answer in the contract's shape, its read of the state recorded (in the
    thread pool: a retry's events may come from the log, and the record is a write); 409
    if the answer is another request's (sent at the same time with the same command_id)."""
    idempotency.check(svc.store.recorded_request(local_authority, command_id), fingerprint)
    answered = _contract_answer(svc, answer, command_id)
    access.record(request, access.COMMAND_ANSWER, [answered["journey_id"]])
    return answered


def _contract_answer(svc: Services, answer: dict, command_id: str) -> dict:
    journey_id = answer["journey_id"]
    events = answer["events"]
    if answer.get("duplicate"):
        # A retry the workflow no longer holds the whole answer for (it keeps the latest
        # ones across continue-as-new): the command's events come from the log.
        events = [event_view(e) for e in svc.store.events_for_command(journey_id, command_id)]
    return {"journey_id": journey_id, "events": events, "state": answer["state"]}


def _look_up(svc: Services, journey_id: str, local_authority: str, command_id: str) -> tuple:
    """The journey's (summary, view) in the caller's LA, or None; the answer from the log if
    this is a retry that the journey's workflow can no longer give (see below), or None; and
    the (stream, fingerprint) recorded for the LA's command_id, or None."""
    found = journey_in_la(svc.store.engine, journey_id, local_authority)
    return found, _answer_from_log(svc, found, command_id), svc.store.recorded_request(local_authority, command_id)


def _look_up_for_command(svc: Services, journey_id: str, local_authority: str, command_id: str, command) -> tuple:
    """`_look_up`, and the fields the service tells the rules (which are pure) when there is
    something to send: with assign_chair whether the chair is in the caller's LA's pool, with
    correct_event the stored event it names (None if the journey has no such event)."""
    found, replay, recorded = _look_up(svc, journey_id, local_authority, command_id)
    told: dict = {}
    if found is not None and replay is None:
        if command.type == "assign_chair":
            told["in_pool"] = chair_in_pool(svc.store.engine, local_authority, command.chair_id)
        elif command.type == "correct_event":
            told["original"] = corrected_fact(svc.store, journey_id, command.event_id)
    return found, replay, recorded, told


def _recorded_answer(svc: Services, journey_id: str, local_authority: str, command_id: str) -> dict | None:
    """For a command whose sending failed (api/outcomes.py): its answer from the log, or None."""
    return _logged_answer(svc, journey_in_la(svc.store.engine, journey_id, local_authority), command_id)


def _answer_from_log(svc: Services, found, command_id: str) -> dict | None:
    """A retry that reaches a journey whose workflow has finished (it closed) is answered
    from the log (for the command that closed it, exactly the first answer). A retry while
    the journey is open goes to the workflow, which returns its first answer exactly."""
    if found is None or not found[0].closed:
        return None
    return _logged_answer(svc, found, command_id)


def _logged_answer(svc: Services, found, command_id: str) -> dict | None:
    """The command's events in the log and the journey as it now stands, or None if the log
    has none. `found` is the journey's (summary, view) in the caller's LA, or None."""
    if found is None:
        return None
    journey_id = found[0].journey_id
    events = svc.store.events_for_command(journey_id, command_id)
    if not events:
        return None
    return {"journey_id": journey_id, "events": [event_view(e) for e in events], "state": found[1]}


def _encode_cursor(journey_id: str) -> str:
    return base64.urlsafe_b64encode(journey_id.encode()).decode()


def _decode_cursor(cursor: str | None) -> str | None:
    if not cursor:
        return None
    try:
        journey_id = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("ascii")
        if str(uuid.UUID(journey_id)) != journey_id:
            raise ValueError("not a journey id in its canonical form")
    except (ValueError, UnicodeError, binascii.Error):
        raise invalid_query("cursor", "invalid_cursor", "The cursor is not one this service gave out.", cursor) from None
    return journey_id
